/**
 * One model of decayed usage (issue 13): the same jobs, replayed by the simulator and run through the live
 * controller (real store, the controller's own steps, an injected clock; a fake executor that ends each job
 * after its duration — the local executor's processes would run on the wall clock, not the injected one),
 * start in the same order under multifactor fair share. The simulator feeds decayed usage from its own
 * accounting, the controller from each attempt's metered interval when it settles; both through
 * scheduler/fairshare.ts with the policy's half-life.
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import { Controller } from '../src/controller/controller.ts';
import { createScheduler } from '../src/controller/schedulerAdapter.ts';
import { aNode, FakeExecutor } from '../src/controller/testing.ts';
import { asJobId, asPartition, asProjectId, asTenantId } from '../src/core/ids.ts';
import { makePolicy, type PolicyConfig } from '../src/scheduler/policy.ts';
import { simulate } from '../src/simulator/engine.ts';
import { requestForDevices } from '../src/simulator/trace.ts';
import type { SimJob } from '../src/simulator/types.ts';
import { aNewJob, seedTenant, type Seed } from '../src/store/testing/builders.ts';
import { describeStore, uid } from '../src/store/testing/conformance.ts';

const POLICY: PolicyConfig = { order: 'multifactor', multifactor: { halfLifeSeconds: 3600 } };
const TYPE = 'nvidia-h100-sxm-80gb';

describeStore('fair share: simulator and live controller agree', (t) => {
  it('starts the same jobs in the same order', async () => {
    const seeds: Seed[] = [await seedTenant(t.store), await seedTenant(t.store), await seedTenant(t.store)];
    // Tenant 0 floods the queue early; 1 and 2 arrive later with smaller jobs: fair share must let them in.
    const rows: { tenant: number; at: number; duration: number }[] = [];
    for (let i = 0; i < 6; i++) rows.push({ tenant: 0, at: i, duration: 1800 + 100 * i });
    for (let i = 0; i < 4; i++) rows.push({ tenant: 1, at: 600 + i, duration: 900 });
    for (let i = 0; i < 4; i++) rows.push({ tenant: 2, at: 2400 + 10 * i, duration: 300 * (i + 1) });
    const prefix = uid('fs');
    const workload: SimJob[] = rows.map((r, i) => ({
      duration: r.duration,
      job: {
        id: asJobId(`${prefix}-${String(i).padStart(2, '0')}`), tenant: asTenantId(seeds[r.tenant]!.tenant.id), project: asProjectId(seeds[r.tenant]!.project.id),
        partition: asPartition('gpu'), submittedAt: r.at, priority: 0, request: { ...requestForDevices(4, 4, 7200), timeLimitSeconds: 7200 },
      },
    }));
    const nodes = [aNode(uid('n'), TYPE, 4)];

    const simOrder: string[] = [];
    simulate(workload, nodes, makePolicy(POLICY), { observe: (e) => { if (e.kind === 'start') simOrder.push(e.jobId); } });

    // The same jobs through the controller, on an injected clock in ms from `base`.
    const base = Math.ceil(t.now / 1000) * 1000 + 10_000_000;
    t.now = base;
    const executor = new FakeExecutor(() => t.now);
    const controller = new Controller({
      store: t.store, executor, scheduler: createScheduler(POLICY), nodes, defaultPartition: 'gpu', clock: () => t.now, log: pino({ level: 'silent' }),
    });
    const durations = new Map(workload.map((w) => [w.job.id as string, w.duration]));
    const liveOrder: string[] = [];
    let next = 0;
    for (let guard = 0; guard < 200 && liveOrder.length < workload.length; guard++) {
      const arrival = next < workload.length ? base + workload[next]!.job.submittedAt * 1000 : Infinity;
      const ends = [...executor.runs.values()].filter((r) => r.endedAt === undefined).map((r) => r.startedAt + durations.get(r.jobId)! * 1000);
      t.now = Math.min(arrival, ...ends);
      for (const r of executor.runs.values()) if (r.endedAt === undefined && r.startedAt + durations.get(r.jobId)! * 1000 <= t.now) executor.finish(r.jobId, t.now);
      while (next < workload.length && base + workload[next]!.job.submittedAt * 1000 <= t.now) {
        const w = workload[next++]!;
        const seed = seeds.find((s) => s.tenant.id === w.job.tenant)!;
        const rec = await t.store.jobs.insert(aNewJob(seed).id(w.job.id).with({
          state: 'pending', partition: asPartition('gpu'), request: w.job.request, submittedAt: base + w.job.submittedAt * 1000,
          stdoutPath: `/tmp/${w.job.id}/out`, stderrPath: `/tmp/${w.job.id}/err`,
        }).build());
        controller.wake(rec);
      }
      const before = executor.runs.size;
      await controller.tick();
      for (const r of [...executor.runs.values()].slice(before)) liveOrder.push(r.jobId);
    }
    expect(liveOrder).toEqual(simOrder);
    // Not FIFO: fair share moved tenants 1 and 2 ahead of tenant 0's backlog.
    expect(simOrder).not.toEqual(workload.map((w) => w.job.id));
  });
});
