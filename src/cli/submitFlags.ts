/**
 * `cheomdan submit` flags → the fields of a `JobSubmit`. Pure: the current directory is passed in.
 *
 * Flags take the same value formats as the matching #SBATCH directives (time "1-12:00:00", memory "32G",
 * accelerator names "h100" or catalog ids), and every mistake is reported at once, naming the flag and what
 * is valid — so a bad command line submits nothing.
 */
import { resolve } from 'node:path';
import type { JobSubmit } from '../contract/index.ts';
import { knownAcceleratorNames, parseMemoryMb, parseSlurmTime, resolveAcceleratorType } from '../core/sbatch.ts';

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
}

export type SubmitFields = Omit<JobSubmit, 'command' | 'script'>;

/** Which flag sets which field, to turn a server-side field error back into the flag the user typed. */
export const FLAG_FOR_FIELD: Readonly<Record<string, string>> = {
  name: '--name', project: '--project', allocation: '--allocation', reservation: '--reservation', partition: '--partition', tasks: '--tasks', devicesPerTask: '--gpus-per-task',
  acceleratorTypes: '--accelerator', cpusPerTask: '--cpus-per-task', memoryMbPerTask: '--mem-per-task', nodes: '--nodes',
  tasksPerNode: '--tasks-per-node', timeLimitSeconds: '--time', priority: '--priority', environment: '--env',
  workingDirectory: '--chdir',
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
  return { submit: s, errors };
}
