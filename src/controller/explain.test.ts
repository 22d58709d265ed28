/**
 * The explain step: only explanations that changed are written (an estimate only when it moved by more
 * than the slack), at most EXPLAIN_WRITES_PER_TICK a tick; a 'reason' event only when the reason changed.
 */
import { expect, it, describe } from 'vitest';
import { asJobId } from '../core/ids.ts';
import type { PendingExplanation } from '../scheduler/types.ts';
import { aNewJob, seedTenant } from '../store/testing/builders.ts';
import { describeStore } from '../store/testing/conformance.ts';
import { changedExplanations, explain, ESTIMATE_SLACK_MS } from './explain.ts';
import { aNode, aStepContext } from './testing.ts';

const ex = (id: string, over: Partial<PendingExplanation> = {}): PendingExplanation =>
  ({ jobId: asJobId(id), reason: 'resources', message: 'waiting for 1 device', estimatedStart: 100, ...over });

describe('changedExplanations', () => {
  const before = new Map([['a', ex('a')]]);
  const cases: Record<string, { now: PendingExplanation; want: boolean }> = {
    'the same': { now: ex('a'), want: false },
    'estimate within the slack': { now: ex('a', { estimatedStart: 100 + ESTIMATE_SLACK_MS / 1000 - 1 }), want: false },
    'estimate beyond the slack': { now: ex('a', { estimatedStart: 100 + ESTIMATE_SLACK_MS / 1000 + 1 }), want: true },
    'estimate gone': { now: ex('a', { estimatedStart: null }), want: true },
    'another reason': { now: ex('a', { reason: 'quota' }), want: true },
    'another message': { now: ex('a', { message: 'waiting for 2 devices' }), want: true },
    'never explained': { now: ex('b'), want: true },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(changedExplanations([c.now], before).length > 0).toBe(c.want));
  }
  it('stops at the limit', () => expect(changedExplanations([ex('x'), ex('y'), ex('z')], before, 2).map((e) => e.jobId)).toEqual(['x', 'y']));
});

describeStore('controller explain', (t) => {
  it('writes the reason and estimate, with one reason event per change of reason', async () => {
    const seed = await seedTenant(t.store);
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    const { c } = aStepContext(t.store, () => t.now, [aNode('n1', 'h100', 1)]);
    c.state.pending.set(job);
    await explain(c, [ex(job.id, { estimatedStart: 1_700_000_100 })]);
    await explain(c, [ex(job.id, { estimatedStart: 1_700_000_100, message: 'waiting for 1 device (again)' })]);
    expect(await t.store.jobs.get(job.id)).toMatchObject({ pendingReason: 'resources', pendingMessage: 'waiting for 1 device (again)', estimatedStart: 1_700_000_100_000 });
    expect((await t.store.events.list(job.id)).filter((e) => e.kind === 'reason').map((e) => e.message)).toEqual(['resources: waiting for 1 device']);
  });
});
