/**
 * `cheomdan submit` and `cheomdan sbatch`: a script file (with #SBATCH directives, sent unchanged), a command
 * after `--`, or `--wrap="command"`.
 *
 * Every sbatch option works on the command line as in a script (`cheomdan submit -J x -t 10 --mem 4G
 * --gres gpu:1 train.sh`), beside cheomdan's own flags (`--project`, `--accelerator`, `--mem-per-task`,
 * `--env`, ...). As sbatch reads its command line: options up to the script; the command line wins over the
 * script's #SBATCH lines. The sbatch options are sent as they were written (`sbatchOptions`) with the
 * directory this runs in (`submitDirectory`, the job's working directory unless --chdir says otherwise), so
 * the server reads them with the same parser; they are checked here first, so a bad script or option exits
 * with code 2 and submits nothing. A script's default job name is its file name (sbatch's rule).
 *
 * The two commands differ only in what they print: `submit` the job id (and warnings), `sbatch` Slurm's
 * "Submitted batch job ID" (just the id with --parsable).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { JobSubmit } from '../../contract/index.ts';
import { parseSbatch } from '../../core/sbatch.ts';
import { UsageError } from '../config.ts';
import type { Cli } from '../context.ts';
import { describeRequest } from '../format.ts';
import { FLAG_FOR_FIELD, flagsToSubmit, splitSubmitArgs } from '../submitFlags.ts';

/** The script sbatch writes for --wrap (src/sbatch/sbatch.c). */
const wrapScript = (command: string) => `#!/bin/sh\n# This script was created by sbatch --wrap.\n\n${command}\n`;

const OWN_FLAGS_HELP = `
Cheomdan's own flags (any sbatch option works too, e.g. -J NAME, -t TIME, --mem 4G, --gres gpu:h100:2,
-c 8, -N 2, --ntasks-per-node 4, -p PARTITION, -o FILE, -D DIR, --export NAME=value, --wrap CMD):
  --name <name>               job name (#SBATCH -J; default: the script's file name)
  --project <project>         project id or slug (default: your organization's first project)
  --allocation <allocation>   allocation id to charge
  --reservation <id>          run on this reservation's nodes, within its window
  --partition <partition>     partition (default: the default partition)
  -n, --tasks <n>             number of tasks (default 1)
  --gpus-per-task <n>         devices (GPUs or NPUs) per task
  --accelerator <types>       acceptable accelerator types (h100, nvidia-a100-sxm-80gb); repeatable
  --cpus-per-task <n>         CPUs per task
  --mem-per-task <size>       memory per task: MiB, or with a K/M/G/T suffix (e.g. 32G)
  -N, --nodes <n>             exact number of nodes
  --tasks-per-node <n>        tasks on each node
  --time <time>               time limit: minutes, H:M:S, D-H:M:S (e.g. 1-12:00:00)
  --priority <n>              priority adjustment, -1000 to 1000 (lower your own jobs with a negative value)
  --env <NAME=value>          environment variable for the job; repeatable
  --chdir <dir>               working directory (relative paths are taken from here; default: here)
  --dataset <NAME[@V][:PATH]> mount a dataset version read-only ($CHEOMDAN_DATASET_<NAME>, link at PATH); repeatable
  --save-output <NAME[:DIR]>  when the job succeeds, save DIR (default output) as the next version of NAME

Examples:
  cheomdan submit train.sh                          # a Slurm script, as it is
  cheomdan submit -J x -t 10 --mem 4G --gres gpu:1 train.sh   # the command line wins over its directives
  cheomdan sbatch --wrap "python sweep.py"          # Slurm's --wrap
  cheomdan submit -n 2 --gpus-per-task 4 --accelerator h100 -- python train.py --epochs 3
  cheomdan submit --dataset chest-xray@3 --save-output xray-models train.sh   # read v3, keep ./output`;

export function registerSubmit(program: Command, cli: Cli): void {
  for (const style of ['submit', 'sbatch'] as const) {
    program
      .command(style)
      .description(
        style === 'submit'
          ? 'Submit a job: a batch script (#SBATCH directives honoured), a command after --, or --wrap; sbatch options accepted'
          : 'Submit a batch script as sbatch does (every sbatch option; prints "Submitted batch job ID")',
      )
      .usage('[options] [script] | [options] -- command [args...]')
      .argument('[args...]', 'options, then the script')
      // Options are read by splitSubmitArgs (cheomdan's flags and every sbatch option), not by commander.
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText('after', OWN_FLAGS_HELP)
      .action(async (_args: string[], _opts: unknown, cmd: Command) => submit(cli, style, cmd.args));
  }
}

async function submit(cli: Cli, style: 'submit' | 'sbatch', words: readonly string[]): Promise<void> {
  const split = splitSubmitArgs(words);
  const problems = split.errors.map((e) => `  ${e}`);
  if (problems.length > 0) throw new UsageError(`nothing was submitted:\n${problems.join('\n')}`);
  const parsable = split.sbatch.includes('--parsable');
  // --wrap becomes the script, as in sbatch; the server is sent the script it wrote.
  const wrapAt = split.sbatch.findIndex((w) => w === '--wrap' || w.startsWith('--wrap='));
  let wrap: string | undefined;
  const sbatch = [...split.sbatch];
  if (wrapAt !== -1) {
    const w = sbatch[wrapAt] as string;
    wrap = w.startsWith('--wrap=') ? w.slice(7) : sbatch[wrapAt + 1];
    sbatch.splice(wrapAt, w.startsWith('--wrap=') ? 1 : 2);
  }
  const command = cli.afterDashes;
  const given = [split.script && `the script "${split.script}"`, command.length > 0 && `"-- ${command.join(' ')}"`, wrap !== undefined && '--wrap']
    .filter(Boolean);
  if (given.length > 1) throw new UsageError(`give a script file, a command after --, or --wrap; not both (got ${given.join(' and ')})`);
  if (given.length === 0) {
    throw new UsageError('nothing to run: give a script file (cheomdan submit train.sh), a command after -- (cheomdan submit -- python train.py) or --wrap "command"');
  }
  if (split.scriptArgs.length > 0) {
    problems.push(`  ${split.scriptArgs.join(' ')}: arguments after the script are not passed to it here; put options before the script, or set values with --env NAME=value`);
  }
  const mapped = flagsToSubmit(split.own, cli.io.cwd);
  problems.push(...mapped.errors.map((e) => `  ${e}`));
  let script: string | undefined;
  if (split.script !== undefined && problems.length === 0) script = await readScript(resolve(cli.io.cwd, split.script), split.script);
  if (wrap !== undefined) script = wrapScript(wrap);
  const parsed = parseSbatch({ script: wrap === undefined ? script : undefined, args: sbatch }, { submitDirectory: cli.io.cwd });
  const shownScript = split.script ?? 'script';
  problems.push(...parsed.errors.map((e) => `  ${e.path === 'argv' ? '' : `${e.path.replace(/^script/, shownScript)}: `}${e.message}`));

  let body: Record<string, unknown> = { ...mapped.submit, submitDirectory: cli.io.cwd };
  if (sbatch.length > 0) body.sbatchOptions = sbatch;
  if (script !== undefined) body.script = script;
  else body.command = [...command];
  // sbatch names a job after its script (or "wrap") unless -J says otherwise.
  if (body.name === undefined && parsed.submit.name === undefined && script !== undefined) {
    body.name = wrap !== undefined ? 'wrap' : basename(split.script ?? 'script').slice(0, 128);
  }
  if (problems.length === 0) {
    const checked = JobSubmit.safeParse(body);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const field = String(issue.path[0] ?? '');
        problems.push(`  ${FLAG_FOR_FIELD[field] ?? field}: ${issue.message}`);
      }
    }
  }
  if (problems.length > 0) throw new UsageError(`nothing was submitted:\n${problems.join('\n')}`);
  const job = await (await cli.client()).submitJob(body as JobSubmit);
  if (cli.json) return cli.printJson(job);
  if (style === 'sbatch') cli.out(parsable ? job.id : `Submitted batch job ${job.id}`);
  else cli.out(job.id);
  // The server repeats the script's warnings in job.warnings; show each once.
  for (const w of new Set([...job.warnings, ...parsed.warnings])) cli.err(`warning: ${w}`);
  if (style === 'submit') {
    cli.err(`submitted ${job.name}: ${describeRequest(job.request)}; ${job.state}${job.pendingReason ? ` (${job.pendingReason})` : ''}`);
  }
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
