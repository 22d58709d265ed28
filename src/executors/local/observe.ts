/**
 * observe(): what a run is doing, read from its run directory and /proc. Never throws for a handle it does
 * not know: an unknown, malformed or half-written run is `lost`, with a detail that says which.
 *
 *   status file present                         -> exited (or lost, if the script never ran)
 *   no status, supervisor alive (same start time) -> running
 *   no status, supervisor gone or pid reused      -> lost, with the last evidence of life (lastSeenAt); what is
 *                                                   left in its cgroup is killed and the cgroup removed
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorHandle, Observation } from '../types.ts';
import { killCgroup, removeCgroup } from './cgroups.ts';
import { findProcessByArguments, hasArguments, isSameProcessAlive, procStat } from './proc.ts';
import { readLaunchRecord, readOptional, runDir, runIdOf, type LaunchRecord } from './runDir.ts';
import { exitFromStatus, parseSupervisorStatus, reachedTimeLimit, SUPERVISOR_ARGV0 } from './supervisor.ts';

/** A run's directory and launch record, or the reason there is none. */
export type ResolvedRun = { dir: string; record: LaunchRecord } | { lost: string };

export async function resolveRun(stateDir: string, handle: ExecutorHandle): Promise<ResolvedRun> {
  const runId = runIdOf(handle);
  if (runId === null) return { lost: `not a local executor handle: ${JSON.stringify(handle)}` };
  const dir = runDir(stateDir, runId);
  const record = await readLaunchRecord(dir);
  if (record === null) return { lost: `no launch record in ${dir}: the run is unknown to this state directory` };
  return { dir, record };
}

/**
 * The pid of the run's supervisor if it is still alive, else null. The recorded pid counts only if the
 * process there has the recorded start time (a reused pid has another); a record without a pid (the server
 * died while starting the job) is resolved by the supervisor's command line, which names the run directory.
 */
export async function liveSupervisor(dir: string, record: LaunchRecord): Promise<number | null> {
  const pid = record.supervisorPid;
  const ticks = record.supervisorStartTicks;
  if (pid !== null && ticks !== null) return (await isSameProcessAlive(pid, ticks)) ? pid : null;
  const args = [SUPERVISOR_ARGV0, dir];
  if (pid !== null) return (await procStat(pid)) !== null && (await hasArguments(pid, args)) ? pid : null;
  return (await findProcessByArguments(args))?.pid ?? null;
}

function fromStatus(handle: ExecutorHandle, record: LaunchRecord, text: string): Observation {
  const status = parseSupervisorStatus(text);
  if (status === null) return { handle, state: 'lost', detail: 'the exit status file is unreadable' };
  const base = { handle, state: 'exited' as const, startedAt: record.startedAt, endedAt: status.endedAt };
  switch (status.kind) {
    case 'exited':
      return {
        ...base,
        ...exitFromStatus(status.rc),
        timedOut: reachedTimeLimit(status, record.timeLimitSeconds),
        cancelled: status.cancelled,
      };
    case 'not_started':
      // Cancelled before the supervisor launched the script.
      return { ...base, exitCode: null, signal: null, timedOut: false, cancelled: true };
    case 'no_working_directory':
      return { handle, state: 'lost', lastSeenAt: status.endedAt, detail: 'the job never started: its working directory vanished before the script could run' };
  }
}

/**
 * While a run is seen running, observe() leaves a mark (the mtime of `<run dir>/seen`) at most this often,
 * so that a run whose supervisor vanishes (a host reboot, a kill -9) has evidence of when it was last
 * alive even if it writes no output.
 */
const SEEN_MARK_EVERY_MS = 30_000;
/** Run directory -> when this process last marked it seen (Date.now()). Entries go when the run ends. */
const lastMarked = new Map<string, number>();

async function markSeen(dir: string): Promise<void> {
  const now = Date.now();
  if (now - (lastMarked.get(dir) ?? -Infinity) < SEEN_MARK_EVERY_MS) return;
  lastMarked.set(dir, now);
  await writeFile(join(dir, 'seen'), '').catch(() => lastMarked.delete(dir));
}

/** This host's boot time, ms since the epoch (/proc/stat btime), or null when unknown. */
async function bootTime(): Promise<number | null> {
  try {
    const m = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'));
    return m ? Number(m[1]) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * The latest evidence that a run whose supervisor is gone was alive: the newest mtime among its logs, the
 * `seen` mark, `pgid` and `launch.json`, at least its start. No process
 * survives a reboot, so when the host booted after the run started, the evidence is capped at the boot.
 */
export async function lastSeenAt(dir: string, record: LaunchRecord): Promise<number> {
  let latest = record.startedAt;
  // Files the run itself or an observer of its life wrote (not `cancel`: the server writes it, alive or not).
  const paths = [record.stdoutPath, record.stderrPath, ...['seen', 'pgid', 'launch.json'].map((f) => join(dir, f))];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isFile()) latest = Math.max(latest, st.mtimeMs);
  }
  const boot = await bootTime();
  if (boot !== null && boot > record.startedAt) latest = Math.min(latest, boot);
  return Math.round(latest);
}

export async function observeOne(stateDir: string, handle: ExecutorHandle): Promise<Observation> {
  const o = await observeRun(stateDir, handle);
  const runId = runIdOf(handle);
  if (runId !== null) {
    const dir = runDir(stateDir, runId);
    if (o.state === 'running') await markSeen(dir);
    else lastMarked.delete(dir);
  }
  return o;
}

async function observeRun(stateDir: string, handle: ExecutorHandle): Promise<Observation> {
  const run = await resolveRun(stateDir, handle);
  if ('lost' in run) return { handle, state: 'lost', detail: run.lost };
  const { dir, record } = run;
  const statusPath = join(dir, 'status');
  const first = await readOptional(statusPath);
  if (first !== null) return fromStatus(handle, record, first);
  const supervisor = await liveSupervisor(dir, record);
  if (supervisor !== null) {
    return { handle, state: 'running', startedAt: record.startedAt };
  }
  // The supervisor may have written its status and exited between the two reads above.
  const second = await readOptional(statusPath);
  if (second !== null) return fromStatus(handle, record, second);
  // Lost: nothing will end what is left of the job (its supervisor did that), so its cgroup is ended and
  // removed here — a lost job must not keep running on devices the controller gives to others.
  if (record.cgroup) {
    await killCgroup(record.cgroup).catch(() => undefined);
    await removeCgroup(record.cgroup).catch(() => undefined);
  }
  return {
    handle,
    state: 'lost',
    lastSeenAt: await lastSeenAt(dir, record),
    detail: record.supervisorPid === null
      ? 'the server stopped while starting the job and its supervisor is gone: the job may never have run'
      : `the supervisor (pid ${record.supervisorPid}) is gone and recorded no exit status; the job's end is unknown`,
  };
}

/** True once the run has ended for good: exited, or lost. */
export async function hasEnded(stateDir: string, handle: ExecutorHandle): Promise<boolean> {
  return (await observeOne(stateDir, handle)).state !== 'running';
}
