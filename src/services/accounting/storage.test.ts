/**
 * Storage is charged per TB-month: each calendar month once it has ended, the last one when the allocation
 * ends, exactly once however often the sweep runs, at the storage rate in force — on what the organization
 * stores (the default basis: its samples, averaged over the month, split among its allocations by grant)
 * or on the grant itself ('granted').
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import { seedTenant } from '../../store/testing/builders.ts';
import { describeStore, uid } from '../../store/testing/conformance.ts';
import { actorFor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import { IdentityService } from '../identity.ts';
import { AllocationService } from './allocations.ts';
import { AccountingService } from './enforcement.ts';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

describeStore('storage charges', (t) => {
  let now = at('2026-11-10T00:00:00Z');
  const ctx = (): ServiceContext => ({
    store: t.store, clock: () => now, ids: uid, log: pino({ level: 'silent' }),
    config: { home: '/tmp', defaultPartition: 'gpu', logsDir: '/tmp', defaultTimeLimitSeconds: 3600 },
  });
  const operator = actorFor({ id: 'usr_op' as never, email: 'op@x', name: 'op', passwordHash: null, role: 'operator', tenantId: null, createdAt: 0, disabledAt: null });

  it('charges each month once it has ended, the last part at the end, once, then expires the rest', async () => {
    const c = ctx();
    const identity = new IdentityService(c);
    const allocations = new AllocationService(c, identity, new AccountingService(c, 'enforce'), 'granted');
    const { tenant } = await seedTenant(t.store);
    await t.store.rates.create({ resource: 'storage', acceleratorType: null, value: 100_000, effectiveFrom: 0, note: '100 SU per TB-month', createdBy: null });
    const { allocation: al } = await allocations.create(operator, {
      tenant: tenant.slug, name: 'with storage', serviceUnits: 10_000, acceleratorTypes: [], concurrentLimit: 8,
      startsAt: '2026-11-10T00:00:00Z', endsAt: '2027-01-20T00:00:00Z', firstTranchePct: 100, progressReportMonths: [],
      discountPct: 0, fairShareWeight: 1, storageTb: 10,
    });
    expect(al.storageGb).toBe(10_000);
    const charges = async () => (await t.store.ledger.list({ allocationId: al.id, kinds: ['settle'] })).map((x) => [x.amount, x.acceleratorType, x.memo]);

    await allocations.sweep(at('2026-11-30T23:59:59Z'));
    expect(await charges()).toEqual([]); // November is not over
    await allocations.sweep(at('2026-12-01T00:00:01Z'));
    await allocations.sweep(at('2026-12-02T00:00:00Z')); // a second sweep charges nothing twice
    expect(await charges()).toEqual([[700_000, 'storage', 'storage 10 TB, 2026-11']]); // 21 of 30 days × 1,000 SU
    // dated in the month it pays for, so a report of November counts it
    expect(new Date((await t.store.ledger.list({ allocationId: al.id, kinds: ['settle'] }))[0]!.at).toISOString()).toBe('2026-11-30T23:59:59.999Z');

    await allocations.sweep(at('2027-01-05T00:00:00Z'));
    expect((await charges()).map((x) => x[0])).toEqual([700_000, 1_000_000]);

    await allocations.sweep(at('2027-01-21T00:00:00Z')); // the end passed: January's 19 of 31 days, then expiry
    const jan = Math.round((10_000 * 100_000 * 19 * DAY) / (1000 * 31 * DAY));
    expect((await charges()).map((x) => x[0])).toEqual([700_000, 1_000_000, jan]);
    const view = await allocations.view((await t.store.allocations.get(al.id))!);
    expect(view.allocation.state).toBe('expired');
    expect(view.balance).toMatchObject({ spent: 1_700_000 + jan, expired: 10_000_000 - 1_700_000 - jan, available: 0 });
  });

  it('charges the month in progress when an operator expires the allocation early', async () => {
    now = at('2026-12-16T00:00:00Z');
    const c = ctx();
    const allocations = new AllocationService(c, new IdentityService(c), new AccountingService(c, 'enforce'), 'granted');
    const { tenant } = await seedTenant(t.store);
    const { allocation: al } = await allocations.create(operator, {
      tenant: tenant.slug, name: 'early', serviceUnits: 1000, acceleratorTypes: [], concurrentLimit: 1,
      startsAt: '2026-12-01T00:00:00Z', endsAt: '2027-06-01T00:00:00Z', firstTranchePct: 100, progressReportMonths: [],
      discountPct: 0, fairShareWeight: 1, storageTb: 0.5,
    });
    await allocations.expire(operator, al.id, 'reclaimed: unused');
    const txns = await t.store.ledger.list({ allocationId: al.id, kinds: ['settle'] });
    // 0.5 TB × 100 SU for 15 of December's 31 days
    expect(txns.map((x) => x.amount)).toEqual([Math.round((500 * 100_000 * 15) / (1000 * 31))]);
    expect(txns[0]!.memo).toBe('storage 0.5 TB, 2026-12 to 2026-12-16T00:00:00.000Z');
  });

  it('on the stored basis: the bytes stored, averaged over the month, split between two allocations by grant', async () => {
    now = at('2027-03-01T00:00:00Z');
    const c = ctx();
    const allocations = new AllocationService(c, new IdentityService(c), new AccountingService(c, 'enforce'));
    const { tenant } = await seedTenant(t.store);
    await t.store.rates.create({ resource: 'storage', acceleratorType: null, value: 100_000, effectiveFrom: 0, note: '100 SU per TB-month', createdBy: null });
    const make = async (name: string, storageTb: number) => (await allocations.create(operator, {
      tenant: tenant.slug, name, serviceUnits: 10_000, acceleratorTypes: [], concurrentLimit: 8,
      startsAt: '2027-03-01T00:00:00Z', endsAt: '2027-12-31T00:00:00Z', firstTranchePct: 100, progressReportMonths: [],
      discountPct: 0, fairShareWeight: 1, storageTb,
    })).allocation;
    const big = await make('imaging', 3);
    const small = await make('notes', 1);
    // March (31 days): nothing for 10 days, then 4 TB for 21 days: an average of 4 × 21/31 TB
    expect(await t.store.datasets.chunks.sample(tenant.id, at('2027-03-11T00:00:00Z'), 4e12)).toBe(true);
    expect(await t.store.datasets.chunks.sample(tenant.id, at('2027-03-12T00:00:00Z'), 4e12)).toBe(false); // unchanged: no sample
    await allocations.sweep(at('2027-04-01T00:00:01Z'));
    const charged = async (id: string) => (await t.store.ledger.list({ allocationId: id, kinds: ['settle'] })).map((x) => [x.amount, x.memo]);
    const total = Math.round((4 * 100_000 * 21) / 31 * 1000) / 1000;
    const [[bigAmount, bigMemo]] = (await charged(big.id)) as [[number, string]];
    const [[smallAmount]] = (await charged(small.id)) as [[number]];
    expect(bigAmount).toBe(Math.round((4e12 * 100_000 * 21 * DAY * 3) / (1e12 * 31 * DAY * 4)));
    expect(smallAmount).toBe(Math.round((4e12 * 100_000 * 21 * DAY * 1) / (1e12 * 31 * DAY * 4)));
    expect(bigAmount + smallAmount).toBeCloseTo(total, -1);
    expect(bigMemo).toBe("storage 2.710 TB stored on average (this allocation's 3000 of 4000 GB granted), of 3 TB granted, 2027-03");
  });
});

