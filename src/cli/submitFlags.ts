/**
 * `cheomdan submit` / `cheomdan sbatch` command lines → the fields of a `JobSubmit`. Pure: the current
 * directory is passed in. `splitSubmitArgs` separates cheomdan's own flags from sbatch options (which the
 * server reads together with the script's #SBATCH lines, the command line winning) and the script.
 *
 * Flags take the same value formats as the matching #SBATCH directives (time "1-12:00:00", memory "32G",
 * accelerator names "h100" or catalog ids), and every mistake is reported at once, naming the flag and what
 * is valid — so a bad command line submits nothing.
 */
import { resolve } from 'node:path';
import type { JobSubmit } from '../contract/index.ts';
import { parseDatasetRef, parseOutputRef } from '../core/datasets.ts';
import { knownAcceleratorNames, parseMemoryMb, parseSlurmTime, resolveAcceleratorType } from '../core/sbatch.ts';
import { sbatchOptionWidth } from '../core/sbatchOptions.ts';

/** The raw flag values, as commander collects them (strings; repeatable flags as arrays). */
export interface SubmitFlags {
  name?: string | undefined;
  project?: string | undefined;
  allocation?: string | undefined;
  reservation?: string | undefined;
  partition?: string | undefined;
  tasks?: string | undefined;
  gpusPerTask?: string | undefined;
  accelerator?: string[] | undefined;
  cpusPerTask?: string | undefined;
  memPerTask?: string | undefined;
  nodes?: string | undefined;
  tasksPerNode?: string | undefined;
  time?: string | undefined;
  priority?: string | undefined;
  env?: string[] | undefined;
  chdir?: string | undefined;
  dataset?: string[] | undefined;
  saveOutput?: string | undefined;
}

export type SubmitFields = Omit<JobSubmit, 'command' | 'script' | 'sbatchOptions' | 'submitDirectory'>;

/** Which flag sets which field, to turn a server-side field error back into the flag the user typed. */
export const FLAG_FOR_FIELD: Readonly<Record<string, string>> = {
  name: '--name', project: '--project', allocation: '--allocation', reservation: '--reservation', partition: '--partition', tasks: '--tasks', devicesPerTask: '--gpus-per-task',
  acceleratorTypes: '--accelerator', cpusPerTask: '--cpus-per-task', memoryMbPerTask: '--mem-per-task', nodes: '--nodes',
  tasksPerNode: '--tasks-per-node', timeLimitSeconds: '--time', priority: '--priority', environment: '--env',
  workingDirectory: '--chdir', datasets: '--dataset', saveOutput: '--save-output',
};

function integer(flag: string, text: string, min: number, max: number, errors: string[]): number | undefined {
  const t = text.trim();
  const n = Number(t);
  if (!/^-?\d+$/.test(t) || n < min || n > max) {
    errors.push(`${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
    return undefined;
  }
  return n;
}

/** Maps the flags; `errors` lists every bad flag (empty when all are good). */
export function flagsToSubmit(f: SubmitFlags, cwd: string): { submit: SubmitFields; errors: string[] } {
  const errors: string[] = [];
  const s: SubmitFields = {};
  if (f.name !== undefined) {
    if (f.name.length < 1 || f.name.length > 128) errors.push(`--name: give 1 to 128 characters`);
    else s.name = f.name;
  }
  if (f.project !== undefined) s.project = f.project;
  if (f.allocation !== undefined) s.allocation = f.allocation;
  if (f.reservation !== undefined) s.reservation = f.reservation;
  if (f.partition !== undefined) s.partition = f.partition;
  const int = (flag: string, v: string | undefined, min: number, max: number) =>
    v === undefined ? undefined : integer(flag, v, min, max, errors);
  const tasks = int('--tasks', f.tasks, 1, 100_000);
  if (tasks !== undefined) s.tasks = tasks;
  const gpus = int('--gpus-per-task', f.gpusPerTask, 0, 64);
  if (gpus !== undefined) s.devicesPerTask = gpus;
  const cpus = int('--cpus-per-task', f.cpusPerTask, 1, 1024);
  if (cpus !== undefined) s.cpusPerTask = cpus;
  const nodes = int('--nodes', f.nodes, 1, 100_000);
  if (nodes !== undefined) s.nodes = nodes;
  const tpn = int('--tasks-per-node', f.tasksPerNode, 1, 1024);
  if (tpn !== undefined) s.tasksPerNode = tpn;
  const priority = int('--priority', f.priority, -1000, 1000);
  if (priority !== undefined) s.priority = priority;

  if (f.accelerator !== undefined) {
    const ids: string[] = [];
    for (const name of f.accelerator.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean)) {
      const id = resolveAcceleratorType(name);
      if (id) {
        if (!ids.includes(id)) ids.push(id);
      } else errors.push(`--accelerator: unknown accelerator type "${name}"; known: ${knownAcceleratorNames()}`);
    }
    s.acceleratorTypes = ids;
  }
  if (f.memPerTask !== undefined) {
    const m = parseMemoryMb(f.memPerTask);
    if ('error' in m) errors.push(`--mem-per-task: ${m.error}`);
    else if (m.mb < 1) errors.push('--mem-per-task: give at least 1M');
    else s.memoryMbPerTask = m.mb;
  }
  if (f.time !== undefined) {
    const t = parseSlurmTime(f.time);
    if ('error' in t) errors.push(`--time: ${t.error}`);
    else s.timeLimitSeconds = t.seconds;
  }
  if (f.env !== undefined) {
    const env: Record<string, string> = {};
    for (const kv of f.env) {
      const eq = kv.indexOf('=');
      const name = eq === -1 ? kv : kv.slice(0, eq);
      if (eq === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        errors.push(`--env: expected NAME=value with NAME made of letters, digits and _ (e.g. --env OMP_NUM_THREADS=8), got "${kv}"`);
      } else env[name] = kv.slice(eq + 1);
    }
    s.environment = env;
  }
  if (f.chdir !== undefined) s.workingDirectory = resolve(cwd, f.chdir);
  if (f.dataset !== undefined) {
    for (const ref of f.dataset) {
      const r = parseDatasetRef(ref);
      if ('error' in r) errors.push(`--dataset: ${r.error}`);
    }
    s.datasets = f.dataset;
  }
  if (f.saveOutput !== undefined) {
    const r = parseOutputRef(f.saveOutput);
    if ('error' in r) errors.push(`--save-output: ${r.error}`);
    else s.saveOutput = f.saveOutput;
  }
  return { submit: s, errors };
}

// ---------------------------------------------------------------------------------------------------------
// Splitting a command line: cheomdan's own flags, sbatch options, the script and its arguments.

/** Cheomdan's own submit flags (the rest of the options are sbatch's); each takes a value. */
const OWN_FLAGS: Readonly<Record<string, { key: keyof SubmitFlags; numeric?: boolean }>> = {
  '--name': { key: 'name' }, '--project': { key: 'project' }, '--allocation': { key: 'allocation' },
  '--reservation': { key: 'reservation' }, '--partition': { key: 'partition' }, '-n': { key: 'tasks' }, '--tasks': { key: 'tasks' },
  // sbatch's --gpus-per-task also takes TYPE:COUNT; such a value goes to the sbatch parser instead.
  '--gpus-per-task': { key: 'gpusPerTask', numeric: true },
  '--accelerator': { key: 'accelerator' }, '--cpus-per-task': { key: 'cpusPerTask' }, '--mem-per-task': { key: 'memPerTask' },
  '-N': { key: 'nodes' }, '--nodes': { key: 'nodes' }, '--tasks-per-node': { key: 'tasksPerNode' }, '--time': { key: 'time' },
  '--priority': { key: 'priority' }, '--env': { key: 'env' }, '--chdir': { key: 'chdir' },
  '--dataset': { key: 'dataset' }, '--save-output': { key: 'saveOutput' },
};

export interface SplitSubmitArgs {
  own: SubmitFlags;
  /** sbatch options, as written (sent to the server, which reads them with the script's directives). */
  sbatch: string[];
  script?: string;
  /** Words after the script: sbatch passes them to the script as $1, $2, ... */
  scriptArgs: string[];
  errors: string[];
}

/**
 * Splits the words after `cheomdan submit` / `cheomdan sbatch` as sbatch does: options up to the first word
 * that is not one (the script), the rest are the script's arguments. An option is cheomdan's own
 * (`OWN_FLAGS`) or any sbatch option (`-J x`, `-t 10`, `--mem 4G`, `--gres=gpu:1`, long-option prefixes).
 */
export function splitSubmitArgs(words: readonly string[]): SplitSubmitArgs {
  const out: SplitSubmitArgs = { own: {}, sbatch: [], scriptArgs: [], errors: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (!w.startsWith('-') || w === '-') {
      out.script = w;
      out.scriptArgs = words.slice(i + 1);
      break;
    }
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq === -1 ? (/^-[nN]\d/.test(w) ? w.slice(0, 2) : w) : w.slice(0, eq);
    const own = OWN_FLAGS[flag];
    if (own) {
      const glued = eq !== -1 ? w.slice(eq + 1) : flag !== w ? w.slice(2) : undefined;
      const value = glued ?? words[i + 1];
      if (!own.numeric || value === undefined || /^\d+$/.test(value)) {
        if (value === undefined) {
          out.errors.push(`${flag} needs a value`);
          break;
        }
        if (glued === undefined) i++;
        if (own.key === 'accelerator' || own.key === 'env' || own.key === 'dataset') out.own[own.key] = [...(out.own[own.key] ?? []), value];
        else out.own[own.key] = value;
        continue;
      }
    }
    const width = sbatchOptionWidth(words, i);
    if ('error' in width) {
      // Its value, if it takes one, cannot be told from the script: stop here, as sbatch does.
      out.errors.push(`unknown option '${w}': not a cheomdan submit flag, and ${width.error}`);
      break;
    }
    if (width.width === 2 && words[i + 1] === undefined) {
      out.errors.push(`${w} needs a value`);
      break;
    }
    out.sbatch.push(...words.slice(i, i + width.width));
    i += width.width - 1;
  }
  return out;
}
