import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asJobId, asPartition, asProjectId, asTenantId } from '../core/ids.ts';
import { makePolicy, type PolicyConfig } from '../scheduler/policy.ts';
import { ORDER_NAMES } from '../scheduler/policies/order.ts';
import { aCluster, aQuota, aReservation } from '../scheduler/testing.ts';
import type { QuotaSnapshot } from '../scheduler/types.ts';
import { simulate, type SimEvent } from './engine.ts';
import { requestForDevices } from './trace.ts';
import type { SimJob } from './types.ts';

const jobArb = fc.record({
  gap: fc.integer({ min: 0, max: 400 }),
  devices: fc.constantFrom(1, 1, 1, 2, 4, 8, 16),
  duration: fc.integer({ min: 1, max: 3000 }),
  tenant: fc.constantFrom('a', 'b', 'c'),
  partition: fc.constantFrom('p0', 'p1'),
});

function workload(rows: { gap: number; devices: number; duration: number; tenant: string; partition: string }[]): SimJob[] {
  let t = 0;
  return rows.map((r, i) => {
    t += r.gap;
    return {
      duration: r.duration,
      job: {
        id: asJobId(`j${i}`), tenant: asTenantId(r.tenant), project: asProjectId(`${r.tenant}-x`), partition: asPartition(r.partition),
        submittedAt: t, priority: 0, request: requestForDevices(r.devices, 8, r.duration), expectedDurationSeconds: r.duration,
      },
    };
  });
}

const cluster = aCluster().nodes(3, { partition: 'p0', prefix: 'a' }).nodes(2, { partition: 'p1', prefix: 'b', gpus: 4 }).build();

/** An independent ledger of who holds which device; throws on a double allocation. */
function auditor() {
  const holder = new Map<string, string>();
  const ends = new Map<string, number>();
  const partial: string[] = [];
  return {
    holder, ends, partial,
    observe(e: SimEvent, devices: (id: string) => number) {
      const keys = e.placement.flatMap((a) => a.devices.map((d) => `${a.node}/${d}`));
      if (e.kind === 'start') {
        if (keys.length !== devices(e.jobId)) partial.push(e.jobId);
        for (const k of keys) {
          if (holder.has(k)) throw new Error(`${k} allocated to ${e.jobId} while ${holder.get(k)} holds it`);
          holder.set(k, e.jobId);
        }
      } else {
        for (const k of keys) holder.delete(k);
        if (e.kind === 'end') ends.set(e.jobId, (ends.get(e.jobId) ?? 0) + 1);
      }
    },
  };
}

describe('simulator properties', () => {
  it('no device is allocated twice, gangs start whole, every job finishes exactly once — every policy', () => {
    fc.assert(fc.property(fc.array(jobArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(...ORDER_NAMES), (rows, order) => {
      const jobs = workload(rows);
      const size = new Map(jobs.map((j) => [j.job.id as string, j.job.request.tasks * j.job.request.devicesPerTask]));
      const a = auditor();
      const r = simulate(jobs, cluster, makePolicy({ order, preemption: { minRunSeconds: 0 } }), { observe: (e) => a.observe(e, (id) => size.get(id)!) });
      expect(a.partial).toEqual([]);
      expect(a.holder.size).toBe(0);
      for (const rec of r.records) {
        if (rec.outcome === 'rejected') expect(a.ends.has(rec.id)).toBe(false);
        else { expect(rec.outcome).toBe('completed'); expect(a.ends.get(rec.id)).toBe(1); }
      }
      expect(r.summary.completed + r.summary.rejected).toBe(jobs.length);
    }), { numRuns: 60 });
  });

  it('same input gives byte-identical output', () => {
    fc.assert(fc.property(fc.array(jobArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(...ORDER_NAMES), (rows, order) => {
      const once = () => JSON.stringify(simulate(workload(rows), cluster, makePolicy(order)));
      expect(once()).toBe(once());
    }), { numRuns: 30 });
  });

  it('backfill never delays the head\'s reservation', () => {
    fc.assert(fc.property(fc.array(jobArb, { minLength: 1, maxLength: 60 }), (rows) => {
      const jobs = workload(rows);
      const promised = new Map<string, number>();
      const partitionOf = new Map(jobs.map((j) => [j.job.id as string, j.job.partition as string]));
      const r = simulate(jobs, cluster, makePolicy({ order: 'fifo-backfill', explain: 'all' }), {
        observeCycle: (_t, res) => {
          const seen = new Set<string>();
          for (const p of res.pending) {
            const part = partitionOf.get(p.jobId)!;
            if (seen.has(part)) continue;
            seen.add(part);
            if (p.reason === 'resources' && p.estimatedStart !== null) {
              promised.set(p.jobId, Math.min(promised.get(p.jobId) ?? Infinity, p.estimatedStart));
            }
          }
        },
      });
      for (const rec of r.records) {
        const at = promised.get(rec.id);
        if (at !== undefined) expect(rec.start!).toBeLessThanOrEqual(at + 1e-9);
      }
    }), { numRuns: 60 });
  });

  it('quotas are never exceeded except by declared borrowing', () => {
    const quotas: QuotaSnapshot[] = [aQuota('a', 8, 4), aQuota('b', 4, 0), aQuota('c', 8, 8)].map((q) => ({ ...q }));
    const one = aCluster().nodes(4).build();
    fc.assert(fc.property(fc.array(jobArb, { minLength: 1, maxLength: 50 }), fc.constantFrom<PolicyConfig['order']>('fifo-backfill', 'las', 'multifactor'), (rows, order) => {
      const jobs = workload(rows.map((x) => ({ ...x, partition: 'gpu' })));
      const size = new Map(jobs.map((j) => [j.job.id as string, j.job]));
      const used = new Map<string, number>();
      const limit = new Map(quotas.map((q) => [q.tenant as string, q.guaranteedDevices + q.borrowLimitDevices]));
      simulate(jobs, one, makePolicy({ order, preemption: { minRunSeconds: 0 } }), {
        quotas,
        observe: (e) => {
          const j = size.get(e.jobId)!;
          const n = j.request.tasks * j.request.devicesPerTask;
          used.set(j.tenant, (used.get(j.tenant) ?? 0) + (e.kind === 'start' ? n : -n));
          expect(used.get(j.tenant)!).toBeLessThanOrEqual(limit.get(j.tenant)!);
        },
      });
    }), { numRuns: 40 });
  });
});

describe('simulator scenarios', () => {
  const job = (id: string, tenant: string, at: number, devices: number, duration: number): SimJob => ({
    duration,
    job: {
      id: asJobId(id), tenant: asTenantId(tenant), project: asProjectId(tenant), partition: asPartition('gpu'), submittedAt: at, priority: 0,
      request: requestForDevices(devices, 8, duration), expectedDurationSeconds: duration,
    },
  });

  it('reclaim returns capacity to its owner', () => {
    const quotas = [aQuota('owner', 8, 0), aQuota('borrower', 0, 16)];
    const jobs = [job('b1', 'borrower', 0, 8, 10_000), job('b2', 'borrower', 0, 8, 10_000), job('o1', 'owner', 500, 8, 100)];
    const r = simulate(jobs, aCluster().nodes(2).build(), makePolicy('fifo'), { quotas });
    const o1 = r.records.find((x) => x.id === 'o1')!;
    expect(o1.start).toBe(500);
    expect(r.summary.preemptions).toBe(1);
    // The victim resumed later with its checkpoint/restart cost, and still finished.
    const victim = r.records.find((x) => x.preemptions === 1)!;
    expect(victim.outcome).toBe('completed');
    expect(victim.end!).toBeGreaterThan(10_000 + 100);
  });

  it('reservations hold: no other tenant runs on reserved nodes during the window', () => {
    const reservations = [aReservation('class', 'uni', 1000, 5000, ['n000'])];
    const jobs = Array.from({ length: 30 }, (_, i) => job(`x${i}`, 'other', i * 50, 8, 700));
    const onReserved: string[] = [];
    const holding = new Map<string, [number, number | null]>();
    const r = simulate(jobs, aCluster().nodes(2).build(), makePolicy('fifo-backfill'), {
      reservations,
      observe: (e) => {
        if (!e.placement.some((a) => a.node === 'n000')) return;
        if (e.kind === 'start') holding.set(e.jobId, [e.time, null]);
        else holding.get(e.jobId)![1] = e.time;
      },
    });
    for (const [id, [s, e]] of holding) if (s < 5000 && (e ?? Infinity) > 1000) onReserved.push(id);
    expect(onReserved).toEqual([]);
    expect(r.summary.completed).toBe(30);
  });

  it('sjf beats fifo on average JCT for a queue of mixed lengths', () => {
    const jobs = Array.from({ length: 40 }, (_, i) => job(`m${i}`, 't', 0, 8, i % 2 ? 100 : 5000));
    const nodes = aCluster().nodes(1).build();
    const f = simulate(jobs, nodes, makePolicy('fifo')).summary.avgJctSeconds;
    const s = simulate(jobs, nodes, makePolicy('sjf')).summary.avgJctSeconds;
    expect(s).toBeLessThan(f);
  });
});
