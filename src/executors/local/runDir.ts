/**
 * Run directories: everything the local executor knows about a started job lives in one directory,
 * `<stateDir>/runs/<runId>/`, so that any executor instance with the same stateDir (a new server process
 * after a kill -9) can observe, cancel and read the logs of a job another instance started.
 *
 *   script.sh    the job's script (run by /bin/bash)
 *   launch.json  written by the server at start, before the supervisor is spawned (limits, log paths, the
 *                attempt of LaunchSpec.attempt, which lookup(jobId, attempt) matches) and
 *                again right after (adding the supervisor's pid and start time); a crash in between leaves
 *                a record without a pid, and the supervisor is then found by its command line (proc.ts)
 *   supervisor.log  the supervisor's own messages (a failed switch to the owner, a cgroup it could not join)
 *   pgid         written by the supervisor: the job's process group (the `timeout` process's pid)
 *   cancel       written by the server before it signals the job (so the status can say "cancelled")
 *   status       written by the supervisor, atomically, when the job has ended (supervisor.ts)
 *   seen         touched by observe() while the run is running (at most every 30 s): evidence of when it was
 *                last alive, should its supervisor vanish without a status (observe.ts, lastSeenAt)
 *
 * The handle is `local:<runId>`: relative to stateDir, so moving the state directory keeps handles valid,
 * and validated against a strict pattern, so a handle can never name a path outside `runs/`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobId } from '../../core/ids.ts';
import type { ExecutorHandle } from '../types.ts';
import type { JobCgroup } from './cgroups.ts';

const HANDLE_PREFIX = 'local:';
const RUN_ID = /^[A-Za-z0-9_.-]{1,200}$/;

export interface LaunchRecord {
  version: 1;
  jobId: string;
  /** LaunchSpec.attempt; absent when the spec had none (and in records written before it existed). */
  attempt?: number;
  /**
   * The supervisor's pid and its start time (ticks since boot, /proc/<pid>/stat field 22); null in the
   * record written before the spawn, and still null if the server died before it could rewrite it.
   */
  supervisorPid: number | null;
  supervisorStartTicks: string | null;
  /** ms since the epoch, from the executor's clock. */
  startedAt: number;
  timeLimitSeconds: number;
  gracePeriodSeconds: number;
  stdoutPath: string;
  stderrPath: string;
  /** The job's cgroup (cgroups.ts); null or absent when it is tracked by process group only. */
  cgroup?: JobCgroup | null;
  /** The account the job runs as; absent in records written before jobs ran as their owners. */
  owner?: { userName: string; uid: number; gid: number };
}

/** A fresh run id: the job id (made safe for a file name), the start time and a few random characters. */
export function newRunId(jobId: JobId, now: number): string {
  return `${runIdPrefix(jobId)}${now.toString(36)}${randomBytes(3).toString('hex')}`;
}

export const handleFor = (runId: string): ExecutorHandle => `${HANDLE_PREFIX}${runId}`;

/** The run id a handle names, or null when the handle is not a local executor handle. */
export function runIdOf(handle: ExecutorHandle): string | null {
  if (typeof handle !== 'string' || !handle.startsWith(HANDLE_PREFIX)) return null;
  const runId = handle.slice(HANDLE_PREFIX.length);
  return RUN_ID.test(runId) && runId !== '.' && runId !== '..' ? runId : null;
}

export const runsDir = (stateDir: string): string => join(stateDir, 'runs');
export const runDir = (stateDir: string, runId: string): string => join(runsDir(stateDir), runId);

/** Run ids of a job start with this prefix (the job id made safe for a file name, then a dot). */
export const runIdPrefix = (jobId: string): string => `${jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120)}.`;

/** Writes a file so that readers see the old content or the new one, never a part (write, then rename). */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The launch record of a run, or null when there is none (unknown run, or a start that never finished). */
export async function readLaunchRecord(dir: string): Promise<LaunchRecord | null> {
  let text: string;
  try {
    text = await readFile(join(dir, 'launch.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const r = JSON.parse(text) as Partial<LaunchRecord>;
    if (r.version !== 1 || typeof r.jobId !== 'string' || typeof r.startedAt !== 'number') return null;
    if (typeof r.timeLimitSeconds !== 'number' || typeof r.stdoutPath !== 'string') return null;
    if (r.supervisorPid !== null && typeof r.supervisorPid !== 'number') return null;
    if (r.attempt !== undefined && typeof r.attempt !== 'number') return null;
    return r as LaunchRecord;
  } catch {
    return null;
  }
}

/** Reads a small file, or null when it does not exist. */
export async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
