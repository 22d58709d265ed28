/**
 * Process tracking in a cgroup per job, as Slurm's proctrack/cgroup: every process a job starts — forked,
 * double-forked, `setsid`, `nohup`, `disown` — stays in the job's cgroup, because only a privileged writer
 * of `cgroup.procs` can move a process out. Ending a job then means ending everything in its cgroup.
 *
 *   cgroup v1 (this project's machine): one directory per hierarchy,
 *     <mount>/pids/<parent>/<runId>      tracking: `cgroup.procs` lists every process of the job
 *     <mount>/freezer/<parent>/<runId>   ending: freeze, SIGKILL all, thaw (no fork can race the kill)
 *     <mount>/memory/<parent>/<runId>    memory.limit_in_bytes = the job's memory request
 *   cgroup v2 (unified /sys/fs/cgroup): one directory, `cgroup.kill` ends it, `memory.max` its memory.
 *
 * Where neither is writable (not root, a read-only /sys/fs/cgroup) `detectCgroups()` says why and the
 * executor falls back to process-group tracking with a warning: a process that calls setsid escapes it.
 *
 * Invariants: the directories are created by the server before the supervisor is spawned and recorded in
 * the run's launch record, so any later executor instance (after a kill -9 of the server) can still end
 * the whole job; the supervisor (supervisor.ts) moves the job into them before the script runs and, when
 * the job ends, kills what is left and removes them. The kill sequence exists twice — here for cancel()
 * and lost runs, in the supervisor's shell for the job's end — because the supervisor must not depend on
 * the server being alive.
 *
 * Trade-off: cgroups are created under `<mount>/<controller>/cheomdan/` (the hierarchy's root), not under
 * the server's own cgroup, so that v2's "no processes in inner cgroups" rule never blocks enabling the
 * memory controller; a service manager that wants jobs inside its slice configures `parent`.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStat } from './proc.ts';

/** Where job cgroups can be made on this host, or why none can. */
export type CgroupSupport =
  | { version: 1; pids: string; freezer: string | null; memory: string | null }
  | { version: 2; base: string; memory: boolean }
  | { version: 0; reason: string };

/** A job's cgroup, as recorded in its launch record. */
export interface JobCgroup {
  version: 1 | 2;
  /** Every directory the job's processes are moved into (one per v1 hierarchy; one for v2). */
  dirs: string[];
  /** The directory whose cgroup.procs lists all the job's processes (pids for v1). */
  tracking: string;
  /** v1 freezer directory, used to end the job without a fork racing the kill; null without one. */
  freezer: string | null;
  /** The memory limit set, in bytes; null when none was enforced. */
  memoryLimitBytes: number | null;
}

/** The default parent directory name under each hierarchy. */
export const DEFAULT_CGROUP_PARENT = 'cheomdan';

function probe(dir: string): string | null {
  const p = join(dir, `.cheomdan-probe-${process.pid}`);
  try {
    mkdirSync(p);
    rmdirSync(p);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

/**
 * Finds writable cgroup hierarchies under `mount` (default /sys/fs/cgroup): pure v2 when `mount` itself
 * is cgroup2 (it has cgroup.controllers), else the v1 `pids` hierarchy (with `freezer` and `memory` when
 * mounted). Creates `<hierarchy>/<parent>` as needed.
 */
export function detectCgroups(mount = '/sys/fs/cgroup', parent = DEFAULT_CGROUP_PARENT): CgroupSupport {
  if (existsSync(join(mount, 'cgroup.controllers'))) {
    const base = join(mount, parent);
    try {
      mkdirSync(base, { recursive: true });
      const available = readFileSync(join(mount, 'cgroup.controllers'), 'utf8').split(/\s+/);
      let memory = false;
      if (available.includes('memory')) {
        try {
          writeFileSync(join(mount, 'cgroup.subtree_control'), '+memory');
          writeFileSync(join(base, 'cgroup.subtree_control'), '+memory');
          memory = true;
        } catch {
          memory = false; // tracking still works; the memory request is then not enforced
        }
      }
      const err = probe(base);
      return err === null ? { version: 2, base, memory } : { version: 0, reason: `cannot create cgroups under ${base} (${err})` };
    } catch (e) {
      return { version: 0, reason: `cannot create ${base} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  const dir = (controller: string): string | null => {
    const root = join(mount, controller);
    if (!existsSync(join(root, 'cgroup.procs'))) return null;
    const d = join(root, parent);
    try {
      mkdirSync(d, { recursive: true });
    } catch {
      return null;
    }
    return probe(d) === null ? d : null;
  };
  const pids = dir('pids');
  if (pids === null) {
    return { version: 0, reason: `no writable cgroup v2 at ${mount} nor v1 pids hierarchy at ${join(mount, 'pids')} (not root, or read-only)` };
  }
  return { version: 1, pids, freezer: dir('freezer'), memory: dir('memory') };
}

/** Creates the cgroup of one run and sets its memory limit (0 or less: none). Throws on failure. */
export function createJobCgroup(support: CgroupSupport, runId: string, memoryMb: number): JobCgroup | null {
  const limit = memoryMb > 0 ? Math.round(memoryMb * 1024 * 1024) : null;
  if (support.version === 0) return null;
  if (support.version === 2) {
    const d = join(support.base, runId);
    mkdirSync(d);
    if (limit !== null && support.memory) writeFileSync(join(d, 'memory.max'), String(limit));
    return { version: 2, dirs: [d], tracking: d, freezer: null, memoryLimitBytes: limit !== null && support.memory ? limit : null };
  }
  const dirs: string[] = [];
  const pids = join(support.pids, runId);
  mkdirSync(pids);
  dirs.push(pids);
  let freezer: string | null = null;
  if (support.freezer !== null) {
    freezer = join(support.freezer, runId);
    mkdirSync(freezer);
    dirs.push(freezer);
  }
  let enforced: number | null = null;
  if (support.memory !== null) {
    const m = join(support.memory, runId);
    mkdirSync(m);
    dirs.push(m);
    if (limit !== null) {
      writeFileSync(join(m, 'memory.limit_in_bytes'), String(limit));
      // With swap accounting, the same bound on memory + swap: otherwise the job would page out past it.
      if (existsSync(join(m, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(m, 'memory.memsw.limit_in_bytes'), String(limit));
      enforced = limit;
    }
  }
  return { version: 1, dirs, tracking: pids, freezer, memoryLimitBytes: enforced };
}

/** The pids in a cgroup (empty when it is gone). */
export async function cgroupPids(dir: string): Promise<number[]> {
  try {
    return (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter((l) => l !== '').map(Number);
  } catch {
    return [];
  }
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** Sends `signal` to every process of the job (SIGTERM at cancel: each gets its chance to clean up). */
export async function signalCgroup(cg: JobCgroup, signal: NodeJS.Signals, opts: { exceptGroup?: number } = {}): Promise<void> {
  let pids = await cgroupPids(cg.tracking);
  if (opts.exceptGroup !== undefined) {
    const stats = await Promise.all(pids.map((pid) => procStat(pid)));
    pids = pids.filter((_, i) => stats[i] !== null && stats[i]!.pgrp !== opts.exceptGroup);
  }
  signalAll(pids, signal);
}

/**
 * SIGKILLs every process in the job's cgroup and waits (up to `timeoutMs`) until it is empty: v2 through
 * cgroup.kill; v1 by freezing the job (so nothing forks between reading the list and the kill), killing
 * each process and thawing (frozen processes die once thawed). Returns whether the cgroup is empty.
 */
export async function killCgroup(cg: JobCgroup, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await cgroupPids(cg.tracking);
    if (pids.length === 0) return true;
    if (Date.now() > deadline) return false;
    if (cg.version === 2 && existsSync(join(cg.tracking, 'cgroup.kill'))) {
      await writeFile(join(cg.tracking, 'cgroup.kill'), '1').catch(() => undefined);
    } else if (cg.freezer !== null) {
      await writeFile(join(cg.freezer, 'freezer.state'), 'FROZEN').catch(() => undefined);
      signalAll(await cgroupPids(cg.tracking), 'SIGKILL');
      await writeFile(join(cg.freezer, 'freezer.state'), 'THAWED').catch(() => undefined);
    } else {
      signalAll(pids, 'SIGKILL');
    }
    await sleep(10);
  }
}

/** Removes the job's cgroup directories (after killCgroup); a directory already gone is fine. */
export async function removeCgroup(cg: JobCgroup): Promise<void> {
  for (const d of cg.dirs) {
    await rmdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}
