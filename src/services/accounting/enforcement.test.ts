/**
 * The accounting hooks against a real store (both dialects), as property tests: random rate histories and
 * random jobs (devices, time limits, run times) are held, metered and settled through AccountingService.
 *   - every job's charge equals its device-milliseconds × the rate in force while it ran (split at rate
 *     changes), rounded once — computed here independently;
 *   - settling twice changes nothing (idempotent per attempt);
 *   - the ledger always sums to zero, nothing stays held once every job is settled, and after expiry
 *     awarded = spent + expired (no SU created or lost across holds, settlements and expiry);
 *   - a hold the balance cannot cover is refused with insufficient_balance and writes nothing;
 *   - an attempt with nothing held (a rate of 0 at its start) is still settled: recorded, and charged if the
 *     rate rose while it ran.
 */
import fc from 'fast-check';
import pino from 'pino';
import { expect, it } from 'vitest';
import { allocationAccount } from '../../core/accounting/ledger.ts';
import { isCheomdanError } from '../../core/errors.ts';
import { asAcceleratorType, asAllocationId, asNodeName } from '../../core/ids.ts';
import { aNewJob, seedTenant } from '../../store/testing/builders.ts';
import { describeStore, uid } from '../../store/testing/conformance.ts';
import type { JobRecord } from '../../store/index.ts';
import type { ServiceContext } from '../context.ts';
import { AllocationService } from './allocations.ts';
import { AccountingService } from './enforcement.ts';
import { IdentityService } from '../identity.ts';
import { actorFor } from '../actor.ts';

const H = 3_600_000;
const TYPE = 'nvidia-h100-sxm-80gb';

describeStore('accounting hooks', (t) => {
  const setup = () => {
    const ctx: ServiceContext = {
      store: t.store, clock: () => t.now, ids: uid, log: pino({ level: 'silent' }),
      config: { home: '/tmp', defaultPartition: 'gpu', logsDir: '/tmp', defaultTimeLimitSeconds: 3600 },
    };
    const acc = new AccountingService(ctx, 'enforce');
    const allocations = new AllocationService(ctx, new IdentityService(ctx), acc);
    return { ctx, acc, allocations };
  };
  const operator = () => actorFor({ id: 'usr_op' as never, email: 'op@x', name: 'op', passwordHash: null, role: 'operator', tenantId: null, createdAt: 0, disabledAt: null });

  it('property: charges = device-time × rate in force; idempotent; conserved through expiry', async () => {
    const { acc, allocations } = setup();
    const arb = fc.record({
      rates: fc.array(fc.record({ after: fc.integer({ min: 0, max: 10 * H }), su: fc.integer({ min: 1, max: 200 }) }), { minLength: 0, maxLength: 3 }),
      jobs: fc.array(fc.record({ devices: fc.integer({ min: 1, max: 4 }), limitS: fc.integer({ min: 60, max: 6 * 3600 }), runFrac: fc.double({ min: 0, max: 1.05, noNaN: true }), gap: fc.integer({ min: 0, max: 2 * H }) }), { minLength: 1, maxLength: 5 }),
    });
    await fc.assert(fc.asyncProperty(arb, async ({ rates, jobs }) => {
      const seed = await seedTenant(t.store);
      const base = t.now;
      // one rate in force from the start, then the random changes (as an operator would schedule them)
      const schedule = [{ at: base, su: 50 }, ...rates.map((r) => ({ at: base + r.after, su: r.su }))];
      for (const r of schedule) await t.store.rates.create({ resource: 'device', acceleratorType: TYPE, value: r.su * 1000, effectiveFrom: r.at, note: '', createdBy: null });
      const allRates = (await t.store.rates.list()).filter((r) => r.resource === 'device' && r.acceleratorType === TYPE);
      const view = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'g', serviceUnits: 1_000_000, acceleratorTypes: [TYPE], concurrentLimit: 8, endsAt: new Date(base + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1 });
      const al = view.allocation;
      let clock = base;
      for (const j of jobs) {
        clock += j.gap;
        const rec = await t.store.jobs.insert(aNewJob(seed).with({
          state: 'pending', allocationId: asAllocationId(al.id),
          request: { tasks: 1, devicesPerTask: j.devices, acceleratorTypes: [asAcceleratorType(TYPE)], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: j.limitS },
        }).build());
        const job: JobRecord = { ...rec, attempt: 1, acceleratorType: asAcceleratorType(TYPE), placement: [{ node: asNodeName('gpu-001'), devices: Array.from({ length: j.devices }, (_, i) => i), tasks: 1, cpus: 1, memoryMb: 1 }] };
        await t.store.transaction((tx) => acc.hold(tx, job, clock));
        const started = clock;
        const ended = started + Math.round(j.limitS * 1000 * j.runFrac);
        await t.store.usage.open(job.placement![0]!.devices.map((d) => ({ jobId: job.id, attempt: 1, node: asNodeName('gpu-001'), deviceIdx: d, acceleratorType: asAcceleratorType(TYPE), startedAt: started })));
        await t.store.usage.close(job.id, 1, ended);
        await t.store.transaction((tx) => acc.settle(tx, job, ended));
        await t.store.transaction((tx) => acc.settle(tx, job, ended + 5000)); // a repeat (recovery) is a no-op
        // independent reference: overlap of [started, ended) with each rate period × its rate × devices
        const sorted = [...allRates].sort((a, b) => a.effectiveFrom - b.effectiveFrom || a.id - b.id);
        let num = 0n;
        for (let k = 0; k < sorted.length; k++) {
          if (sorted.slice(k + 1).some((p) => p.effectiveFrom === sorted[k]!.effectiveFrom)) continue;
          const next = sorted.slice(k + 1).find((p) => p.effectiveFrom > sorted[k]!.effectiveFrom);
          const ov = Math.max(0, Math.min(ended, next ? next.effectiveFrom : Infinity) - Math.max(started, sorted[k]!.effectiveFrom));
          num += BigInt(ov) * BigInt(j.devices) * BigInt(sorted[k]!.value);
        }
        const want = Number((num * 2n + BigInt(H)) / (2n * BigInt(H)));
        const txns = await t.store.ledger.list({ jobId: job.id });
        expect(txns.map((x) => x.kind).filter((k) => k !== 'release')).toEqual(['hold', 'settle']);
        expect(txns.find((x) => x.kind === 'settle')!.amount).toBe(want);
        expect(txns.find((x) => x.kind === 'settle')!.deviceMs).toBe((ended - started) * j.devices);
        clock = ended;
      }
      const b = await t.store.ledger.balances(`allocation:${al.id}:`);
      expect(b.get(allocationAccount(al.id, 'held')) ?? 0).toBe(0);
      t.now = clock;
      await allocations.expire(operator(), al.id, 'end of test');
      const after = await t.store.ledger.balances(`allocation:${al.id}:`);
      const get = (k: 'available' | 'spent' | 'expired' | 'committed') => after.get(allocationAccount(al.id, k)) ?? 0;
      // awarded = spent + expired (+ an overrun's negative available, which expiry leaves as it is)
      expect(get('spent') + get('expired') + Math.min(0, get('available'))).toBe(al.awardedMsu);
      expect(get('committed')).toBe(0);
      const all = await t.store.ledger.balances();
      expect([...all.values()].reduce((s, v) => s + v, 0)).toBe(0);
      t.now = base;
    }), { numRuns: 12 });
  }, 120_000);

  it('a hold the balance cannot cover is refused and writes nothing; a blocked allocation shows in the snapshot', async () => {
    const { acc, allocations } = setup();
    const seed = await seedTenant(t.store);
    await t.store.rates.create({ resource: 'device', acceleratorType: TYPE, value: 3_600_000, effectiveFrom: t.now + 100 * H, note: '', createdBy: null }); // 1 SU per device-second, after the property test's rates
    t.now += 100 * H;
    const { allocation: al } = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'small', serviceUnits: 10, acceleratorTypes: [TYPE], concurrentLimit: 2, endsAt: new Date(t.now + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 3 });
    const rec = await t.store.jobs.insert(aNewJob(seed).with({ state: 'pending', allocationId: asAllocationId(al.id), request: { tasks: 1, devicesPerTask: 1, acceleratorTypes: [asAcceleratorType(TYPE)], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 11 } }).build());
    const job: JobRecord = { ...rec, attempt: 1, acceleratorType: asAcceleratorType(TYPE), placement: [{ node: asNodeName('gpu-001'), devices: [0], tasks: 1, cpus: 1, memoryMb: 1 }] };
    const err = await t.store.transaction((tx) => acc.hold(tx, job, t.now)).catch((e: unknown) => e);
    expect(isCheomdanError(err) && err.code).toBe('insufficient_balance');
    expect((err as Error).message).toBe(`allocation ${al.id} has 10 SU available; this job may cost up to 11 SU (0.003 h × 1 devices × 3,600 SU/device-hour)`);
    expect(await t.store.ledger.list({ jobId: job.id })).toEqual([]);
    await acc.refresh();
    const snap = acc.snapshotInputs(t.now);
    expect(snap.blockedAllocations?.[al.id]).toBe('allocation_exhausted');
    // the quota and share come from the allocation once it is unblocked (more SUs added)
    await allocations.adjust(operator(), al.id, { serviceUnits: 5, reason: 'top-up' });
    await acc.refresh();
    const snap2 = acc.snapshotInputs(t.now + 1000);
    expect(snap2.blockedAllocations?.[al.id]).toBeUndefined();
    expect(snap2.quotas).toContainEqual({ tenant: seed.tenant.id, acceleratorType: TYPE, guaranteedDevices: 2, borrowLimitDevices: 0 });
    expect(snap2.tenantShares?.[seed.tenant.id]).toBe(3);
    await t.store.transaction((tx) => acc.hold(tx, job, t.now));
    expect((await t.store.ledger.list({ jobId: job.id })).map((x) => x.amount)).toEqual([11_000]);
    // 5 device-seconds settled: 5 SU charged, 6 released (fair share's usage is the controller's: controller/state.ts)
    await t.store.usage.open([{ jobId: job.id, attempt: 1, node: asNodeName('gpu-001'), deviceIdx: 0, acceleratorType: asAcceleratorType(TYPE), startedAt: t.now }]);
    await t.store.usage.close(job.id, 1, t.now + 5000);
    await t.store.transaction((tx) => acc.settle(tx, job, t.now + 5000));
    expect((await t.store.ledger.list({ jobId: job.id })).map((x) => [x.kind, x.amount])).toEqual([['hold', 11_000], ['settle', 5000], ['release', 6000]]);
  });

  it('concurrent holds on one allocation never hold more than is available', async () => {
    const { acc, allocations } = setup();
    const seed = await seedTenant(t.store);
    t.now += 1000 * H;
    await t.store.rates.create({ resource: 'device', acceleratorType: TYPE, value: 3_600_000, effectiveFrom: t.now, note: '', createdBy: null }); // 1 SU per device-second
    const { allocation: al } = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'race', serviceUnits: 25, acceleratorTypes: [TYPE], concurrentLimit: 8, endsAt: new Date(t.now + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1 });
    const jobs: JobRecord[] = [];
    for (let i = 0; i < 4; i++) {
      const rec = await t.store.jobs.insert(aNewJob(seed).with({ state: 'pending', allocationId: asAllocationId(al.id), request: { tasks: 1, devicesPerTask: 1, acceleratorTypes: [asAcceleratorType(TYPE)], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 10 } }).build());
      jobs.push({ ...rec, attempt: 1, acceleratorType: asAcceleratorType(TYPE), placement: [{ node: asNodeName('gpu-001'), devices: [i], tasks: 1, cpus: 1, memoryMb: 1 }] });
    }
    // each holds 10 SU of 25: two fit, two are refused, whatever the interleaving
    const results = await Promise.allSettled(jobs.map((j) => t.store.transaction((tx) => acc.hold(tx, j, t.now))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const b = await t.store.ledger.balances(`allocation:${al.id}:`);
    expect(b.get(allocationAccount(al.id, 'held'))).toBe(20_000);
    expect(b.get(allocationAccount(al.id, 'available'))).toBe(5_000);
  });

  it('a job with no allocation (submitted while accounting was off) is charged to the default one; the operations tenant runs free', async () => {
    const { acc, allocations } = setup();
    const seed = await seedTenant(t.store);
    t.now += 1000 * H;
    await t.store.rates.create({ resource: 'device', acceleratorType: TYPE, value: 3_600_000, effectiveFrom: t.now, note: '', createdBy: null });
    const mk = async (s: typeof seed) => {
      const rec = await t.store.jobs.insert(aNewJob(s).with({ state: 'pending', request: { tasks: 1, devicesPerTask: 1, acceleratorTypes: [], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 2 } }).build());
      return { ...rec, attempt: 1, acceleratorType: asAcceleratorType(TYPE), placement: [{ node: asNodeName('gpu-001'), devices: [0], tasks: 1, cpus: 1, memoryMb: 1 }] } as JobRecord;
    };
    const orphan = await mk(seed);
    const refused = await t.store.transaction((tx) => acc.hold(tx, orphan, t.now)).catch((e: unknown) => e);
    expect(isCheomdanError(refused) && refused.extra.reason).toBe('allocation_inactive');
    const { allocation: al } = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'late', serviceUnits: 10, acceleratorTypes: [TYPE], concurrentLimit: 1, endsAt: new Date(t.now + H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1 });
    await t.store.transaction((tx) => acc.hold(tx, orphan, t.now));
    expect((await t.store.jobs.get(orphan.id))?.allocationId).toBe(al.id);
    expect((await t.store.ledger.list({ jobId: orphan.id })).map((x) => [x.kind, x.allocationId, x.amount])).toEqual([['hold', al.id, 2000]]);
    // the operations tenant: no allocation, no charge, no refusal
    const ops = await t.store.tenants.getBySlug('operations') ?? await t.store.tenants.create({ id: uid('ten') as never, slug: 'operations', name: 'Operations', kind: 'public', sector: 'other' });
    const opsProject = await t.store.projects.create({ id: uid('prj') as never, tenantId: ops.id, slug: uid('p'), name: 'p' });
    const opsJob = await mk({ tenant: ops, project: opsProject, user: seed.user });
    await t.store.transaction((tx) => acc.hold(tx, opsJob, t.now));
    expect(await t.store.ledger.list({ jobId: opsJob.id })).toEqual([]);
  });

  it('a job started at a rate of 0 holds nothing but is still settled: its device time recorded, a later rate charged', async () => {
    const { acc, allocations } = setup();
    const seed = await seedTenant(t.store);
    t.now += 2000 * H;
    const FREE = 'nvidia-l40s-48gb';
    await t.store.rates.create({ resource: 'device', acceleratorType: FREE, value: 0, effectiveFrom: t.now, note: 'free tier', createdBy: null });
    await t.store.rates.create({ resource: 'device', acceleratorType: FREE, value: 3_600_000, effectiveFrom: t.now + 4000, note: '', createdBy: null }); // 1 SU/device-second from 4 s on
    const { allocation: al } = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'free', serviceUnits: 100, acceleratorTypes: [FREE], concurrentLimit: 1, endsAt: new Date(t.now + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1 });
    const rec = await t.store.jobs.insert(aNewJob(seed).with({ state: 'pending', allocationId: asAllocationId(al.id), request: { tasks: 1, devicesPerTask: 1, acceleratorTypes: [asAcceleratorType(FREE)], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 60 } }).build());
    const job: JobRecord = { ...rec, attempt: 1, acceleratorType: asAcceleratorType(FREE), placement: [{ node: asNodeName('gpu-001'), devices: [0], tasks: 1, cpus: 1, memoryMb: 1 }] };
    expect(await t.store.transaction((tx) => acc.hold(tx, job, t.now))).toEqual({ allocationId: al.id });
    expect(await t.store.ledger.list({ jobId: job.id })).toEqual([]); // nothing to hold
    await t.store.usage.open([{ jobId: job.id, attempt: 1, node: asNodeName('gpu-001'), deviceIdx: 0, acceleratorType: asAcceleratorType(FREE), startedAt: t.now }]);
    await t.store.usage.close(job.id, 1, t.now + 6000);
    await t.store.transaction((tx) => acc.settle(tx, job, t.now + 6000));
    await t.store.transaction((tx) => acc.settle(tx, job, t.now + 9000)); // a repeat adds nothing
    const txns = await t.store.ledger.list({ jobId: job.id });
    expect(txns.map((x) => [x.kind, x.allocationId, x.amount, x.deviceMs])).toEqual([['settle', al.id, 2000, 6000]]); // 2 s at 1 SU/s
    expect(await t.store.ledger.balance(allocationAccount(al.id, 'available'))).toBe(98_000);
    await acc.settled();
  });
});
