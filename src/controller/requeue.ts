/**
 * Putting a job back in the queue, shared by the steps: after a preemption, a failed or interrupted start,
 * or a restart (recovery). A user's cancel that arrived meanwhile wins: the job ends `cancelled` instead.
 * Also: leaving a job pending with a reason of the controller's (its start refused, or waiting for its victims).
 */
import * as jobState from '../core/jobState.ts';
import type { JobPatch, JobRecord } from '../store/records.ts';
import type { StepContext } from './options.ts';

export async function requeue(
  c: StepContext, job: JobRecord, now: number, message: string, reason: 'start_failed' | 'not_yet_scheduled' = 'not_yet_scheduled',
): Promise<void> {
  const { o, state } = c;
  // A user cancelled it meanwhile (while it started, or was being preempted): it ends here instead.
  const cancelled = state.cancelRequested.delete(job.id);
  const to = cancelled ? jobState.cancel(job.state) : jobState.requeue(job.state);
  if (cancelled) message = 'cancelled by its user before it could run again';
  const patch: JobPatch = cancelled ? { state: to, endedAt: now, pendingReason: null, pendingMessage: null } : {
    state: to, placement: null, acceleratorType: null, executorHandle: null, startedAt: null, endedAt: null,
    exitCode: null, signal: null, pendingReason: reason, pendingMessage: message, preemptionCount: job.preemptionCount,
  };
  const requeued = await o.store.transaction(async (tx) => {
    // The guard fails when the job changed meanwhile (a user cancelled the preempted job): leave it be.
    if (!(await tx.jobs.update(job.id, patch, { expectState: job.state }))) return false;
    // Releases the hold of an attempt that never ran (a failed or interrupted start); a no-op when the
    // attempt's exit was settled already (settle is idempotent per attempt).
    await o.accounting?.settle(tx, job, now);
    await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: job.state, toState: to, message });
    return true;
  });
  if (!requeued) return;
  if (!cancelled) state.pending.set({ ...job, ...patch, updatedAt: now });
  c.changed(job, to);
}

/**
 * Leaves a job pending with a reason the scheduler did not give it: accounting refused its start
 * (allocation_exhausted / allocation_inactive), or it waits for the jobs preempted for it (preempting).
 */
export async function leavePending(
  c: StepContext, job: JobRecord, reason: 'allocation_exhausted' | 'allocation_inactive' | 'preempting', message: string, now: number,
): Promise<void> {
  const { o, state } = c;
  const ok = await o.store.jobs.update(job.id, { pendingReason: reason, pendingMessage: message, estimatedStart: null }, { expectState: 'pending' });
  if (!ok) return; // cancelled meanwhile
  if (job.pendingReason !== reason) {
    await o.store.events.append({ jobId: job.id, at: now, kind: 'reason', fromState: null, toState: null, message: `${reason}: ${message}` });
  }
  state.pending.set({ ...job, pendingReason: reason, pendingMessage: message, estimatedStart: null });
  state.explained.set(job.id, { jobId: job.id, reason, message, estimatedStart: null });
}
