/**
 * `cheomdan submit`: a script file (with #SBATCH directives, sent unchanged) or `-- command args…`.
 *
 * Flags override directives, as sbatch's options do. The script's directives are checked here with the
 * same parser the server uses, and the flags are checked against the contract, before anything is sent:
 * a bad script or flag exits with code 2 and submits nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { JobSubmit } from '../../contract/index.ts';
import { parseSbatchScript } from '../../core/sbatch.ts';
import { UsageError } from '../config.ts';
import type { Cli } from '../context.ts';
import { describeRequest } from '../format.ts';
import { FLAG_FOR_FIELD, flagsToSubmit, type SubmitFlags } from '../submitFlags.ts';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function registerSubmit(program: Command, cli: Cli): void {
  program
    .command('submit')
    .description('Submit a job: a batch script (#SBATCH directives honoured) or a command after --')
    .argument('[script]', 'a bash script file; its #SBATCH directives are read, flags override them')
    .option('--name <name>', 'job name (#SBATCH -J)')
    .option('--project <project>', "project id or slug (default: your organization's first project)")
    .option('--allocation <allocation>', 'allocation id to charge (default: the project\'s, else the organization\'s, that can cover the job)')
    .option('--reservation <reservation>', "run on this reservation's nodes, within its window (#SBATCH --reservation)")
    .option('--partition <partition>', 'partition (default: the default partition)')
    .option('-n, --tasks <n>', 'number of tasks (default 1)')
    .option('--gpus-per-task <n>', 'devices (GPUs or NPUs) per task')
    .option('--accelerator <types>', 'acceptable accelerator types, e.g. h100 or nvidia-a100-sxm-80gb; repeatable or comma-separated', collect)
    .option('--cpus-per-task <n>', 'CPUs per task')
    .option('--mem-per-task <size>', 'memory per task: MiB, or with a K/M/G/T suffix (e.g. 32G)')
    .option('-N, --nodes <n>', 'exact number of nodes')
    .option('--tasks-per-node <n>', 'tasks on each node')
    .option('--time <time>', 'time limit, Slurm formats: minutes, H:M:S, D-H:M:S (e.g. 1-12:00:00)')
    .option('--priority <n>', 'priority adjustment, -1000 to 1000 (lower your own jobs with a negative value)')
    .option('--env <NAME=value>', 'environment variable for the job; repeatable', collect)
    .option('--chdir <dir>', 'working directory of the job (relative paths are taken from here)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  cheomdan submit train.sh                          # a Slurm script, as it is\n' +
        '  cheomdan submit --time 30 train.sh                # flags override its directives\n' +
        '  cheomdan submit -n 2 --gpus-per-task 4 --accelerator h100 -- python train.py --epochs 3',
    )
    .action(async (scriptArg: string | undefined, flags: SubmitFlags) => {
      const command = cli.afterDashes;
      if (scriptArg !== undefined && command.length > 0) {
        throw new UsageError(`give a script file or a command after --, not both (got "${scriptArg}" and "-- ${command.join(' ')}")`);
      }
      if (scriptArg === undefined && command.length === 0) {
        throw new UsageError('nothing to run: give a script file (cheomdan submit train.sh) or a command after -- (cheomdan submit -- python train.py)');
      }
      const mapped = flagsToSubmit(flags, cli.io.cwd);
      const problems = mapped.errors.map((e) => `  ${e}`);
      let body: Record<string, unknown> = { ...mapped.submit };
      let scriptWarnings: string[] = [];
      if (scriptArg !== undefined) {
        const script = await readScript(resolve(cli.io.cwd, scriptArg), scriptArg);
        const parsed = parseSbatchScript(script);
        problems.push(...parsed.errors.map((e) => `  ${e.path.replace(/^script/, scriptArg)}: ${e.message}`));
        scriptWarnings = parsed.warnings;
        body = { ...body, script };
      } else body = { ...body, command: [...command] };
      if (problems.length === 0) {
        const checked = JobSubmit.safeParse(body);
        if (!checked.success) {
          for (const issue of checked.error.issues) {
            const field = String(issue.path[0] ?? '');
            problems.push(`  ${FLAG_FOR_FIELD[field] ?? field}: ${issue.message}`);
          }
        }
      }
      if (problems.length > 0) {
        throw new UsageError(`nothing was submitted:\n${problems.join('\n')}`);
      }
      const job = await (await cli.client()).submitJob(body as JobSubmit);
      if (cli.json) return cli.printJson(job);
      cli.out(job.id);
      // The server repeats the script's warnings in job.warnings; show each once.
      for (const w of new Set([...job.warnings, ...scriptWarnings])) cli.err(`warning: ${w}`);
      cli.err(`submitted ${job.name}: ${describeRequest(job.request)}; ${job.state}${job.pendingReason ? ` (${job.pendingReason})` : ''}`);
    });
}

async function readScript(path: string, shown: string): Promise<string> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new UsageError(`${shown} is not a file; give a batch script, or put a command after --`);
    const text = await readFile(path, 'utf8');
    if (text.trim() === '') throw new UsageError(`${shown} is empty`);
    return text;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`no such file: ${shown}. To run a command rather than a script, put it after --: cheomdan submit -- ${shown}`);
    }
    throw new UsageError(`cannot read ${shown} (${code ?? (e as Error).message})`);
  }
}
