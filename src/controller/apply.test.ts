/**
 * The apply step on a real store (both dialects) with a fake executor: a start persists `starting` then
 * `running` and opens one usage row per device; a failed start gives the capacity back and requeues with
 * the reason, and fails the job after maxStartAttempts; a preemption records its request and stops the run.
 */
import { expect, it } from 'vitest';
import { asJobId, asNodeName, type AcceleratorTypeId } from '../core/ids.ts';
import { aNewJob, seedTenant } from '../store/testing/builders.ts';
import { describeStore } from '../store/testing/conformance.ts';
import { preemptJob, startJob } from './apply.ts';
import { PREEMPTING } from './options.ts';
import { aNode, aStepContext } from './testing.ts';

const H100 = 'h100' as AcceleratorTypeId;
const placement = [{ node: asNodeName('n1'), devices: [0, 1], cpus: 4, memoryMb: 1024, tasks: 1 }];

describeStore('controller apply', (t) => {
  const pendingJob = async () => {
    const seed = await seedTenant(t.store);
    const job = await t.store.jobs.insert(aNewJob(seed).with({ stdoutPath: `/tmp/cheomdan-apply/${seed.tenant.id}/out`, stderrPath: `/tmp/cheomdan-apply/${seed.tenant.id}/err` }).build());
    return job;
  };

  it('starts: starting then running, usage per device, capacity taken', async () => {
    const { c, executor, changes } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 4)]);
    const job = await pendingJob();
    c.state.pending.set(job);
    expect(await startJob(c, { kind: 'start', jobId: job.id, placement, acceleratorType: H100 }, t.now)).toBe(true);
    const stored = await t.store.jobs.get(job.id);
    expect(stored).toMatchObject({ state: 'running', attempt: 1, executor: 'fake', acceleratorType: H100 });
    expect(executor.runs.size).toBe(1);
    expect((await t.store.usage.listByJob(job.id)).map((r) => r.deviceIdx)).toEqual([0, 1]);
    expect(c.state.activeJob(job.id)?.state).toBe('running');
    expect(c.state.pending.has(job.id)).toBe(false);
    expect(changes).toEqual([{ jobId: job.id, state: 'running' }]);
    expect((await t.store.events.list(job.id)).map((e) => e.message)).toEqual(expect.arrayContaining(['placed on n1[0,1]', 'started by the fake executor']));
  });

  it('rolls back a failed start: requeued with the reason, then failed after the attempt budget', async () => {
    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 4)], { maxStartAttempts: 2 });
    const job = await pendingJob();
    c.state.pending.set(job);
    executor.failStarts = 2;
    expect(await startJob(c, { kind: 'start', jobId: job.id, placement, acceleratorType: H100 }, t.now)).toBe(false);
    expect(await t.store.jobs.get(job.id)).toMatchObject({ state: 'pending', pendingReason: 'start_failed', pendingMessage: 'start failed: no such device' });
    expect(c.state.activeJob(job.id)).toBeUndefined();
    expect(c.state.pending.has(job.id)).toBe(true);
    expect(await startJob(c, { kind: 'start', jobId: job.id, placement, acceleratorType: H100 }, t.now)).toBe(false);
    expect(await t.store.jobs.get(job.id)).toMatchObject({ state: 'failed', failureReason: 'could not start: no such device' });
    expect(c.state.pending.has(job.id)).toBe(false);
  });

  it('does not start a job that left the queue', async () => {
    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 4)]);
    expect(await startJob(c, { kind: 'start', jobId: asJobId('job_gone'), placement, acceleratorType: H100 }, t.now)).toBe(false);
    expect(executor.runs.size).toBe(0);
  });

  it('preempts once: records the request and stops the run', async () => {
    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 4)]);
    const job = await pendingJob();
    c.state.pending.set(job);
    await startJob(c, { kind: 'start', jobId: job.id, placement, acceleratorType: H100 }, t.now);
    const d = { kind: 'preempt', jobId: job.id, reason: 'reclaim', forJob: asJobId('job_owner') } as const;
    await preemptJob(c, d);
    await preemptJob(c, d); // a second decision for the same job while it stops: nothing more
    expect(executor.cancelled).toHaveLength(1);
    expect(c.state.preempting.has(job.id)).toBe(true);
    expect((await t.store.events.list(job.id)).filter((e) => e.message.startsWith(PREEMPTING)).map((e) => e.message)).toEqual(['preempting (reclaim) for job job_owner']);
  });
});
