/**
 * `#SBATCH` directives: Slurm users bring their batch scripts unchanged, and this module turns the directives
 * into the fields of a job submission (contract `JobSubmit`). Pure: no I/O, no clock.
 *
 * Rules, as sbatch applies them (sbatch(1), src/sbatch/opt.c):
 * - A directive is a line that starts with `#SBATCH` in column 1. Directives are read only until the first
 *   line that is neither blank nor a comment; `#SBATCH` lines after it are ignored by Slurm, and reported here
 *   as a warning so nothing is dropped silently.
 * - The rest of a directive line is split like a shell word list (quotes, backslash), and an unquoted `#`
 *   starts a trailing comment. One line may carry several options. A later directive overrides an earlier one.
 * - Long options accept an unambiguous prefix (getopt_long), e.g. `--job=x`.
 *
 * Every option sbatch knows is accounted for: honoured (mapped to a field), ignored with a warning that says
 * why (placement hints, accounting labels), or an error when ignoring it would change what the job does
 * (holds, another user's identity). Unknown options are errors. Slurm features beyond resources (arrays,
 * dependencies, --begin, --signal, mail, --exclusive, ...) are parsed and checked by sbatchFeatures.ts and
 * returned in `directives`; those the caller does not act on (`opts.honoured`) are refused or warned about
 * there, so nothing a script asks for is dropped silently.
 * Command-line options (`parseSbatch({ args })`) are read with the same table and win over the script's.
 *
 * Resource semantics. Slurm counts GPUs and memory per NODE (`--gres=gpu:4`, `--gpus-per-node`, `--mem`) or in
 * total (`--gpus`); Cheomdan asks per TASK (every task of a job gets the same devices, CPUs and memory). The
 * conversion divides by the tasks on each node:
 *   tasks per node = --ntasks-per-node, else -n / -N when both are given (must divide), else -n when there is
 *   no -N (all tasks on one node: `nodes` is then set to 1, so the per-node amount stays on one node),
 *   else 1.
 *   devicesPerTask = GPUs per node / tasks per node (must divide), or --gpus / tasks (must divide),
 *   or --gpus-per-task. Several GPU options must agree.
 *   memoryMbPerTask = --mem / tasks per node (rounded down), or --mem-per-cpu × cpus per task, or
 *   --mem-per-gpu × devices per task.
 * `-o` / `-e` are not submission fields: they are returned in `logPaths`, checked but unexpanded (Slurm's
 * `%j %x %u %A %a %N %n %t %s %%`, see core/slurm/filenamePattern.ts), to be filled in once the job id is known.
 * A relative `-D`/`--chdir` is resolved against `opts.submitDirectory`.
 */
import { posix } from 'node:path';
import type { FieldProblem } from './errors.ts';
import type { SbatchDirectives, SbatchParseOptions } from './sbatchFeatures.ts';
import type { SlurmJobFacts } from './slurm/jobEnvironment.ts';
import { applyWords, type Ctx, type Raw } from './sbatchOptions.ts';
import { knownAcceleratorNames, resolveAcceleratorType, splitDirective } from './slurmValues.ts';

export {
  expandLogPattern, formatSlurmTime, knownAcceleratorNames, MAX_TIME_LIMIT_SECONDS, parseMemoryMb, parseSlurmTime,
  resolveAcceleratorType, splitDirective,
} from './slurmValues.ts';
export { SBATCH_LONG_OPTIONS } from './sbatchOptions.ts';
export { MAIL_TYPES, type MailType, type SbatchDirectives, type SbatchParseOptions } from './sbatchFeatures.ts';

/** The submission fields a script can set (everything in `JobSubmit` except `command` and `script`). */
export interface SbatchSubmit {
  name?: string;
  project?: string;
  reservation?: string;
  partition?: string;
  tasks?: number;
  devicesPerTask?: number;
  acceleratorTypes?: string[];
  cpusPerTask?: number;
  memoryMbPerTask?: number;
  nodes?: number;
  tasksPerNode?: number;
  timeLimitSeconds?: number;
  priority?: number;
  environment?: Record<string, string>;
  workingDirectory?: string;
}

export interface SbatchResult {
  submit: SbatchSubmit;
  /** `-o` / `-e` patterns, unexpanded (see core/slurm/filenamePattern.ts). */
  logPaths: { stdout?: string; stderr?: string };
  /** Arrays, dependencies, --begin, --signal, mail, ... parsed and validated (see sbatchFeatures.ts). */
  directives: SbatchDirectives;
  /** Which options were given, for the SLURM_* variables Slurm sets only then (core/slurm/jobEnvironment.ts). */
  facts: SlurmJobFacts;
  /** Directives that were ignored, and assumptions made; each names its line. */
  warnings: string[];
  /** Directives that cannot be honoured; a script with errors must not be submitted. path: `script:<line>`. */
  errors: FieldProblem[];
}

// ---------------------------------------------------------------------------------------------------------
// The parser.

/** Reads the `#SBATCH` directives of a batch script. See the module header for the rules. */
export function parseSbatchScript(script: string, opts: SbatchParseOptions = {}): SbatchResult {
  return parseSbatch({ script }, opts);
}

/**
 * Reads a script's directives and sbatch options given on the command line (`args`: the words before the
 * script, e.g. `["-J", "x", "-t", "10", "--mem", "4G"]`). The command line wins, as in sbatch: each option
 * it gives replaces the script's; a memory option replaces all of the script's memory options (Slurm's
 * validate_memory_options: the command line's --mem, --mem-per-cpu or --mem-per-gpu resets the others), a
 * GPU option replaces the script's same option. Errors from the command line have path `argv`.
 */
export function parseSbatch(input: { script?: string | undefined; args?: readonly string[] | undefined }, opts: SbatchParseOptions = {}): SbatchResult {
  const warnings: string[] = [];
  const errors: FieldProblem[] = [];
  const raw = input.script !== undefined ? readDirectives(input.script, opts, warnings, errors) : emptyRaw();
  if (input.script !== undefined && raw.directives.wrap !== undefined) {
    errors.push({ path: 'script', message: '--wrap replaces the script, so it has no place in one; give it on the command line (cheomdan sbatch --wrap="command")' });
  }
  if (input.args !== undefined && input.args.length > 0) {
    const cli = emptyRaw();
    const ctx: Ctx = {
      raw: cli,
      opts,
      line: 0,
      warn: (msg) => warnings.push(`command line: ${msg}`),
      fail: (msg) => errors.push({ path: 'argv', message: msg }),
    };
    applyWords([...input.args], ctx);
    mergeCommandLine(raw, cli);
  }
  if (raw.chdir !== undefined && !raw.chdir.startsWith('/')) {
    if (opts.submitDirectory !== undefined && opts.submitDirectory.startsWith('/')) raw.chdir = posix.resolve(opts.submitDirectory, raw.chdir);
    else {
      errors.push({ path: 'script', message: `--chdir=${raw.chdir} is relative and the directory it was submitted from is not known; give an absolute path, or submit with cheomdan (which sends its directory)` });
      delete raw.chdir;
    }
  }
  const submit = resolve(raw, warnings, errors);
  const logPaths: SbatchResult['logPaths'] = {};
  if (raw.stdout !== undefined) logPaths.stdout = raw.stdout;
  if (raw.stderr !== undefined) logPaths.stderr = raw.stderr;
  return { submit, logPaths, directives: raw.directives, facts: factsOf(raw), warnings, errors };
}

function factsOf(raw: Raw): SlurmJobFacts {
  const mem = raw.mem[0];
  const gpusPerTask = raw.gpus.find((g) => g.per === 'task')?.count;
  const f: SlurmJobFacts = { ntasksGiven: raw.tasks !== undefined };
  if (raw.name !== undefined) f.jobName = raw.name;
  if (raw.partition !== undefined) f.partition = raw.partition;
  if (raw.project !== undefined) f.account = raw.project;
  if (raw.tasksPerNode !== undefined) f.ntasksPerNode = raw.tasksPerNode;
  if (raw.cpusPerTask !== undefined) f.cpusPerTask = raw.cpusPerTask;
  if (mem?.option === '--mem') f.memPerNodeMb = mem.mb;
  if (mem?.option === '--mem-per-cpu') f.memPerCpuMb = mem.mb;
  if (mem?.option === '--mem-per-gpu') f.memPerGpuMb = mem.mb;
  if (gpusPerTask !== undefined) f.gpusPerTask = gpusPerTask;
  return f;
}

const emptyRaw = (): Raw => ({ gpus: [], mem: [], directives: {} });

/** The command line's options over the script's (see parseSbatch). */
function mergeCommandLine(raw: Raw, cli: Raw): void {
  for (const [k, v] of Object.entries(cli)) {
    if (k === 'gpus' || k === 'mem' || k === 'directives' || v === undefined) continue;
    if (k === 'environment') raw.environment = { ...raw.environment, ...cli.environment };
    else (raw as unknown as Record<string, unknown>)[k] = v;
  }
  if (cli.mem.length > 0) raw.mem = cli.mem;
  if (cli.gpus.length > 0) {
    const given = new Set(cli.gpus.map((g) => g.option));
    raw.gpus = [...raw.gpus.filter((g) => !given.has(g.option)), ...cli.gpus];
  }
  raw.directives = { ...raw.directives, ...cli.directives };
}

function readDirectives(script: string, opts: SbatchParseOptions, warnings: string[], errors: FieldProblem[]): Raw {
  const raw = emptyRaw();
  const lines = script.split(/\r?\n/);
  let firstCommand = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    const directive = /^#SBATCH(?:\s|$)(.*)$/.exec(line);
    if (!directive) {
      if (/^\s+#SBATCH\b/.test(line) && firstCommand === 0) {
        warnings.push(`line ${lineNo}: ignored: an indented #SBATCH is not a directive (Slurm ignores it too); start the line with #SBATCH`);
      } else if (/^#sbatch\b/i.test(line) && firstCommand === 0) {
        warnings.push(`line ${lineNo}: ignored: "${line.slice(0, 7)}" is not a directive (Slurm wants #SBATCH in capitals)`);
      } else if (firstCommand === 0 && line.trim() !== '' && !line.trimStart().startsWith('#')) {
        firstCommand = lineNo;
      }
      continue;
    }
    if (firstCommand !== 0) {
      warnings.push(
        `line ${lineNo}: ignored: #SBATCH after the first command (line ${firstCommand}); Slurm ignores it too — move it above line ${firstCommand}`,
      );
      continue;
    }
    const ctx: Ctx = {
      raw,
      opts,
      line: lineNo,
      warn: (msg) => warnings.push(`line ${lineNo}: ${msg}`),
      fail: (msg) => errors.push({ path: `script:${lineNo}`, message: msg }),
    };
    const words = splitDirective(directive[1] ?? '');
    if (words[0] === 'hetjob' || words[0] === 'packjob') {
      ctx.fail('heterogeneous jobs are not supported; submit each component as its own job');
      continue;
    }
    applyWords(words, ctx);
  }
  return raw;
}

/** Turns Slurm's per-node and per-job amounts into Cheomdan's per-task request (see the module header). */
function resolve(raw: Raw, warnings: string[], errors: FieldProblem[]): SbatchSubmit {
  const out: SbatchSubmit = {};
  const fail = (line: number | undefined, message: string) => errors.push({ path: line ? `script:${line}` : 'script', message });
  if (raw.name !== undefined) out.name = raw.name;
  if (raw.project !== undefined) out.project = raw.project;
  if (raw.reservation !== undefined) out.reservation = raw.reservation;
  if (raw.partition !== undefined) out.partition = raw.partition;
  if (raw.time !== undefined) out.timeLimitSeconds = raw.time;
  if (raw.chdir !== undefined) out.workingDirectory = raw.chdir;
  if (raw.environment !== undefined) out.environment = raw.environment;
  if (raw.nice !== undefined) out.priority = raw.nice === 0 ? 0 : -raw.nice;

  // Tasks and nodes.
  let nodes = raw.nodes;
  let tasks = raw.tasks;
  const tpn = raw.tasksPerNode;
  if (tasks === undefined && tpn !== undefined) tasks = (nodes ?? 1) * tpn;
  if (tasks === undefined && nodes !== undefined) tasks = nodes; // Slurm: one task per node by default
  if (tasks !== undefined && tpn !== undefined && nodes !== undefined && tasks !== nodes * tpn) {
    fail(undefined, `-n ${tasks} does not equal -N ${nodes} × --ntasks-per-node=${tpn}; every node runs the same number of tasks here, so give -n ${nodes * tpn} or drop -n`);
  }
  if (tasks !== undefined && nodes !== undefined && tasks < nodes) {
    fail(undefined, `-n ${tasks} is fewer tasks than -N ${nodes} nodes; give at least one task per node`);
  }

  // Tasks on each node, needed only to convert per-node amounts.
  const perNodeGiven = raw.gpus.some((g) => g.per === 'node') || raw.mem.some((m) => m.option === '--mem');
  let tasksOnNode: number | undefined;
  if (perNodeGiven) {
    if (tpn !== undefined) tasksOnNode = tpn;
    else if (nodes !== undefined) {
      const t = tasks ?? nodes;
      if (t % nodes === 0) tasksOnNode = t / nodes;
      else fail(undefined, `-n ${t} tasks do not divide evenly over -N ${nodes} nodes, so per-node GPUs or memory (--gres, --gpus-per-node, --mem) cannot be split per task; add --ntasks-per-node`);
    } else {
      tasksOnNode = tasks ?? 1;
      if (tasksOnNode > 1) {
        nodes = 1;
        warnings.push(`--gres/--gpus-per-node/--mem are per node and no -N was given: all ${tasksOnNode} tasks are placed on one node (add -N and --ntasks-per-node to spread them)`);
      }
    }
  }
  if (nodes !== undefined) out.nodes = nodes;
  if (tasks !== undefined) out.tasks = tasks;
  if (tpn !== undefined) out.tasksPerNode = tpn;
  else if (nodes !== undefined && tasksOnNode !== undefined && perNodeGiven) out.tasksPerNode = tasksOnNode;

  // Devices per task, from whichever GPU options were given; they must agree.
  const candidates: { option: string; perTask: number; line: number }[] = [];
  const types = new Set<string>();
  for (const g of raw.gpus) {
    if (g.type !== undefined) {
      const id = resolveAcceleratorType(g.type);
      if (id) types.add(id);
      else fail(g.line, `${g.option}: unknown accelerator type "${g.type}"; known: ${knownAcceleratorNames()}`);
    }
    if (g.per === 'task' || g.per === 'gpu-task') candidates.push({ option: g.option, perTask: g.count, line: g.line });
    else if (g.per === 'node') {
      if (tasksOnNode === undefined) continue; // already reported
      if (g.count % tasksOnNode !== 0) {
        fail(g.line, `${g.option}: ${g.count} GPU(s) per node cannot be split evenly over ${tasksOnNode} task(s) per node; every task gets the same number of devices here — make the GPUs per node a multiple of the tasks per node, or use --gpus-per-task`);
      } else candidates.push({ option: g.option, perTask: g.count / tasksOnNode, line: g.line });
    } else {
      const t = tasks ?? 1;
      if (g.count % t !== 0) fail(g.line, `${g.option}: ${g.count} GPU(s) cannot be split evenly over ${t} task(s); give --gpus-per-task instead`);
      else candidates.push({ option: g.option, perTask: g.count / t, line: g.line });
    }
  }
  const distinct = [...new Set(candidates.map((c) => c.perTask))];
  if (distinct.length > 1) {
    fail(undefined, `the GPU options disagree: ${candidates.map((c) => `${c.option} (line ${c.line}) means ${c.perTask} per task`).join(', ')}; give one of them`);
  } else if (distinct.length === 1) out.devicesPerTask = distinct[0] as number;
  if (raw.constraintType) types.add(raw.constraintType);
  if (types.size > 1) fail(undefined, `the directives name different accelerator types (${[...types].join(', ')}); a job uses one type — give one`);
  if (types.size > 0) out.acceleratorTypes = [...types];

  // CPUs per task.
  if (raw.cpusPerTask !== undefined) out.cpusPerTask = raw.cpusPerTask;
  if (raw.cpusPerGpu !== undefined) {
    const d = out.devicesPerTask ?? 0;
    if (d === 0) fail(undefined, '--cpus-per-gpu needs GPUs; add --gpus-per-task or --gres=gpu:N, or use --cpus-per-task');
    else if (raw.cpusPerTask !== undefined && raw.cpusPerTask !== raw.cpusPerGpu * d) {
      fail(undefined, `--cpus-per-task=${raw.cpusPerTask} and --cpus-per-gpu=${raw.cpusPerGpu} (× ${d} GPUs) disagree; give one`);
    } else out.cpusPerTask = raw.cpusPerGpu * d;
  }

  // Memory per task.
  if (raw.mem.length > 1) {
    fail(raw.mem[1]?.line, `${raw.mem.map((m) => m.option).join(' and ')} exclude each other (as in Slurm); give one`);
  } else if (raw.mem.length === 1) {
    const m = raw.mem[0] as Raw['mem'][number];
    if (m.option === '--mem') {
      if (tasksOnNode !== undefined) {
        out.memoryMbPerTask = Math.max(1, Math.floor(m.mb / tasksOnNode));
        if (m.mb % tasksOnNode !== 0) warnings.push(`line ${m.line}: --mem of ${m.mb} MiB per node split over ${tasksOnNode} tasks: ${out.memoryMbPerTask} MiB per task`);
      }
    } else if (m.option === '--mem-per-cpu') {
      out.memoryMbPerTask = m.mb * (out.cpusPerTask ?? 1);
    } else {
      const d = out.devicesPerTask ?? 0;
      if (d === 0) fail(m.line, '--mem-per-gpu needs GPUs; add --gpus-per-task or --gres=gpu:N, or use --mem');
      else out.memoryMbPerTask = m.mb * d;
    }
  }
  return out;
}
