/**
 * The collect step: an exit is recorded with its state, exit code and usage closed at the executor's end
 * time; a preempted job goes back to the queue; a user's cancel wins over a preemption in flight.
 */
import { expect, it } from 'vitest';
import { asNodeName, type AcceleratorTypeId } from '../core/ids.ts';
import { aNewJob, seedTenant } from '../store/testing/builders.ts';
import { describeStore } from '../store/testing/conformance.ts';
import { startJob } from './apply.ts';
import { collect } from './collect.ts';
import { aNode, aStepContext } from './testing.ts';

const H100 = 'h100' as AcceleratorTypeId;
const placement = [{ node: asNodeName('n1'), devices: [0], cpus: 4, memoryMb: 1024, tasks: 1 }];

describeStore('controller collect', (t) => {
  const running = async (c: ReturnType<typeof aStepContext>['c']) => {
    const seed = await seedTenant(t.store);
    const job = await t.store.jobs.insert(aNewJob(seed).with({ stdoutPath: '/tmp/cheomdan-collect/out', stderrPath: '/tmp/cheomdan-collect/err' }).build());
    c.state.pending.set(job);
    await startJob(c, { kind: 'start', jobId: job.id, placement, acceleratorType: H100 }, t.now);
    return job;
  };

  it('records an exit at the executor\'s end time and frees the capacity', async () => {
    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 1)]);
    const job = await running(c);
    executor.finish(job.id, t.now + 5000, 3);
    await collect(c, t.now + 9000);
    expect(await t.store.jobs.get(job.id)).toMatchObject({ state: 'failed', exitCode: 3, endedAt: t.now + 5000 });
    expect((await t.store.usage.listByJob(job.id))[0]?.endedAt).toBe(t.now + 5000);
    expect(c.state.activeCount).toBe(0);
  });

  it('requeues a preempted job; a cancel during the preemption wins', async () => {
    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', H100, 2)]);
    const a = await running(c);
    const b = await running(c);
    c.state.preempting.add(a.id);
    c.state.preempting.add(b.id);
    c.state.cancelRequested.add(b.id);
    for (const [h, r] of executor.runs) if (r.jobId === a.id || r.jobId === b.id) await executor.cancel(h);
    await collect(c, t.now + 2000);
    expect(await t.store.jobs.get(a.id)).toMatchObject({ state: 'pending', preemptionCount: 1, placement: null });
    expect(c.state.pending.has(a.id)).toBe(true);
    expect((await t.store.jobs.get(b.id))?.state).toBe('cancelled');
    expect(c.state.pending.has(b.id)).toBe(false);
  });
});
