/**
 * Recovery: pending jobs queue again; a running one is re-adopted (and a stop requested before the restart
 * is sent again); one caught in `starting` adopts the executor's run of its attempt, or is requeued.
 */
import { expect, it } from 'vitest';
import { asNodeName } from '../core/ids.ts';
import { aNewJob, seedTenant } from '../store/testing/builders.ts';
import { describeStore } from '../store/testing/conformance.ts';
import { CANCEL_REQUESTED } from './options.ts';
import { recover } from './recovery.ts';
import { aNode, aStepContext } from './testing.ts';

describeStore('controller recovery', (t) => {
  it('queues pending jobs, adopts running ones, adopts or requeues starting ones, resends stops', async () => {
    const seed = await seedTenant(t.store);
    const placement = [{ node: asNodeName('n1'), devices: [0], cpus: 1, memoryMb: 1, tasks: 1 }];
    const pending = await t.store.jobs.insert(aNewJob(seed).build());
    const running = await t.store.jobs.insert(aNewJob(seed).state('running').with({ placement, attempt: 1, executorHandle: 'fake-run' }).build());
    await t.store.events.append({ jobId: running.id, at: t.now, kind: 'info', fromState: null, toState: null, message: `${CANCEL_REQUESTED}a@b` });
    const orphan = await t.store.jobs.insert(aNewJob(seed).state('starting').with({ placement, attempt: 1 }).build());
    const interrupted = await t.store.jobs.insert(aNewJob(seed).state('starting').with({ placement, attempt: 2 }).build());

    const { c, executor } = aStepContext(t.store, () => t.now, [aNode('n1', 'h100', 4)]);
    executor.runs.set('fake-started', { jobId: interrupted.id, attempt: 2, startedAt: t.now });
    // The stores of other tests in this file hold more jobs; count only ours.
    await recover(c);

    expect(c.state.pending.has(pending.id)).toBe(true);
    expect(c.state.activeJob(running.id)?.executorHandle).toBe('fake-run');
    expect(c.state.cancelRequested.has(running.id)).toBe(true);
    expect(executor.cancelled).toContain('fake-run');
    expect(await t.store.jobs.get(orphan.id)).toMatchObject({ state: 'pending', pendingReason: 'not_yet_scheduled', pendingMessage: 'the server restarted before the job started' });
    expect(c.state.pending.has(orphan.id)).toBe(true);
    expect(await t.store.jobs.get(interrupted.id)).toMatchObject({ state: 'running', executorHandle: 'fake-started' });
    expect(c.state.activeJob(interrupted.id)?.state).toBe('running');
    expect((await t.store.usage.listByJob(interrupted.id))).toHaveLength(1);
  });
});
