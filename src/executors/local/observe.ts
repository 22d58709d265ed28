/**
 * observe(): what a run is doing, read from its run directory and /proc. Never throws for a handle it does
 * not know: an unknown, malformed or half-written run is `lost`, with a detail that says which.
 *
 *   status file present                         -> exited (or lost, if the script never ran)
 *   no status, supervisor alive (same start time) -> running
 *   no status, supervisor gone or pid reused      -> lost
 */
import { join } from 'node:path';
import type { ExecutorHandle, Observation } from '../types.ts';
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
      return { handle, state: 'lost', detail: 'the job never started: its working directory vanished before the script could run' };
  }
}

export async function observeOne(stateDir: string, handle: ExecutorHandle): Promise<Observation> {
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
  return {
    handle,
    state: 'lost',
    detail: record.supervisorPid === null
      ? 'the server stopped while starting the job and its supervisor is gone: the job may never have run'
      : `the supervisor (pid ${record.supervisorPid}) is gone and recorded no exit status; the job's end is unknown`,
  };
}

/** True once the run has ended for good: exited, or lost. */
export async function hasEnded(stateDir: string, handle: ExecutorHandle): Promise<boolean> {
  return (await observeOne(stateDir, handle)).state !== 'running';
}
