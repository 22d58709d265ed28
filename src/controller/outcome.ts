/**
 * What an executor's observation of an ended job means for the job: its final state and, when it did not
 * succeed, a reason a person can read. Pure.
 */
import type { JobState } from '../core/jobState.ts';
import type { Observation } from '../executors/types.ts';

export interface Outcome {
  state: Extract<JobState, 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'preempted'>;
  exitCode: number | null;
  signal: string | null;
  endedAt: number | null;
  failureReason: string | null;
}

/**
 * `startedAt`: when the attempt's usage began. A lost job ends at the executor's last evidence that it was
 * alive (`lastSeenAt`), never before `startedAt` nor after `now`; only without evidence at `now`, when it
 * was noticed (which, after a host reboot or a long outage, would charge the whole outage).
 */
export function outcomeOf(o: Exclude<Observation, { state: 'running' }>, wasPreempting: boolean, now: number, startedAt?: number | null): Outcome {
  if (o.state === 'lost') {
    const endedAt = o.lastSeenAt === undefined ? now : Math.min(now, Math.max(o.lastSeenAt, startedAt ?? -Infinity));
    return { state: 'failed', exitCode: null, signal: null, endedAt, failureReason: `lost by the executor: ${o.detail}` };
  }
  const base = { exitCode: o.exitCode, signal: o.signal, endedAt: o.endedAt };
  if (wasPreempting) return { ...base, state: 'preempted', failureReason: null };
  if (o.cancelled) return { ...base, state: 'cancelled', failureReason: null };
  if (o.timedOut) return { ...base, state: 'timed_out', failureReason: 'reached its time limit' };
  if (o.exitCode === 0) return { ...base, state: 'succeeded', failureReason: null };
  const why = o.signal ? `killed by signal ${o.signal}` : `exited with code ${o.exitCode}`;
  return { ...base, state: 'failed', failureReason: why };
}
