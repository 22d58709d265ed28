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
 * why (placement hints, mail, accounting labels), or an error when ignoring it would change what the job does
 * (job arrays, dependencies, holds, another user's identity). Unknown options are errors.
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
 * `-o` / `-e` are not submission fields: they are returned in `logPaths`, with Slurm's `%j`, `%x`, `%u`, `%%`
 * patterns left for `expandLogPattern` to fill in once the job id is known.
 */
import { ACCELERATOR_CATALOG } from './accelerators.ts';
import type { FieldProblem } from './errors.ts';

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
  /** `-o` / `-e` patterns, unexpanded (see `expandLogPattern`). */
  logPaths: { stdout?: string; stderr?: string };
  /** Directives that were ignored, and assumptions made; each names its line. */
  warnings: string[];
  /** Directives that cannot be honoured; a script with errors must not be submitted. path: `script:<line>`. */
  errors: FieldProblem[];
}

/** 30 days, the contract's maximum time limit. */
export const MAX_TIME_LIMIT_SECONDS = 30 * 24 * 3600;

// ---------------------------------------------------------------------------------------------------------
// Values: time, sizes, counts, accelerator types. Exported: the CLI parses its flags with the same rules.

/**
 * Parses a Slurm time limit: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`. Returns seconds, or an error
 * message. `0`, `UNLIMITED` and `INFINITE` (no limit) are refused: every job here has a limit.
 */
export function parseSlurmTime(text: string): { seconds: number } | { error: string } {
  const s = text.trim();
  const formats = 'use minutes ("90"), "M:S", "H:M:S", "D-H", "D-H:M" or "D-H:M:S" (e.g. "1-12:00:00")';
  if (/^(unlimited|infinite)$/i.test(s)) {
    return { error: `"${s}": jobs need a time limit here (at most 30-00:00:00); ${formats}` };
  }
  let days = 0;
  let rest = s;
  const dash = /^(\d+)-(.*)$/.exec(s);
  if (dash) {
    days = Number(dash[1]);
    rest = dash[2] ?? '';
  }
  const parts = rest.split(':');
  if (rest === '' || parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) {
    return { error: `"${s}" is not a time; ${formats}` };
  }
  const n = parts.map(Number);
  let seconds: number;
  if (dash) {
    // D-H, D-H:M, D-H:M:S
    seconds = days * 86400 + (n[0] ?? 0) * 3600 + (n[1] ?? 0) * 60 + (n[2] ?? 0);
  } else if (n.length === 1) {
    seconds = (n[0] ?? 0) * 60; // M
  } else if (n.length === 2) {
    seconds = (n[0] ?? 0) * 60 + (n[1] ?? 0); // M:S
  } else {
    seconds = (n[0] ?? 0) * 3600 + (n[1] ?? 0) * 60 + (n[2] ?? 0); // H:M:S
  }
  if (seconds === 0) return { error: `"${s}": a time limit of 0 means "no limit" in Slurm, which is not allowed here; ${formats}` };
  if (seconds > MAX_TIME_LIMIT_SECONDS) return { error: `"${s}" is longer than the maximum of 30 days (30-00:00:00)` };
  return { seconds };
}

/** Formats seconds the way Slurm prints limits: `H:MM:SS`, or `D-HH:MM:SS` from one day up. */
export function formatSlurmTime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = Math.floor(seconds % 60);
  const p = (x: number) => String(x).padStart(2, '0');
  return d > 0 ? `${d}-${p(h)}:${p(m)}:${p(sec)}` : `${h}:${p(m)}:${p(sec)}`;
}

/**
 * Parses a Slurm memory size into MiB: a number with an optional K, M, G or T suffix (binary units; no suffix
 * means M, as in Slurm; a trailing "B" is tolerated: "32GB").
 */
export function parseMemoryMb(text: string): { mb: number } | { error: string } {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])?(?:I?B)?$/i.exec(text.trim());
  if (!m) return { error: `"${text}" is not a memory size; use a number of MiB or a K/M/G/T suffix (e.g. "32G")` };
  const value = Number(m[1]);
  const unit = (m[2] ?? 'M').toUpperCase();
  const factor = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[unit] ?? 1;
  return { mb: Math.ceil(value * factor) };
}

function parseCount(text: string, what: string, min = 1): { n: number } | { error: string } {
  if (!/^\d+$/.test(text.trim())) return { error: `"${text}" is not a whole number (${what})` };
  const n = Number(text.trim());
  if (n < min) return { error: `${what} must be at least ${min}, got ${n}` };
  return { n };
}

/** Short names people use for accelerator types (Slurm GRES types, constraints), lower case. */
const ACCELERATOR_ALIASES: Readonly<Record<string, string>> = {
  h100: 'nvidia-h100-sxm-80gb',
  'h100-sxm': 'nvidia-h100-sxm-80gb',
  'h100-80gb': 'nvidia-h100-sxm-80gb',
  'h100-sxm5': 'nvidia-h100-sxm-80gb',
  'h100-80gb-hbm3': 'nvidia-h100-sxm-80gb',
  'h100-pcie': 'nvidia-h100-pcie-80gb',
  h100pcie: 'nvidia-h100-pcie-80gb',
  h200: 'nvidia-h200-sxm-141gb',
  'h200-141gb': 'nvidia-h200-sxm-141gb',
  a100: 'nvidia-a100-sxm-80gb',
  'a100-80gb': 'nvidia-a100-sxm-80gb',
  'a100-sxm4-80gb': 'nvidia-a100-sxm-80gb',
  l40s: 'nvidia-l40s-48gb',
  atom: 'rebellions-atom',
  'rbln-ca12': 'rebellions-atom',
  rngd: 'furiosa-rngd',
  warboy: 'furiosa-warboy',
};

const normaliseTypeName = (s: string) => s.trim().toLowerCase().replace(/[\s_]+/g, '-');

/** The names accepted for each accelerator type, for error messages: "h100 (nvidia-h100-sxm-80gb), …". */
export function knownAcceleratorNames(): string {
  return ACCELERATOR_CATALOG.map((a) => {
    const short = Object.entries(ACCELERATOR_ALIASES).find(([, id]) => id === a.id)?.[0];
    return short ? `${short} (${a.id})` : a.id;
  }).join(', ');
}

/**
 * Maps a type name to a catalog id: the id itself, a short alias ("h100", "a100", "rngd"), or the name
 * nvidia-smi / Slurm's GRES autodetection reports ("nvidia_h100_80gb_hbm3"). Case and `_` vs `-` do not matter.
 */
export function resolveAcceleratorType(name: string): string | undefined {
  const n = normaliseTypeName(name);
  for (const a of ACCELERATOR_CATALOG) {
    if (a.id === n || a.probeNames.some((p) => normaliseTypeName(p) === n)) return a.id;
  }
  return ACCELERATOR_ALIASES[n] ?? ACCELERATOR_ALIASES[n.replace(/^nvidia-/, '')];
}

/** Fills Slurm's filename patterns in an `-o`/`-e` path: %j job id, %x job name, %u user, %% a percent sign. */
export function expandLogPattern(pattern: string, job: { id: string; name: string; user: string }): string {
  return pattern.replace(/%(%|j|x|u|J)/g, (_, c: string) =>
    c === '%' ? '%' : c === 'x' ? job.name : c === 'u' ? job.user : job.id,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Splitting directive lines.

/** Splits the text after `#SBATCH` as sbatch does: quotes and backslashes group, an unquoted `#` ends it. */
export function splitDirective(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The option table. Every sbatch option, with what happens to it.

/** Raw values gathered from the directives, resolved into per-task fields at the end. */
interface Raw {
  name?: string;
  project?: string;
  partition?: string;
  time?: number;
  nodes?: number;
  tasks?: number;
  tasksPerNode?: number;
  cpusPerTask?: number;
  cpusPerGpu?: number;
  /** Each GPU option as given, with the line it came from. */
  gpus: { option: string; per: 'node' | 'task' | 'job' | 'gpu-task'; count: number; type?: string; line: number }[];
  mem: { option: '--mem' | '--mem-per-cpu' | '--mem-per-gpu'; mb: number; line: number }[];
  constraintType?: string;
  environment?: Record<string, string>;
  chdir?: string;
  nice?: number;
  stdout?: string;
  stderr?: string;
  reservation?: string;
}

type Arg = 'required' | 'optional' | 'none';

interface Ctx {
  raw: Raw;
  line: number;
  warn: (msg: string) => void;
  fail: (msg: string) => void;
}

interface OptionSpec {
  short?: string;
  arg: Arg;
  /** Honours the option, or warns / fails. `shown` is the option as written, for messages. */
  apply: (value: string | undefined, ctx: Ctx, shown: string) => void;
}

const ignored = (reason: string, arg: Arg = 'required'): Omit<OptionSpec, 'short'> => ({
    arg,
    apply: (_v, ctx, shown) => ctx.warn(`ignored: ${shown} (${reason})`),
  });

const refused = (reason: string, arg: Arg = 'required'): Omit<OptionSpec, 'short'> => ({
  arg,
  apply: (_v, ctx, shown) => ctx.fail(`${shown}: ${reason}`),
});

const count =
  (what: string, set: (raw: Raw, n: number) => void, min = 1) =>
  (v: string | undefined, ctx: Ctx, shown: string) => {
    const r = parseCount(v ?? '', what, min);
    if ('error' in r) ctx.fail(`${shown}: ${r.error}`);
    else set(ctx.raw, r.n);
  };

/** `[type:]count` as in --gpus, --gpus-per-task, --gpus-per-node. */
function gpuSpec(per: Raw['gpus'][number]['per'], option: string) {
  return (v: string | undefined, ctx: Ctx, shown: string) => {
    const parts = (v ?? '').split(':');
    const countText = parts.length === 1 ? parts[0] : parts[1];
    const type = parts.length === 2 ? parts[0] : undefined;
    if (parts.length > 2 || countText === undefined) {
      ctx.fail(`${shown}: expected [TYPE:]COUNT, e.g. ${option}=h100:2`);
      return;
    }
    const c = parseCount(countText, 'GPUs', 0);
    if ('error' in c) return ctx.fail(`${shown}: ${c.error}`);
    ctx.raw.gpus.push({ option, per, count: c.n, ...(type ? { type } : {}), line: ctx.line });
  };
}

/** --gres=gpu[:TYPE][:COUNT][,…]: per node. Only GPUs are generic resources here. */
function gres(v: string | undefined, ctx: Ctx, shown: string): void {
  if (v === undefined || v.toLowerCase() === 'none') return;
  for (const item of v.split(',')) {
    // Drop Slurm's socket-binding suffix, e.g. "gpu:2(S:0-1)".
    const parts = item.replace(/\(.*\)$/, '').split(':');
    if (parts[0] !== 'gpu') {
      ctx.fail(`${shown}: the generic resource "${parts[0]}" is not available here; only gpu (e.g. --gres=gpu:4 or --gres=gpu:h100:4)`);
      continue;
    }
    let type: string | undefined;
    let countText = '1';
    if (parts.length === 2) {
      if (/^\d+$/.test(parts[1] ?? '')) countText = parts[1] as string;
      else type = parts[1];
    } else if (parts.length === 3) {
      type = parts[1];
      countText = parts[2] as string;
    } else if (parts.length > 3) {
      ctx.fail(`${shown}: expected gpu[:TYPE][:COUNT], e.g. --gres=gpu:h100:4`);
      continue;
    }
    const c = parseCount(countText, 'GPUs per node', 0);
    if ('error' in c) {
      ctx.fail(`${shown}: ${c.error}`);
      continue;
    }
    ctx.raw.gpus.push({ option: '--gres', per: 'node', count: c.n, ...(type ? { type } : {}), line: ctx.line });
  }
}

function memory(option: Raw['mem'][number]['option']) {
  return (v: string | undefined, ctx: Ctx, shown: string) => {
    const r = parseMemoryMb(v ?? '');
    if ('error' in r) return ctx.fail(`${shown}: ${r.error}`);
    if (r.mb === 0) {
      return ctx.warn(
        `ignored: ${shown} (0 means "all of a node's memory" in Slurm, which is not supported; the default memory per task applies — give a size such as ${option}=64G)`,
      );
    }
    ctx.raw.mem = ctx.raw.mem.filter((m) => m.option !== option);
    ctx.raw.mem.push({ option, mb: r.mb, line: ctx.line });
  };
}

const PLACEMENT = 'placement hints are not supported; the scheduler chooses CPUs and devices';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  // Honoured.
  'job-name': { short: 'J', arg: 'required', apply: (v, c) => void (c.raw.name = v) },
  account: { short: 'A', arg: 'required', apply: (v, c) => void (c.raw.project = v) },
  partition: {
    short: 'p',
    arg: 'required',
    apply: (v, c, shown) => {
      const list = (v ?? '').split(',').filter(Boolean);
      if (list.length > 1) c.warn(`${shown}: a job runs in one partition here; using "${list[0]}"`);
      c.raw.partition = list[0];
    },
  },
  time: {
    short: 't',
    arg: 'required',
    apply: (v, c, shown) => {
      const r = parseSlurmTime(v ?? '');
      if ('error' in r) c.fail(`${shown}: ${r.error}`);
      else c.raw.time = r.seconds;
    },
  },
  nodes: {
    short: 'N',
    arg: 'required',
    apply: (v, c, shown) => {
      const m = /^(\d+)(?:-(\d*))?$/.exec((v ?? '').trim());
      if (!m) return c.fail(`${shown}: expected a node count or a range MIN-MAX, e.g. -N 2`);
      const min = Number(m[1]);
      if (min < 1) return c.fail(`${shown}: at least 1 node`);
      if (m[2] !== undefined) c.warn(`${shown}: node ranges are not supported; asking for exactly ${min} node(s), the minimum`);
      c.raw.nodes = min;
    },
  },
  ntasks: { short: 'n', arg: 'required', apply: count('tasks', (r, n) => void (r.tasks = n)) },
  'ntasks-per-node': { arg: 'required', apply: count('tasks per node', (r, n) => void (r.tasksPerNode = n)) },
  'cpus-per-task': { short: 'c', arg: 'required', apply: count('CPUs per task', (r, n) => void (r.cpusPerTask = n)) },
  'cpus-per-gpu': { arg: 'required', apply: count('CPUs per GPU', (r, n) => void (r.cpusPerGpu = n)) },
  gres: { arg: 'required', apply: gres },
  gpus: { short: 'G', arg: 'required', apply: gpuSpec('job', '--gpus') },
  'gpus-per-task': { arg: 'required', apply: gpuSpec('task', '--gpus-per-task') },
  'gpus-per-node': { arg: 'required', apply: gpuSpec('node', '--gpus-per-node') },
  'ntasks-per-gpu': {
    arg: 'required',
    apply: (v, c, shown) => {
      if ((v ?? '').trim() !== '1') return c.fail(`${shown}: tasks cannot share a device here; use --ntasks-per-gpu=1 or --gpus-per-task`);
      c.raw.gpus.push({ option: '--ntasks-per-gpu', per: 'gpu-task', count: 1, line: c.line });
    },
  },
  mem: { arg: 'required', apply: memory('--mem') },
  'mem-per-cpu': { arg: 'required', apply: memory('--mem-per-cpu') },
  'mem-per-gpu': { arg: 'required', apply: memory('--mem-per-gpu') },
  output: { short: 'o', arg: 'required', apply: (v, c) => void (c.raw.stdout = v) },
  error: { short: 'e', arg: 'required', apply: (v, c) => void (c.raw.stderr = v) },
  chdir: {
    short: 'D',
    arg: 'required',
    apply: (v, c, shown) => {
      if (!(v ?? '').startsWith('/')) return c.fail(`${shown}: give an absolute path (the server cannot know the directory you submit from)`);
      c.raw.chdir = v;
    },
  },
  export: {
    arg: 'required',
    apply: (v, c, shown) => {
      for (const item of (v ?? '').split(',')) {
        const eq = item.indexOf('=');
        if (item === 'ALL' || item === 'NONE' || item === '') continue;
        if (eq > 0) {
          const name = item.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            c.fail(`${shown}: "${name}" is not a variable name (letters, digits and _)`);
            continue;
          }
          c.raw.environment = { ...c.raw.environment, [name]: item.slice(eq + 1) };
        } else {
          c.warn(`ignored: ${item} in ${shown} (the submitting shell's environment is not sent; give ${item}=value, or cheomdan submit --env ${item}=value)`);
        }
      }
    },
  },
  nice: {
    arg: 'optional',
    apply: (v, c, shown) => {
      const n = v === undefined ? 100 : Number(v);
      if (!Number.isInteger(n) || Math.abs(n) > 1000) return c.fail(`${shown}: expected a whole number between -1000 and 1000`);
      c.raw.nice = n;
    },
  },
  constraint: {
    short: 'C',
    arg: 'required',
    apply: (v, c, shown) => {
      const type = resolveAcceleratorType(v ?? '');
      if (type) c.raw.constraintType = type;
      else c.warn(`ignored: ${shown} (node features are not supported; only an accelerator type name is understood, e.g. --constraint=h100)`);
    },
  },

  // Errors: ignoring these would change what the job does.
  array: { short: 'a', ...refused('job arrays are not supported yet; submit one job per element (e.g. in a shell loop setting an environment variable with --env)') },
  dependency: { short: 'd', ...refused('job dependencies are not supported yet; submit the next job after this one ends') },
  begin: { short: 'b', ...refused('deferred start is not supported yet; submit the job when it should start') },
  hold: { short: 'H', ...refused('held jobs are not supported yet; submit the job when it may run', 'none') },
  uid: refused('jobs always run as the submitting user'),
  gid: refused('jobs always run with the submitting user\'s group'),
  input: { short: 'i', ...refused('standard input from a file is not supported; read the file in the script') },
  container: refused('containers are not supported yet'),
  'container-id': refused('containers are not supported yet'),
  'test-only': refused('nothing would run under sbatch; remove it to submit the job', 'none'),
  'tres-per-task': refused('give devices with --gpus-per-task and CPUs with --cpus-per-task instead'),
  'het-job': refused('heterogeneous jobs are not supported; submit each component as its own job', 'none'),
  wrap: refused('give the command after "cheomdan submit --" instead'),

  // Ignored, with the reason.
  'mail-type': ignored('email notifications are not sent; watch the job with cheomdan logs -f or the portal'),
  'mail-user': ignored('email notifications are not sent'),
  qos: { short: 'q', ...ignored('QOS levels are not used; priority comes from fair share, --nice and the allocation') },
  exclusive: ignored('nodes are shared between jobs; ask for all of a node\'s devices to have it to yourself', 'optional'),
  oversubscribe: { short: 's', ...ignored('nodes are shared by default', 'none') },
  reservation: { arg: 'required', apply: (v, c) => void (c.raw.reservation = v) },
  nodelist: { short: 'w', ...ignored('the scheduler chooses the nodes') },
  exclude: { short: 'x', ...ignored('the scheduler chooses the nodes; ask an operator to drain a bad node') },
  nodefile: { short: 'F', ...ignored('the scheduler chooses the nodes') },
  requeue: ignored('preempted jobs are requeued automatically', 'none'),
  'no-requeue': ignored('preempted jobs are requeued automatically', 'none'),
  'open-mode': ignored('log files are always written from the start'),
  signal: ignored('no warning signal is sent before the time limit; the job gets SIGTERM, then SIGKILL'),
  'time-min': ignored('the time limit is fixed at submission'),
  deadline: ignored('deadlines are not enforced'),
  comment: ignored('comments are not stored'),
  wckey: ignored('workload keys are not used; usage is charged to the project'),
  licenses: { short: 'L', ...ignored('licenses are not tracked') },
  clusters: { short: 'M', ...ignored('one Cheomdan server schedules every cluster it manages') },
  'cluster-constraint': ignored('one Cheomdan server schedules every cluster it manages'),
  distribution: { short: 'm', ...ignored(PLACEMENT) },
  hint: ignored(PLACEMENT),
  'cpu-bind': ignored(PLACEMENT),
  'mem-bind': ignored(PLACEMENT),
  'gpu-bind': ignored(PLACEMENT),
  'gres-flags': ignored(PLACEMENT),
  'sockets-per-node': ignored(PLACEMENT),
  'cores-per-socket': ignored(PLACEMENT),
  'threads-per-core': ignored(PLACEMENT),
  'ntasks-per-core': ignored(PLACEMENT),
  'ntasks-per-socket': ignored(PLACEMENT),
  'gpus-per-socket': ignored(PLACEMENT),
  'extra-node-info': { short: 'B', ...ignored(PLACEMENT) },
  'core-spec': { short: 'S', ...ignored(PLACEMENT) },
  'thread-spec': ignored(PLACEMENT),
  contiguous: ignored(PLACEMENT, 'none'),
  switches: ignored(PLACEMENT),
  'spread-job': ignored(PLACEMENT, 'none'),
  'use-min-nodes': ignored(PLACEMENT, 'none'),
  mincpus: ignored('CPUs are requested per task with --cpus-per-task'),
  tmp: ignored('node-local scratch space is not reserved'),
  'cpu-freq': ignored('frequencies are not controlled'),
  'gpu-freq': ignored('frequencies are not controlled'),
  overcommit: { short: 'O', ...ignored('CPUs are never overcommitted', 'none') },
  'no-kill': { short: 'k', ...ignored('a job whose node fails ends as failed', 'optional') },
  'kill-on-invalid-dep': ignored('dependencies are not supported'),
  propagate: ignored('resource limits are set by the executor', 'optional'),
  'get-user-env': ignored('the submitting shell\'s environment is not sent', 'optional'),
  'export-file': ignored('the submitting machine\'s files are not read; use --export=NAME=value'),
  profile: ignored('profiling is not collected'),
  'acctg-freq': ignored('usage is metered by the controller'),
  'mcs-label': ignored('not used'),
  network: ignored('network options are not used'),
  'resv-ports': ignored('ports are not reserved', 'optional'),
  x11: ignored('X11 forwarding is not available', 'optional'),
  'delay-boot': ignored('nodes are not rebooted for jobs'),
  reboot: ignored('nodes are not rebooted for jobs', 'none'),
  power: ignored('power management flags are not used'),
  bb: ignored('burst buffers are not available'),
  bbf: ignored('burst buffers are not available'),
  prefer: ignored('soft node features are not supported'),
  priority: ignored('operators set priorities; lower your own with --nice or cheomdan submit --priority'),
  parsable: ignored('affects sbatch\'s output only', 'none'),
  wait: { short: 'W', ...ignored('affects sbatch only; use cheomdan logs -f to wait for a job', 'none') },
  'wait-all-nodes': ignored('jobs start once all their nodes are allocated'),
  immediate: { short: 'I', ...ignored('jobs wait in the queue', 'optional') },
  'ignore-pbs': ignored('#PBS lines are never read', 'none'),
  quiet: { short: 'Q', ...ignored('affects sbatch\'s output only', 'none') },
  verbose: { short: 'v', ...ignored('affects sbatch\'s output only', 'none') },
  batch: ignored('node features are not supported'),
  'kill-command': ignored('affects salloc only', 'optional'),
  help: { short: 'h', ...ignored('affects sbatch only', 'none') },
  usage: ignored('affects sbatch only', 'none'),
  version: { short: 'V', ...ignored('affects sbatch only', 'none') },
};

/** Every sbatch long option this parser knows (honoured, ignored or refused); docs/cli.md lists each. */
export const SBATCH_LONG_OPTIONS: readonly string[] = Object.keys(OPTIONS);

const BY_SHORT = new Map(
  Object.entries(OPTIONS).flatMap(([long, spec]) => (spec.short ? [[spec.short, long] as const] : [])),
);

/** Finds a long option by its name or an unambiguous prefix (getopt_long's rule). */
function findLong(name: string): { long: string } | { error: string } {
  if (OPTIONS[name]) return { long: name };
  const matches = Object.keys(OPTIONS).filter((k) => k.startsWith(name));
  if (matches.length === 1) return { long: matches[0] as string };
  if (matches.length > 1) return { error: `--${name} is ambiguous (${matches.map((m) => `--${m}`).join(', ')})` };
  return { error: `--${name} is not an sbatch option` };
}

/** Applies one directive line's words to the raw values. */
function applyWords(words: string[], ctx: Ctx): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const name = eq === -1 ? w.slice(2) : w.slice(2, eq);
      const found = findLong(name);
      if ('error' in found) {
        ctx.fail(found.error);
        continue;
      }
      const spec = OPTIONS[found.long] as OptionSpec;
      let value: string | undefined = eq === -1 ? undefined : w.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) {
        ctx.fail(`--${found.long} takes no value`);
        continue;
      }
      if (spec.arg === 'required' && value === undefined) {
        value = words[++i];
        if (value === undefined) {
          ctx.fail(`--${found.long} needs a value`);
          continue;
        }
      }
      spec.apply(value, ctx, value === undefined ? `--${found.long}` : `--${found.long}=${value}`);
    } else if (w.startsWith('-') && w.length > 1) {
      // Short options; those without a value may be bundled (-vQ), one with a value takes the rest or the next word.
      for (let j = 1; j < w.length; j++) {
        const letter = w[j] as string;
        const long = BY_SHORT.get(letter);
        if (!long) {
          ctx.fail(`-${letter} is not an sbatch option`);
          break;
        }
        const spec = OPTIONS[long] as OptionSpec;
        if (spec.arg === 'none') {
          spec.apply(undefined, ctx, `-${letter}`);
          continue;
        }
        let value: string | undefined = w.slice(j + 1) || undefined;
        if (value === undefined && spec.arg === 'required') {
          value = words[++i];
          if (value === undefined) {
            ctx.fail(`-${letter} needs a value`);
            break;
          }
        }
        spec.apply(value, ctx, value === undefined ? `-${letter}` : `-${letter} ${value}`);
        break;
      }
    } else {
      ctx.fail(`unexpected "${w}": a directive holds options only; quote values that contain spaces (--job-name="my job")`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The parser.

/** Reads the `#SBATCH` directives of a batch script. See the module header for the rules. */
export function parseSbatchScript(script: string): SbatchResult {
  const raw: Raw = { gpus: [], mem: [] };
  const warnings: string[] = [];
  const errors: FieldProblem[] = [];
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
  const submit = resolve(raw, warnings, errors);
  const logPaths: SbatchResult['logPaths'] = {};
  if (raw.stdout !== undefined) logPaths.stdout = raw.stdout;
  if (raw.stderr !== undefined) logPaths.stderr = raw.stderr;
  return { submit, logPaths, warnings, errors };
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
