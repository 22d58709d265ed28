/**
 * Step 3 of a tick, apply the scheduler's decisions — the one place where they become effects.
 *
 * start: assume (capacity taken in memory before anything is awaited), persist `starting` with the
 * allocation hold, ask the executor, persist `running` and open one usage row per device; on failure roll
 * back — give the capacity back, stop a run that did start, requeue with the reason, or fail the job after
 * `maxStartAttempts`. A hold refused by accounting leaves the job pending with that reason.
 * preempt: record the request (an 'info' event recovery reads back) and ask the executor to stop the job;
 * its exit is recorded `preempted` by collect, and it goes back to the queue. The job the capacity is freed
 * for is not started in the same tick: its placement is on the victims' devices, which stay taken until
 * their exits are collected. It stays pending as `preempting`, and a later cycle starts it once they have
 * stopped (within the executor's grace period).
 */
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { coerceError, isCheomdanError } from '../core/errors.ts';
import * as jobState from '../core/jobState.ts';
import type { Decision } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import { PREEMPTING, type StepContext } from './options.ts';
import { leavePending, requeue } from './requeue.ts';

/** Applies one cycle's decisions in order; returns how many jobs were started. */
export async function applyDecisions(c: StepContext, decisions: readonly Decision[], now: number): Promise<number> {
  const victimsFor = new Map<string, number>();
  for (const d of decisions) if (d.kind === 'preempt') victimsFor.set(d.forJob, (victimsFor.get(d.forJob) ?? 0) + 1);
  let started = 0;
  for (const d of decisions) {
    if (d.kind === 'preempt') await preemptJob(c, d);
    else if (victimsFor.has(d.jobId)) await waitForVictims(c, d.jobId, victimsFor.get(d.jobId)!, now);
    else started += (await startJob(c, d, now)) ? 1 : 0;
  }
  return started;
}

async function waitForVictims(c: StepContext, jobId: string, victims: number, now: number): Promise<void> {
  const job = c.state.pending.get(jobId);
  if (!job) return;
  await leavePending(c, job, 'preempting', `${victims} running job(s) are being preempted to make room; it starts when they have stopped`, now);
}

export async function startJob(c: StepContext, d: Extract<Decision, { kind: 'start' }>, now: number): Promise<boolean> {
  const { o, state } = c;
  const job = state.pending.get(d.jobId);
  if (!job) return false;
  const { store, executor } = o;
  const attempt = job.attempt + 1;
  let starting: JobRecord = {
    ...job, state: jobState.start(job.state), placement: d.placement, acceleratorType: d.acceleratorType,
    attempt, executor: executor.name, executorHandle: null, pendingReason: null, pendingMessage: null,
    estimatedStart: null, updatedAt: now,
  };
  // Assume: the capacity is taken in memory before anything is awaited.
  state.dropPending(job.id);
  state.setActive(starting);
  let persisted: boolean;
  try {
    persisted = await store.transaction(async (tx) => {
      const ok = await tx.jobs.update(job.id, {
        state: 'starting', placement: d.placement, acceleratorType: d.acceleratorType, attempt,
        executor: executor.name, pendingReason: null, pendingMessage: null, estimatedStart: null,
      }, { expectState: 'pending' });
      if (ok) {
        const charged = await o.accounting?.hold(tx, starting, now);
        if (charged?.allocationId && charged.allocationId !== starting.allocationId) starting = { ...starting, allocationId: charged.allocationId };
        const where = d.placement.map((p) => `${p.node}[${p.devices.join(',')}]`).join(' ');
        await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: 'pending', toState: 'starting', message: `placed on ${where}` });
      }
      return ok;
    });
  } catch (e) {
    // Accounting refused the hold (the allocation cannot cover the job, or is inactive): the transaction
    // rolled back, so the job is still pending; it stays so with the reason, and no start attempt counts.
    state.unsetActive(job.id);
    if (!isCheomdanError(e) || e.code !== 'insufficient_balance') {
      state.pending.set(job); // nothing was persisted: still pending, tried again next tick
      throw e;
    }
    await leavePending(c, job, e.extra.reason === 'allocation_inactive' ? 'allocation_inactive' : 'allocation_exhausted', e.message, now);
    return false;
  }
  if (!persisted) {
    state.unsetActive(job.id); // cancelled meanwhile
    return false;
  }
  if (state.activeJob(job.id) !== starting) state.setActive(starting); // with the allocation hold() charged it to
  let handle: string | undefined;
  try {
    // The job's own directory (logs, and the default working directory); a working directory the user
    // named must already exist — the server does not create directories where users point it.
    await mkdir(dirname(job.stdoutPath), { recursive: true });
    await mkdir(dirname(job.stderrPath), { recursive: true });
    const owner = await o.ownerOf?.(job);
    const prepared = (await o.prepare?.(job, owner)) ?? {};
    handle = await executor.start({
      jobId: job.id as never, script: job.script, workingDirectory: job.workingDirectory,
      environment: { ...job.environment, ...prepared }, placement: d.placement, acceleratorType: d.acceleratorType,
      tasks: job.request.tasks, timeLimitSeconds: job.request.timeLimitSeconds,
      stdoutPath: job.stdoutPath, stderrPath: job.stderrPath, attempt, ...(owner ? { owner } : {}),
      // What its SLURM_* environment shows: the names Slurm always sets, then what its options said.
      slurm: { jobName: job.name, partition: job.partition, user: owner?.userName ?? serverUser(), ...job.slurmFacts },
    });
    const startedAt = o.clock();
    const running: JobRecord = { ...starting, state: jobState.run('starting'), executorHandle: handle, startedAt, updatedAt: startedAt };
    const started = handle;
    await store.transaction(async (tx) => {
      await tx.jobs.update(job.id, { state: 'running', executorHandle: started, startedAt }, { expectState: 'starting' });
      await tx.usage.open(usageRows(running, startedAt));
      await tx.events.append({ jobId: job.id, at: startedAt, kind: 'state', fromState: 'starting', toState: 'running', message: `started by the ${executor.name} executor` });
    });
    state.setActive(running);
    state.startFailures.delete(job.id);
    c.changed(job, 'running');
    // Cancelled while it was starting: stop it now; its exit is recorded as cancelled.
    if (state.cancelRequested.has(job.id)) await executor.cancel(started);
    return true;
  } catch (e) {
    await rollBack(c, starting, handle, e, now);
    return false;
  }
}

/**
 * A start failed: give the capacity back and requeue with the reason (or fail after repeated failures).
 * If the executor did start it (recording that failed), stop that run first: an untracked process would hold
 * devices the scheduler believes free, unmetered.
 */
async function rollBack(c: StepContext, starting: JobRecord, handle: string | undefined, e: unknown, now: number): Promise<void> {
  const { o, state } = c;
  if (handle) await o.executor.cancel(handle).catch((err) => o.log.error({ jobId: starting.id, err }, 'could not stop an unrecorded run'));
  state.unsetActive(starting.id);
  const err = coerceError(e);
  const failures = (state.startFailures.get(starting.id) ?? 0) + 1;
  state.startFailures.set(starting.id, failures);
  o.log.warn({ jobId: starting.id, err }, 'start failed');
  if (failures < (o.maxStartAttempts ?? 3)) {
    await requeue(c, { ...starting, pendingReason: 'start_failed' }, now, `start failed: ${err.message}`, 'start_failed');
    return;
  }
  await o.store.transaction(async (tx) => {
    await tx.jobs.update(starting.id, { state: 'failed', endedAt: now, failureReason: `could not start: ${err.message}` }, { expectState: 'starting' });
    await o.accounting?.settle(tx, starting, now); // releases the hold: nothing ran
    await tx.events.append({ jobId: starting.id, at: now, kind: 'state', fromState: 'starting', toState: 'failed', message: `could not start after ${failures} attempts: ${err.message}` });
  });
  state.startFailures.delete(starting.id);
  c.changed(starting, 'failed');
}

export async function preemptJob(c: StepContext, d: Extract<Decision, { kind: 'preempt' }>): Promise<void> {
  const { o, state } = c;
  const job = state.activeJob(d.jobId);
  if (!job?.executorHandle || state.preempting.has(job.id)) return;
  state.preempting.add(job.id);
  await o.store.events.append({
    jobId: job.id, at: o.clock(), kind: 'info', fromState: null, toState: null,
    message: `${PREEMPTING}${d.reason}) for job ${d.forJob}`,
  });
  await o.executor.cancel(job.executorHandle);
}

/** One usage row per device of the placement (device -1 for a node without devices). */
export function usageRows(job: JobRecord, startedAt: number) {
  const rows = [];
  for (const a of job.placement ?? []) {
    const devices = a.devices.length > 0 ? a.devices : [-1];
    for (const d of devices) {
      rows.push({ jobId: job.id, attempt: job.attempt, node: a.node, deviceIdx: d, acceleratorType: d >= 0 ? job.acceleratorType : null, startedAt, endedAt: null });
    }
  }
  return rows;
}

let userName: string | undefined;
/** The server's own account name (the job's user when it runs as the server). */
function serverUser(): string {
  return (userName ??= userInfo().username);
}
