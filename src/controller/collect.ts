/**
 * Step 1 of a tick, collect: observe the jobs the controller started and record each exit — the final state
 * (or `preempted`, requeued), the exit code, usage closed at the executor's end time and the allocation
 * settled, all in one transaction — so a crash neither loses nor doubles a usage second.
 */
import { coerceError } from '../core/errors.ts';
import * as jobState from '../core/jobState.ts';
import type { Observation } from '../executors/types.ts';
import type { JobPatch, JobRecord } from '../store/records.ts';
import type { StepContext } from './options.ts';
import { outcomeOf } from './outcome.ts';
import { requeue } from './requeue.ts';

export async function collect(c: StepContext, now: number): Promise<void> {
  const byHandle = new Map<string, JobRecord>();
  for (const j of c.state.activeJobs()) if (j.executorHandle) byHandle.set(j.executorHandle, j);
  if (byHandle.size === 0) return;
  const observations = await c.o.executor.observe([...byHandle.keys()]);
  for (const obs of observations) {
    const job = byHandle.get(obs.handle);
    if (!job || obs.state === 'running') continue;
    try {
      await recordExit(c, job, obs, now);
    } catch (e) {
      // One job's failure to record must not stop the others; it is retried next tick.
      c.o.log.error({ jobId: job.id, err: coerceError(e) }, 'recording a job exit failed');
    }
  }
}

export async function recordExit(c: StepContext, job: JobRecord, obs: Exclude<Observation, { state: 'running' }>, now: number): Promise<void> {
  const { o, state } = c;
  const out = outcomeOf(obs, state.preempting.has(job.id) && !state.cancelRequested.has(job.id), now, job.startedAt);
  const endedAt = out.endedAt ?? now;
  const to = out.state === 'preempted' ? jobState.preempt(job.state)
    : out.state === 'cancelled' ? jobState.cancel(job.state)
    : out.state === 'timed_out' ? jobState.timeOut(job.state)
    : out.state === 'succeeded' ? jobState.finish(job.state)
    : jobState.fail(job.state);
  const patch: JobPatch = { state: to, endedAt, exitCode: out.exitCode, signal: out.signal, failureReason: out.failureReason };
  await o.store.transaction(async (tx) => {
    await tx.jobs.update(job.id, patch, { expectState: job.state });
    await tx.usage.close(job.id, job.attempt, endedAt);
    await o.accounting?.settle(tx, { ...job, ...patch }, endedAt);
    await tx.events.append({
      jobId: job.id, at: now, kind: 'state', fromState: job.state, toState: to,
      message: out.failureReason ?? (out.exitCode !== null ? `exited with code ${out.exitCode}` : to),
    });
  });
  state.unsetActive(job.id);
  const devices = (job.placement ?? []).reduce((n, p) => n + p.devices.length, 0);
  if (job.startedAt !== null) state.recordUsage(job, devices, job.startedAt, endedAt);
  state.preempting.delete(job.id);
  state.cancelRequested.delete(job.id);
  c.changed(job, to);
  if (to === 'preempted') {
    await requeue(c, { ...job, ...patch, preemptionCount: job.preemptionCount + 1 }, now, 'requeued after preemption');
  }
}
