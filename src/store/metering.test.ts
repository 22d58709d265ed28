import { beforeAll, expect, it } from 'vitest';
import { asAcceleratorType, asJobId, asNodeName, asPartition, asUserId } from '../core/ids.ts';
import type { NewNode } from './records.ts';
import { aNewJob, seedTenant, type Seed } from './testing/builders.ts';
import { describeStore, uid } from './testing/conformance.ts';

const h100 = asAcceleratorType('h100');
const npu = asAcceleratorType('rngd');

describeStore('nodes, usage, audit', (t) => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await seedTenant(t.store);
  });

  it('upserts nodes with their devices, replaces the device list on re-upsert, and sets state', async () => {
    t.now = 1_700_000_000_000;
    const gpu: NewNode = {
      name: asNodeName('gpu-01'), partition: asPartition('gpu'), cpus: 64, memoryMb: 1_048_576,
      devices: [{ index: 0, type: h100 }, { index: 1, type: h100 }], labels: { rack: 'r1', nvlinkDomain: 'nv0' },
      state: 'up', source: 'declared',
    };
    const cpu: NewNode = { ...gpu, name: asNodeName('cpu-01'), partition: asPartition('cpu'), devices: [], labels: {} };
    await t.store.nodes.upsertMany([gpu, cpu]);
    expect(await t.store.nodes.list()).toEqual([
      { ...cpu, stateReason: null, updatedAt: 1_700_000_000_000 },
      { ...gpu, stateReason: null, updatedAt: 1_700_000_000_000 },
    ]);

    t.now = 1_700_000_001_000;
    await t.store.nodes.upsertMany([{ ...gpu, cpus: 32, devices: [{ index: 1, type: h100 }] }]);
    expect((await t.store.nodes.list()).find((n) => n.name === 'gpu-01')).toMatchObject({ cpus: 32, devices: [{ index: 1, type: 'h100' }], updatedAt: 1_700_000_001_000 });

    expect(await t.store.nodes.setState(asNodeName('gpu-01'), 'draining', 'maintenance window')).toBe(true);
    expect((await t.store.nodes.list()).find((n) => n.name === 'gpu-01')).toMatchObject({ state: 'draining', stateReason: 'maintenance window' });
    expect(await t.store.nodes.setState(asNodeName('nope'), 'down')).toBe(false);
    await expect(t.store.nodes.setState(asNodeName('gpu-01'), 'exploded' as never)).rejects.toThrow();
    await t.store.nodes.upsertMany([]);
  });

  it('rolls back a whole upsert when one device list is invalid (duplicate index)', async () => {
    const bad: NewNode = {
      name: asNodeName('gpu-bad'), partition: asPartition('gpu'), cpus: 8, memoryMb: 1024,
      devices: [{ index: 0, type: h100 }, { index: 0, type: h100 }], labels: {}, state: 'up', source: 'declared',
    };
    const good: NewNode = { ...bad, name: asNodeName('gpu-good'), devices: [] };
    await expect(t.store.nodes.upsertMany([good, bad])).rejects.toMatchObject({ code: 'conflict' });
    expect((await t.store.nodes.list()).map((n) => n.name)).not.toContain('gpu-good');
  });

  it('opens usage rows idempotently and closes them once: a repeated close never doubles a second', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    const rows = [0, 1].map((d) => ({ jobId: job.id, attempt: 1, node: asNodeName('gpu-01'), deviceIdx: d, acceleratorType: h100, startedAt: 10_000 }));
    expect(await t.store.usage.open(rows)).toBe(2);
    // Recovery after a crash re-opens: nothing changes, the original start stands.
    expect(await t.store.usage.open(rows.map((r) => ({ ...r, startedAt: 99_000 })))).toBe(0);
    expect(await t.store.usage.listByJob(job.id)).toEqual(rows.map((r) => ({ ...r, endedAt: null })));

    expect(await t.store.usage.close(job.id, 1, 70_000)).toBe(2);
    expect(await t.store.usage.close(job.id, 1, 95_000)).toBe(0);
    expect((await t.store.usage.listByJob(job.id)).map((r) => r.endedAt)).toEqual([70_000, 70_000]);
    expect(await t.store.usage.sumDeviceSeconds({ jobId: job.id })).toEqual({ deviceSeconds: 120, byAcceleratorType: { h100: 120 }, cpuOnlySeconds: 0 });
    await expect(t.store.usage.open([{ ...rows[0]!, jobId: asJobId('job_missing') }])).rejects.toMatchObject({ code: 'conflict' });
  });

  it('sums device-seconds per tenant and accelerator type, clipped to a window, with open rows up to now', async () => {
    const own = await seedTenant(t.store);
    const other = await seedTenant(t.store);
    const a = await t.store.jobs.insert(aNewJob(own).build());
    const b = await t.store.jobs.insert(aNewJob(own).build());
    const c = await t.store.jobs.insert(aNewJob(own).build());
    const foreign = await t.store.jobs.insert(aNewJob(other).build());
    const n = asNodeName('n1');
    await t.store.usage.open([
      // a: 2 h100 devices, 0..100 s, closed.
      { jobId: a.id, attempt: 1, node: n, deviceIdx: 0, acceleratorType: h100, startedAt: 0 },
      { jobId: a.id, attempt: 1, node: n, deviceIdx: 1, acceleratorType: h100, startedAt: 0 },
      // b: 1 NPU from 50 s, still open.
      { jobId: b.id, attempt: 1, node: n, deviceIdx: 2, acceleratorType: npu, startedAt: 50_000 },
      // c: CPU-only, 0..30 s.
      { jobId: c.id, attempt: 1, node: n, deviceIdx: -1, acceleratorType: null, startedAt: 0 },
      { jobId: foreign.id, attempt: 1, node: n, deviceIdx: 3, acceleratorType: h100, startedAt: 0 },
    ]);
    await t.store.usage.close(a.id, 1, 100_000);
    await t.store.usage.close(c.id, 1, 30_000);

    expect(await t.store.usage.sumDeviceSeconds({ tenantId: own.tenant.id, now: 200_000 }))
      .toEqual({ deviceSeconds: 350, byAcceleratorType: { h100: 200, rngd: 150 }, cpuOnlySeconds: 30 });
    // Window [60 s, 120 s): a contributes 2×40, b 60, c nothing.
    expect(await t.store.usage.sumDeviceSeconds({ tenantId: own.tenant.id, from: 60_000, to: 120_000, now: 200_000 }))
      .toEqual({ deviceSeconds: 140, byAcceleratorType: { h100: 80, rngd: 60 }, cpuOnlySeconds: 0 });
    expect(await t.store.usage.sumDeviceSeconds({ projectId: own.project.id, acceleratorType: npu, now: 200_000 }))
      .toEqual({ deviceSeconds: 150, byAcceleratorType: { rngd: 150 }, cpuOnlySeconds: 0 });
    // Default `now` is the store clock.
    t.now = 80_000;
    expect((await t.store.usage.sumDeviceSeconds({ jobId: b.id })).deviceSeconds).toBe(30);
    expect(await t.store.usage.sumDeviceSeconds({ tenantId: own.tenant.id, from: 500_000, to: 600_000, now: 200_000 }))
      .toEqual({ deviceSeconds: 0, byAcceleratorType: {}, cpuOnlySeconds: 0 });
  });

  it('appends audit entries and lists them newest first with filters and keyset paging', async () => {
    const subject = uid('tenant');
    t.now = 1_700_000_000_000;
    const actor = asUserId(seed.user.id);
    const a1 = await t.store.audit.append({ actorUserId: actor, action: 'tenant.create', subject, detail: { slug: 'acme', n: 1 } });
    const a2 = await t.store.audit.append({ action: 'tenant.rename', subject, at: 5 });
    const a3 = await t.store.audit.append({ actorUserId: actor, action: 'tenant.rename', subject, detail: { to: 'Acme' } });
    expect(a1).toEqual({ id: a1.id, at: 1_700_000_000_000, actorUserId: actor, action: 'tenant.create', subject, detail: { slug: 'acme', n: 1 } });
    expect(a2).toMatchObject({ actorUserId: null, detail: {}, at: 5 });
    expect(await t.store.audit.list({ subject })).toEqual([a3, a2, a1]);
    expect(await t.store.audit.list({ subject, action: 'tenant.rename', actorUserId: actor })).toEqual([a3]);
    expect(await t.store.audit.list({ subject, limit: 1, beforeId: a3.id })).toEqual([a2]);
    await expect(t.store.audit.list({ limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
