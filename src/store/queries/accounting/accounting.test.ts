/** Accounting queries on both dialects: programs, applications, allocations, rates and the ledger. */
import { expect, it } from 'vitest';
import { describeStore, uid } from '../../testing/conformance.ts';
import { seedTenant } from '../../testing/builders.ts';
import type { AllocationRecord, ApplicationRecord } from './records.ts';

describeStore('accounting store', (t) => {
  const anAllocation = (tenantId: string, over: Partial<AllocationRecord> = {}): AllocationRecord => ({
    id: uid('al'), tenantId, projectId: null, programId: null, applicationId: null, name: 'grant', awardedMsu: 1_000_000,
    acceleratorTypes: ['nvidia-h100-sxm-80gb'], concurrentLimit: 8, startsAt: 0, endsAt: 10 ** 13,
    tranches: [{ amountMsu: 1_000_000, condition: 'award', releasedAt: 0 }], reportSchedule: [], discountPct: 0,
    fairShareWeight: 2, storageGb: 0, state: 'active', stateReason: null, createdBy: null, createdAt: t.now, updatedAt: t.now, ...over,
  });

  it('programs: create, get by id or slug, duplicate slug is a conflict, reviewers', async () => {
    const { user } = await seedTenant(t.store);
    const slug = uid('call').replace('_', '-');
    const p = await t.store.programs.create({
      id: uid('prg'), slug, name: 'Regional AI', description: '', opensAt: 1, closesAt: 2, budgetMsu: 5_000_000_000, tenantCapMsu: null,
      eligibility: { tenantKinds: ['startup'], sectors: [], regions: ['gwangju'] }, sectorShares: { healthcare: 30 },
      criteria: [{ key: 'impact', name: 'Impact', weight: 2 }], allocationTerms: { firstTranchePct: 50, progressReportMonths: [1, 3], discountPct: 0 },
      createdBy: null,
    });
    expect(await t.store.programs.get(slug)).toEqual(p);
    expect(await t.store.programs.get(p.id)).toEqual(p);
    await expect(t.store.programs.create({ ...p, id: uid('prg') })).rejects.toMatchObject({ code: 'conflict' });
    expect(await t.store.programs.addReviewer(p.id, user.id)).toBe(true);
    expect(await t.store.programs.addReviewer(p.id, user.id)).toBe(false);
    expect(await t.store.programs.reviewers(p.id)).toEqual([user.id]);
    expect(await t.store.programs.reviewedBy(user.id)).toEqual([p.id]);

    const a: ApplicationRecord = {
      id: uid('app'), programId: p.id, tenantId: user.tenantId!, projectId: null, title: 'x', description: 'y',
      request: { accelerators: [{ type: 'h100', count: 8 }], durationDays: 90 }, requestedMsu: 100, expectedOutputs: ['paper'],
      region: 'gwangju', state: 'draft', submittedAt: null, decidedAt: null, decidedBy: null, decisionReason: null,
      approvedMsu: null, allocationId: null, createdBy: user.id, createdAt: t.now, updatedAt: t.now,
    };
    await t.store.applications.create(a);
    expect(await t.store.applications.update({ ...a, state: 'submitted', submittedAt: 5 }, 'draft')).toBe(true);
    // A second transition from the same state loses.
    expect(await t.store.applications.update({ ...a, state: 'withdrawn' }, 'draft')).toBe(false);
    expect((await t.store.applications.get(a.id))?.state).toBe('submitted');
    await t.store.reviews.upsert({ applicationId: a.id, reviewerId: user.id, scores: { impact: 7 }, comment: '', createdAt: 1 });
    await t.store.reviews.upsert({ applicationId: a.id, reviewerId: user.id, scores: { impact: 9 }, comment: 'better', createdAt: 2 });
    expect(await t.store.reviews.list(a.id)).toEqual([{ applicationId: a.id, reviewerId: user.id, scores: { impact: 9 }, comment: 'better', createdAt: 2 }]);
  });

  it('ledger: a keyed transaction is posted once; entries must sum to zero; balances are sums', async () => {
    const { tenant } = await seedTenant(t.store);
    const al = await t.store.allocations.create(anAllocation(tenant.id));
    expect(await t.store.allocations.get(al.id)).toEqual(al);
    const entries = [{ account: `allocation:${al.id}:available`, amount: -300 }, { account: `allocation:${al.id}:held`, amount: 300 }];
    const key = `hold:${uid('job')}:1`;
    const first = await t.store.transaction(async (tx) => {
      await tx.allocations.lock(al.id);
      return tx.ledger.post({ kind: 'hold', at: t.now, allocationId: al.id, amount: 300, idemKey: key, entries });
    });
    expect(first).toBeTypeOf('number');
    expect(await t.store.ledger.post({ kind: 'hold', at: t.now, allocationId: al.id, amount: 300, idemKey: key, entries })).toBeNull();
    await expect(t.store.ledger.post({ kind: 'hold', at: t.now, amount: 1, entries: [{ account: 'x', amount: 1 }] })).rejects.toThrow(/sum/);
    expect(await t.store.ledger.balance(`allocation:${al.id}:held`)).toBe(300);
    const b = await t.store.ledger.balances(`allocation:${al.id}:`);
    expect(Object.fromEntries(b)).toEqual({ [`allocation:${al.id}:available`]: -300, [`allocation:${al.id}:held`]: 300 });
    const txns = await t.store.ledger.list({ allocationId: al.id });
    expect(txns).toHaveLength(1);
    expect(txns[0]).toMatchObject({ kind: 'hold', amount: 300, idemKey: key });
    expect(txns[0]!.entries).toHaveLength(2);
    expect((await t.store.ledger.byKey(key))?.id).toBe(first);
    // A failed transaction leaves no entries behind.
    await expect(t.store.transaction(async (tx) => {
      await tx.ledger.post({ kind: 'adjustment', at: t.now, amount: 5, entries: [{ account: `allocation:${al.id}:available`, amount: 5 }, { account: 'center:issued', amount: -5 }] });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await t.store.ledger.balance(`allocation:${al.id}:available`)).toBe(-300);
  });

  it('rates: history in effective order; allocations update', async () => {
    const r1 = await t.store.rates.create({ resource: 'device', acceleratorType: 'h100', value: 1500, effectiveFrom: 100, note: '', createdBy: null });
    const r0 = await t.store.rates.create({ resource: 'device', acceleratorType: 'h100', value: 1000, effectiveFrom: 50, note: 'older', createdBy: null });
    const all = await t.store.rates.list();
    expect(all.indexOf(all.find((r) => r.id === r0.id)!)).toBeLessThan(all.indexOf(all.find((r) => r.id === r1.id)!));
    const { tenant } = await seedTenant(t.store);
    const al = await t.store.allocations.create(anAllocation(tenant.id));
    expect(await t.store.allocations.update({ ...al, state: 'suspended', stateReason: 'off-purpose use' })).toBe(true);
    expect(await t.store.allocations.list({ tenantId: tenant.id })).toEqual([{ ...al, state: 'suspended', stateReason: 'off-purpose use' }]);
  });
});
