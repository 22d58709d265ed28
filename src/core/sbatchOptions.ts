/**
 * The `#SBATCH` option table: every sbatch option, with what happens to it here — honoured (gathered into
 * `Raw`), ignored with a warning that says why, or refused. `applyWords` applies one directive line.
 * sbatch.ts reads the script and turns `Raw` into a submission.
 */
import { FEATURE_OPTIONS } from './sbatchFeatures.ts';
import type { Arg, Ctx, OptionSpec, Raw } from './sbatchTypes.ts';
import { parseCount, parseMemoryMb, parseSlurmTime, resolveAcceleratorType } from './slurmValues.ts';

// ---------------------------------------------------------------------------------------------------------
// The option table. Every sbatch option, with what happens to it.

export type { Ctx, OptionSpec, Raw } from './sbatchTypes.ts';

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
  ...FEATURE_OPTIONS,
  chdir: {
    short: 'D',
    arg: 'required',
    apply: (v, c, shown) => {
      if ((v ?? '') === '') return c.fail(`${shown}: give a directory (absolute, or relative to where you submit from)`);
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
  hold: { short: 'H', ...refused('held jobs are not supported yet; submit the job when it may run', 'none') },
  uid: refused('jobs always run as the submitting user'),
  gid: refused('jobs always run with the submitting user\'s group'),
  input: { short: 'i', ...refused('standard input from a file is not supported; read the file in the script') },
  container: refused('containers are not supported yet'),
  'container-id': refused('containers are not supported yet'),
  'test-only': refused('nothing would run under sbatch; remove it to submit the job', 'none'),
  'tres-per-task': refused('give devices with --gpus-per-task and CPUs with --cpus-per-task instead'),
  'het-job': refused('heterogeneous jobs are not supported; submit each component as its own job', 'none'),

  // Ignored, with the reason.
  qos: { short: 'q', ...ignored('QOS levels are not used; priority comes from fair share, --nice and the allocation') },
  oversubscribe: { short: 's', ...ignored('nodes are shared by default', 'none') },
  reservation: { arg: 'required', apply: (v, c) => void (c.raw.reservation = v) },
  nodelist: { short: 'w', ...ignored('the scheduler chooses the nodes') },
  exclude: { short: 'x', ...ignored('the scheduler chooses the nodes; ask an operator to drain a bad node') },
  nodefile: { short: 'F', ...ignored('the scheduler chooses the nodes') },
  'time-min': ignored('the time limit is fixed at submission'),
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
export function applyWords(words: string[], ctx: Ctx): void {
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


/**
 * How many words the sbatch option at `words[i]` takes (1, or 2 when its value is the next word), without
 * applying it: lets a command line be split into sbatch options, the script and the script's arguments.
 */
export function sbatchOptionWidth(words: readonly string[], i: number): { width: 1 | 2 } | { error: string } {
  const w = words[i] ?? '';
  if (w.startsWith('--')) {
    const eq = w.indexOf('=');
    const found = findLong(eq === -1 ? w.slice(2) : w.slice(2, eq));
    if ('error' in found) return found;
    return { width: eq === -1 && (OPTIONS[found.long] as OptionSpec).arg === 'required' ? 2 : 1 };
  }
  for (let j = 1; j < w.length; j++) {
    const long = BY_SHORT.get(w[j] as string);
    if (!long) return { error: `-${w[j]} is not an sbatch option` };
    const spec = OPTIONS[long] as OptionSpec;
    if (spec.arg === 'none') continue;
    return { width: j === w.length - 1 && spec.arg === 'required' ? 2 : 1 };
  }
  return { width: 1 };
}
