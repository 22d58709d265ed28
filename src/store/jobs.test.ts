import { beforeAll, expect, it } from 'vitest';
import { CheomdanError } from '../core/errors.ts';
import { asAcceleratorType, asAllocationId, asJobId, asNodeName } from '../core/ids.ts';
import type { JobRecord } from './records.ts';
import { aNewJob, aRequest, seedTenant, type Seed } from './testing/builders.ts';
import { describeStore } from './testing/conformance.ts';

describeStore('jobs and events', (t) => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await seedTenant(t.store);
  });

  it('inserts a job with defaults and reads back exactly what was written (JSON, nulls, numbers)', async () => {
    t.now = 1_700_000_000_500;
    const input = aNewJob(seed).with({
      environment: { A: '1', PATH: '/bin' },
      request: aRequest({ tasks: 2, nodes: 1, tasksPerNode: 2 }),
      priority: 7,
      qos: 'normal',
    }).build();
    const job = await t.store.jobs.insert(input);
    expect(job).toMatchObject({
      id: input.id, state: 'pending', attempt: 0, preemptionCount: 0, warnings: [], placement: null,
      exitCode: null, submittedAt: 1_700_000_000_500, updatedAt: 1_700_000_000_500, priority: 7, qos: 'normal',
      environment: { A: '1', PATH: '/bin' }, request: aRequest({ tasks: 2, nodes: 1, tasksPerNode: 2 }),
    });
    expect(job.seq).toBeGreaterThan(0);
    expect(await t.store.jobs.get(input.id)).toEqual(job);
    expect(await t.store.jobs.get(asJobId('job_missing'))).toBeUndefined();
  });

  it('gives increasing seq in submission order', async () => {
    const a = await t.store.jobs.insert(aNewJob(seed).build());
    const b = await t.store.jobs.insert(aNewJob(seed).build());
    const c = await t.store.jobs.insert(aNewJob(seed).build());
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(c.seq).toBeGreaterThan(b.seq);
  });

  it('a duplicate job id is a conflict naming id; an unknown project is a conflict too', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    const dup = await t.store.jobs.insert(aNewJob(seed).id(job.id).build()).then(() => undefined, (e: unknown) => e);
    expect(dup).toBeInstanceOf(CheomdanError);
    expect((dup as CheomdanError).errors).toEqual([{ path: 'id', message: 'already exists' }]);
    await expect(t.store.jobs.insert(aNewJob(seed).with({ projectId: 'prj_nowhere' as never }).build()))
      .rejects.toMatchObject({ code: 'conflict' });
  });

  it('updates with a state guard: the second of two racing transitions gets false and changes nothing', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    t.now = 1_700_000_009_000;
    const placement = [{ node: asNodeName('gpu-1'), devices: [0, 1], tasks: 1, cpus: 4, memoryMb: 1024 }];
    expect(await t.store.jobs.update(job.id, {
      state: 'starting', placement, acceleratorType: asAcceleratorType('h100'), attempt: 1,
      pendingReason: null, executor: 'local', allocationId: asAllocationId('alloc_1'),
    }, { expectState: 'pending' })).toBe(true);
    // The API's cancel raced and lost: it expected the job still pending.
    expect(await t.store.jobs.update(job.id, { state: 'cancelled' }, { expectState: 'pending' })).toBe(false);
    const after = await t.store.jobs.get(job.id);
    expect(after).toMatchObject({
      state: 'starting', placement, acceleratorType: 'h100', attempt: 1, executor: 'local',
      allocationId: 'alloc_1', updatedAt: 1_700_000_009_000,
    });
    // A set of acceptable states, and clearing a nullable field with null.
    expect(await t.store.jobs.update(job.id, { state: 'running', placement: null }, { expectState: ['starting', 'running'] })).toBe(true);
    expect((await t.store.jobs.get(job.id))?.placement).toBeNull();
    expect(await t.store.jobs.update(job.id, { state: 'failed' }, { expectState: [] })).toBe(false);
    // Without a guard it always applies; an unknown job is false.
    expect(await t.store.jobs.update(job.id, { warnings: ['w1'], exitCode: 3, signal: 'SIGKILL' })).toBe(true);
    expect(await t.store.jobs.get(job.id)).toMatchObject({ state: 'running', warnings: ['w1'], exitCode: 3, signal: 'SIGKILL' });
    expect(await t.store.jobs.update(asJobId('job_missing'), { state: 'failed' })).toBe(false);
  });

  it('lets exactly one of many concurrent guarded transitions win', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    const targets = ['starting', 'cancelled', 'starting', 'cancelled', 'starting', 'cancelled'] as const;
    const results = await Promise.all(targets.map((state) => t.store.jobs.update(job.id, { state }, { expectState: 'pending' })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = targets[results.indexOf(true)];
    expect((await t.store.jobs.get(job.id))?.state).toBe(winner);
  });

  it('refuses to patch identity fields', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    await expect(t.store.jobs.update(job.id, { tenantId: 'ten_other' } as never)).rejects.toThrow(/cannot change tenantId/);
  });

  it('lists newest first with keyset pagination, filters, and a stable next page under new submissions', async () => {
    const own = await seedTenant(t.store);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await t.store.jobs.insert(aNewJob(own).state(i % 2 ? 'running' : 'pending').build())).id);
    const newestFirst = [...ids].reverse();

    const p1 = await t.store.jobs.list({ tenantId: own.tenant.id, limit: 3 });
    expect(p1.jobs.map((j) => j.id)).toEqual(newestFirst.slice(0, 3));
    expect(p1.nextCursor).not.toBeNull();
    // A submission between pages does not shift the next page.
    await t.store.jobs.insert(aNewJob(own).build());
    const p2 = await t.store.jobs.list({ tenantId: own.tenant.id, limit: 3, cursor: p1.nextCursor });
    expect(p2.jobs.map((j) => j.id)).toEqual(newestFirst.slice(3, 6));
    const p3 = await t.store.jobs.list({ tenantId: own.tenant.id, limit: 3, cursor: p2.nextCursor });
    expect(p3.jobs.map((j) => j.id)).toEqual(newestFirst.slice(6));
    expect(p3.nextCursor).toBeNull();

    const exact = await t.store.jobs.list({ projectId: own.project.id, userId: own.user.id, states: ['running'], limit: 3 });
    expect(exact.jobs.map((j) => j.id)).toEqual([ids[5], ids[3], ids[1]]);
    expect(exact.nextCursor).toBeNull(); // exactly `limit` rows and no more: no empty extra page
    expect((await t.store.jobs.list({ tenantId: own.tenant.id, states: [] })).jobs).toEqual([]);
    expect((await t.store.jobs.list({ tenantId: seed.tenant.id, limit: 1000 })).jobs.every((j) => j.tenantId === seed.tenant.id)).toBe(true);
  });

  it('rejects a forged cursor and an out-of-range limit as validation errors naming the field', async () => {
    await expect(t.store.jobs.list({ cursor: 'abc' })).rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: 'cursor' }] });
    await expect(t.store.jobs.list({ limit: 0 })).rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: 'limit' }] });
    await expect(t.store.jobs.list({ limit: 1001 })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('lists the controller working set by state, oldest first, and counts per state', async () => {
    const own = await seedTenant(t.store);
    const before = await t.store.jobs.countByState();
    const a = await t.store.jobs.insert(aNewJob(own).state('running').build());
    const b = await t.store.jobs.insert(aNewJob(own).build());
    const c = await t.store.jobs.insert(aNewJob(own).state('succeeded').build());
    const active = await t.store.jobs.listByStates(['pending', 'starting', 'running']);
    const mine = active.filter((j) => j.tenantId === own.tenant.id).map((j) => j.id);
    expect(mine).toEqual([a.id, b.id]);
    expect(active.map((j) => j.seq)).toEqual([...active.map((j) => j.seq)].sort((x, y) => x - y));
    expect(active.map((j) => j.id)).not.toContain(c.id);
    expect(await t.store.jobs.listByStates([])).toEqual([]);

    expect(await t.store.jobs.countByState({ tenantId: own.tenant.id })).toEqual({
      pending: 1, starting: 0, running: 1, succeeded: 1, failed: 0, cancelled: 0, timed_out: 0, preempted: 0,
    });
    const after = await t.store.jobs.countByState();
    expect(after.pending - before.pending).toBe(1);
    expect(after.running - before.running).toBe(1);
  });

  it('appends events in order and tails them after an id', async () => {
    const job = await t.store.jobs.insert(aNewJob(seed).build());
    t.now = 1_700_000_050_000;
    const e1 = await t.store.events.append({ jobId: job.id, kind: 'state', toState: 'pending', message: 'submitted' });
    const e2 = await t.store.events.append({ jobId: job.id, kind: 'reason', message: 'waiting for 8 h100', at: 1_700_000_060_000 });
    const e3 = await t.store.events.append({ jobId: job.id, kind: 'state', fromState: 'pending', toState: 'starting', message: 'placed on gpu-1' });
    expect(e1).toEqual({ id: e1.id, jobId: job.id, at: 1_700_000_050_000, kind: 'state', fromState: null, toState: 'pending', message: 'submitted' });
    expect(await t.store.events.list(job.id)).toEqual([e1, e2, e3]);
    expect(await t.store.events.list(job.id, { afterId: e1.id })).toEqual([e2, e3]);
    await expect(t.store.events.append({ jobId: asJobId('job_missing'), kind: 'info', message: 'x' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('commits a submission (job + event) as one transaction, and rolls both back when it throws', async () => {
    const ok = aNewJob(seed).build();
    const job = await t.store.transaction(async (tx) => {
      const j = await tx.jobs.insert(ok);
      await tx.events.append({ jobId: j.id, kind: 'state', toState: 'pending', message: 'submitted' });
      return j;
    });
    expect(await t.store.jobs.get(job.id)).toEqual(job);
    expect(await t.store.events.list(job.id)).toHaveLength(1);

    const doomed = aNewJob(seed).build();
    await expect(t.store.transaction(async (tx) => {
      await tx.jobs.insert(doomed);
      await tx.events.append({ jobId: doomed.id, kind: 'state', toState: 'pending', message: 'submitted' });
      throw new Error('admission failed');
    })).rejects.toThrow('admission failed');
    expect(await t.store.jobs.get(doomed.id)).toBeUndefined();
    expect(await t.store.events.list(doomed.id)).toEqual([]);

    // A transaction inside a transaction joins it.
    const nested = aNewJob(seed).build();
    await t.store.transaction((tx) => tx.transaction((inner) => inner.jobs.insert(nested)));
    expect(await t.store.jobs.get(nested.id)).toBeDefined();
  });

  it('serialises concurrent submissions without losing or duplicating a seq', async () => {
    const own = await seedTenant(t.store);
    const jobs: JobRecord[] = await Promise.all(Array.from({ length: 40 }, () =>
      t.store.transaction(async (tx) => {
        const j = await tx.jobs.insert(aNewJob(own).build());
        await tx.events.append({ jobId: j.id, kind: 'state', toState: 'pending', message: 'submitted' });
        return j;
      })));
    expect(new Set(jobs.map((j) => j.seq)).size).toBe(40);
    expect((await t.store.jobs.list({ tenantId: own.tenant.id, limit: 100 })).jobs).toHaveLength(40);
  });
});
