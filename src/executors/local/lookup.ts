/**
 * lookup(jobId): the runs of a job, found by their directory names (`<jobId made safe>.<time><random>`)
 * and confirmed by the job id in their launch records (two job ids can be made safe into the same prefix).
 * With `attempt`, only runs whose launch record names that attempt.
 */
import { readdir } from 'node:fs/promises';
import type { JobId } from '../../core/ids.ts';
import type { ExecutorHandle } from '../types.ts';
import { handleFor, readLaunchRecord, runDir, runIdPrefix, runsDir } from './runDir.ts';

export async function lookupRuns(stateDir: string, jobId: JobId, attempt?: number): Promise<ExecutorHandle[]> {
  const prefix = runIdPrefix(jobId);
  let names: string[];
  try {
    names = (await readdir(runsDir(stateDir))).filter((n) => n.startsWith(prefix));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const runs: { runId: string; startedAt: number }[] = [];
  for (const runId of names) {
    const record = await readLaunchRecord(runDir(stateDir, runId));
    if (record?.jobId === jobId && (attempt === undefined || record.attempt === attempt)) runs.push({ runId, startedAt: record.startedAt });
  }
  runs.sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
  return runs.map((r) => handleFor(r.runId));
}
