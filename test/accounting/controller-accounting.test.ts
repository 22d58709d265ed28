/**
 * Accounting through the real controller (fake executor, real scheduler, real store on both dialects):
 *   - a job placed on an accelerator type with no rate in force is not started for free: its hold is refused
 *     (it waits, saying which type has no rate), and a job that accepts any type is narrowed at submit to
 *     the types that have a rate;
 *   - the operations tenant's jobs (exempt, no allocation) are still recorded in the ledger at their end
 *     (zero charge, their device time), so usage reports and fair share see them;
 *   - the allocation hold() charges a job to is kept on the controller's running job, and a second job over
 *     the allocation's concurrent limit waits;
 *   - on PostgreSQL the allocation cache is refreshed after the settlement's commit, not before: an
 *     allocation refused earlier is unblocked once a settlement frees SUs.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.ts';
import { aNode, FakeExecutor } from '../../src/controller/testing.ts';
import { createScheduler } from '../../src/controller/schedulerAdapter.ts';
import { isCheomdanError } from '../../src/core/errors.ts';
import { asAcceleratorType, asAllocationId, asNodeName, asPartition, type AcceleratorTypeId } from '../../src/core/ids.ts';
import type { NodeSnapshot } from '../../src/scheduler/types.ts';
import { actorFor } from '../../src/services/actor.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { IdentityService } from '../../src/services/identity.ts';
import { AllocationService } from '../../src/services/accounting/allocations.ts';
import { AccountingService } from '../../src/services/accounting/enforcement.ts';
import type { JobRecord } from '../../src/store/index.ts';
import { aNewJob, seedTenant, type Seed } from '../../src/store/testing/builders.ts';
import { describeStore, uid } from '../../src/store/testing/conformance.ts';

const H = 3_600_000;
const H100 = 'nvidia-h100-sxm-80gb';
const A100 = 'nvidia-a100-sxm-80gb';

const node = (name: string, type: string, devices: number) => aNode(name, type, devices);

describeStore('accounting through the controller', (t) => {
  let logs: string;
  beforeAll(async () => {
    logs = await mkdtemp(join(tmpdir(), 'cheomdan-acc-'));
  });
  const operator = () => actorFor({ id: 'usr_op' as never, email: 'op@x', name: 'op', passwordHash: null, role: 'operator', tenantId: null, createdAt: 0, disabledAt: null });

  const setup = (nodes: NodeSnapshot[]) => {
    const log = pino({ level: 'silent' });
    const ctx: ServiceContext = {
      store: t.store, clock: () => t.now, ids: uid, log,
      config: { home: '/tmp', defaultPartition: 'gpu', logsDir: logs, defaultTimeLimitSeconds: 3600 },
    };
    const acc = new AccountingService(ctx, 'enforce');
    const allocations = new AllocationService(ctx, new IdentityService(ctx), acc);
    const executor = new FakeExecutor(() => t.now);
    const controller = new Controller({
      store: t.store, executor, scheduler: createScheduler('fifo-backfill'), nodes, defaultPartition: 'gpu', clock: () => t.now, log, accounting: acc,
    });
    const grant = async (seed: Seed, over: { su?: number; types?: string[]; limit?: number } = {}) => (await allocations.create(operator(), {
      tenant: seed.tenant.id, name: 'g', serviceUnits: over.su ?? 1000, acceleratorTypes: over.types ?? [], concurrentLimit: over.limit ?? 8,
      endsAt: new Date(t.now + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1,
    })).allocation;
    return { ctx, acc, allocations, executor, controller, grant };
  };

  /** A pending job, stored, and handed to the controller (as the job service does at submit). */
  const submit = async (c: Controller, seed: Seed, over: { types: string[]; devices?: number; limitS?: number; allocationId?: string | null }): Promise<JobRecord> => {
    const id = uid('job');
    const rec = await t.store.jobs.insert(aNewJob(seed).id(id).with({
      state: 'pending', allocationId: over.allocationId ? asAllocationId(over.allocationId) : null,
      stdoutPath: join(logs, id, 'out'), stderrPath: join(logs, id, 'err'), submittedAt: t.now,
      request: { tasks: 1, devicesPerTask: over.devices ?? 1, acceleratorTypes: over.types.map((x) => asAcceleratorType(x)), cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: over.limitS ?? 60 },
    }).build());
    c.wake(rec); // stopped controller: only remembers it
    return rec;
  };
  const rate = (type: string | null, suPerHour: number, at = t.now) =>
    t.store.rates.create({ resource: 'device', acceleratorType: type, value: suPerHour * 1000, effectiveFrom: at, note: '', createdBy: null });

  it('a job on an accelerator type with no rate in force waits (hold refused, named); narrowed at submit to rated types', async () => {
    t.now += 1000 * H;
    const { acc, controller, executor, grant } = setup([node(uid('a100'), A100, 4)]);
    const seed = await seedTenant(t.store);
    await rate(H100, 72); // only H100 has a rate; the cluster here has A100s
    const al = await grant(seed); // any accelerator type
    await acc.refresh();

    // At submit, a job that accepts any type is limited to the types with a rate (here H100 only).
    const checked = await acc.checkSubmit(seed.project, { tasks: 1, devicesPerTask: 1, acceleratorTypes: [], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 60 }, undefined);
    expect(checked).toMatchObject({ allocationId: al.id, request: { acceleratorTypes: [H100] } });

    // A job that got past that (stored before the change) is placed on an A100: its start is refused, it waits.
    const job = await submit(controller, seed, { types: [], allocationId: al.id });
    await controller.tick();
    const waiting = (await t.store.jobs.get(job.id))!;
    expect(waiting.state).toBe('pending');
    expect(waiting.pendingReason).toBe('allocation_inactive');
    expect(waiting.pendingMessage).toMatch(new RegExp(`no rate is set for accelerator type ${A100}`));
    expect(executor.runs.size).toBe(0);
    expect(await t.store.ledger.list({ jobId: job.id })).toEqual([]);
    expect(await t.store.usage.listByJob(job.id)).toEqual([]);
    // the allocation itself is not blocked (jobs on rated types still run on it)
    expect(acc.snapshotInputs(t.now).blockedAllocations?.[al.id]).toBeUndefined();

    // Once an operator sets an A100 rate the job starts, is held, and is settled to its device time.
    await rate(A100, 36);
    await controller.tick();
    expect((await t.store.jobs.get(job.id))!.state).toBe('running');
    t.now += 10_000;
    executor.finish(job.id, t.now);
    await controller.tick();
    const txns = await t.store.ledger.list({ jobId: job.id });
    expect(txns.map((x) => [x.kind, x.allocationId, x.amount])).toEqual([['hold', al.id, 600], ['settle', al.id, 100], ['release', al.id, 500]]);
    expect(txns.find((x) => x.kind === 'settle')!.deviceMs).toBe(10_000);
    await acc.settled();
  });

  it("the operations tenant's jobs (exempt, no allocation) are recorded at their end: no charge, their device time", async () => {
    t.now += 1000 * H;
    const { acc, controller, executor } = setup([node(uid('h100'), H100, 4)]);
    await rate(H100, 72);
    const ops = await t.store.tenants.getBySlug('operations') ?? await t.store.tenants.create({ id: uid('ten') as never, slug: 'operations', name: 'Operations', kind: 'public', sector: 'other' });
    const seed = await seedTenant(t.store);
    const opsProject = await t.store.projects.create({ id: uid('prj') as never, tenantId: ops.id, slug: uid('p'), name: 'p' });
    const job = await submit(controller, { tenant: ops, project: opsProject, user: seed.user }, { types: [H100], devices: 2 });
    await controller.tick();
    expect((await t.store.jobs.get(job.id))!.state).toBe('running');
    expect(await t.store.ledger.list({ jobId: job.id })).toEqual([]); // nothing held
    t.now += 5000;
    executor.finish(job.id, t.now);
    await controller.tick();
    expect((await t.store.jobs.get(job.id))!.state).toBe('succeeded');
    const txns = await t.store.ledger.list({ jobId: job.id });
    expect(txns.map((x) => ({ kind: x.kind, amount: x.amount, allocationId: x.allocationId, tenantId: x.tenantId, deviceMs: x.deviceMs }))).toEqual([
      { kind: 'settle', amount: 0, allocationId: null, tenantId: ops.id, deviceMs: 10_000 },
    ]);
    expect(txns[0]!.memo).toMatch(/not charged/);
    // a repeat (recovery) adds nothing
    const done = (await t.store.jobs.get(job.id))!;
    await t.store.transaction((tx) => acc.settle(tx, done, t.now));
    expect(await t.store.ledger.list({ jobId: job.id })).toHaveLength(1);
    // fair share sees its device time: 10 device-seconds, just ended (a week's half-life: no visible decay)
    expect(controller.decayedUsage(ops.id)).toBeCloseTo(10, 3);
  });

  it('the allocation hold() chose stays on the running job; a second job over the concurrent limit waits', async () => {
    t.now += 1000 * H;
    const { acc, controller, grant } = setup([node(uid('h100'), H100, 4)]);
    await rate(H100, 72);
    const seed = await seedTenant(t.store);
    // jobs submitted while accounting was off: no allocation until their start
    const first = await submit(controller, seed, { types: [H100] });
    const al = await grant(seed, { types: [H100], limit: 1 });
    await acc.refresh();
    await controller.tick();
    expect((await t.store.jobs.get(first.id))!.state).toBe('running');
    const running = controller.runningJobs().find((j) => j.id === first.id)!;
    expect(running.allocationId).toBe(al.id);
    await acc.settled();
    const second = await submit(controller, seed, { types: [H100] });
    // Explanations are written at most every 200× their cost: tick until one is (a loaded machine takes longer).
    let waiting = (await t.store.jobs.get(second.id))!;
    for (const until = Date.now() + 10_000; waiting.pendingReason !== 'quota' && Date.now() < until;) {
      await controller.tick();
      await new Promise((r) => setTimeout(r, 100));
      waiting = (await t.store.jobs.get(second.id))!;
    }
    expect(waiting.state).toBe('pending');
    expect(waiting.pendingReason).toBe('quota');
    expect(controller.runningJobs().map((j) => j.id)).toEqual([first.id]);
  });

  it('after a settlement frees SUs, an allocation refused earlier is unblocked (the refresh reads after the commit)', async () => {
    t.now += 1000 * H;
    const { acc, allocations } = setup([]);
    await rate(H100, 3600); // 1 SU per device-second
    const seed = await seedTenant(t.store);
    const { allocation: al } = await allocations.create(operator(), { tenant: seed.tenant.id, name: 'small', serviceUnits: 10, acceleratorTypes: [H100], concurrentLimit: 2, endsAt: new Date(t.now + 1000 * H).toISOString(), firstTranchePct: 100, progressReportMonths: [], discountPct: 0, fairShareWeight: 1 });
    const mk = async (limitS: number, device: number): Promise<JobRecord> => {
      const rec = await t.store.jobs.insert(aNewJob(seed).with({ state: 'pending', allocationId: asAllocationId(al.id), request: { tasks: 1, devicesPerTask: 1, acceleratorTypes: [asAcceleratorType(H100)], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: limitS } }).build());
      return { ...rec, attempt: 1, acceleratorType: asAcceleratorType(H100) as AcceleratorTypeId, placement: [{ node: asNodeName('gpu-001'), devices: [device], tasks: 1, cpus: 1, memoryMb: 1 }] };
    };
    const a = await mk(8, 0);
    const b = await mk(5, 1);
    await t.store.transaction((tx) => acc.hold(tx, a, t.now)); // 8 of 10 SU held
    const refused = await t.store.transaction((tx) => acc.hold(tx, b, t.now)).catch((e: unknown) => e);
    expect(isCheomdanError(refused) && refused.extra.reason).toBe('allocation_exhausted');
    await acc.settled();
    await acc.refresh();
    expect(acc.snapshotInputs(t.now).blockedAllocations?.[al.id]).toBe('allocation_exhausted');
    // a runs 1 s: 1 SU charged, 7 released (9 available). The commit comes a while after settle() returns.
    await t.store.usage.open([{ jobId: a.id, attempt: 1, node: asNodeName('gpu-001'), deviceIdx: 0, acceleratorType: asAcceleratorType(H100), startedAt: t.now }]);
    await t.store.usage.close(a.id, 1, t.now + 1000);
    await t.store.transaction(async (tx) => {
      await acc.settle(tx, a, t.now + 1000);
      await new Promise((r) => setTimeout(r, 100));
    });
    await acc.settled();
    expect(await t.store.ledger.balance(`allocation:${al.id}:available`)).toBe(9000);
    expect(acc.snapshotInputs(t.now + 2000).blockedAllocations?.[al.id]).toBeUndefined();
    await t.store.transaction((tx) => acc.hold(tx, b, t.now + 2000)); // and the job it refused now fits
  });
});
