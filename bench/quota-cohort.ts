/**
 * Cohort study (issue 13): three organizations share one cluster through the simulator (src/simulator, the
 * same cycle() the live controller runs), under
 *   (a) hard quotas      — each its guarantee, no borrowing;
 *   (b) cohort borrowing — the same guarantees in one cohort, borrowing any idle guarantee, reclaimed by
 *                          preemption (policy.preemption.reclaim, minRunSeconds 60) when its owner needs it;
 *   (c) no quotas        — first come, first served over the whole cluster.
 *
 *   node --import tsx bench/quota-cohort.ts [nodes=32] [days=7] [seed=13] [policy=fifo-backfill]
 *
 * The seeded workload (Poisson arrivals, a size mix of 1–16 devices, log-normal durations, median 30 min,
 * σ 1.2, at most 48 h; time limit = the true duration) is shaped so that borrowing matters:
 *   hospital  guaranteed 50% — bursty: it submits only 09:00–17:00 each day, then wants ~160 devices;
 *   lab       guaranteed 25% — steady, wants ~120 devices: more than its guarantee all the time;
 *   startup   guaranteed 25% — steady, wants ~50 devices: under its guarantee.
 * Offered load ≈ 87% of 256 devices on average, > 100% during the hospital's hours. Arrivals stop after
 * `days`; the run goes on until every job has ended. Utilisation is given over the arrival window (what an
 * operator sees while all three submit) and over the makespan.
 */
import { performance } from 'node:perf_hooks';
import { asJobId, asProjectId, asTenantId } from '../src/core/ids.ts';
import { makePolicy } from '../src/scheduler/policy.ts';
import type { OrderName } from '../src/scheduler/policies/order.ts';
import type { QuotaSnapshot } from '../src/scheduler/types.ts';
import { uniformCluster } from '../src/simulator/cluster.ts';
import { simulate } from '../src/simulator/engine.ts';
import { syntheticJobs } from '../src/simulator/synthetic.ts';
import type { SimJob, SimResult } from '../src/simulator/types.ts';
import { syntheticQuotas } from './lib/synthetic-quotas.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const NODES = Number(args.nodes ?? 32);
const DAYS = Number(args.days ?? 7);
const SEED = Number(args.seed ?? 13);
const POLICY = (args.policy ?? 'fifo-backfill') as OrderName;
const DEVICES = NODES * 8;
const HORIZON = DAYS * 86_400;

const SIZES = [[1, 50], [2, 15], [4, 15], [8, 15], [16, 5]] as const;
const MEDIAN = 1800;
const SIGMA = 1.2;
/** Mean device-seconds of a job of this mix: E[devices] × E[duration] (log-normal mean, cap ignored). */
const JOB_DEVICE_SECONDS = (SIZES.reduce((s, [d, w]) => s + d * w, 0) / SIZES.reduce((s, [, w]) => s + w, 0)) * MEDIAN * Math.exp((SIGMA * SIGMA) / 2);

interface Org { name: string; share: number; demand: number; hours?: readonly [number, number] }
const ORGS: readonly Org[] = [
  { name: 'hospital', share: 2, demand: 160 * (DEVICES / 256), hours: [9, 17] },
  { name: 'lab', share: 1, demand: 120 * (DEVICES / 256) },
  { name: 'startup', share: 1, demand: 50 * (DEVICES / 256) },
];

/** One organization's jobs: Poisson at its demand, folded into its working hours when it has them. */
function orgJobs(o: Org, i: number): SimJob[] {
  const window = o.hours ? (o.hours[1] - o.hours[0]) * 3600 : 86_400;
  const active = DAYS * window;
  const interarrival = JOB_DEVICE_SECONDS / o.demand;
  const jobs = syntheticJobs({
    seed: SEED * 10 + i, jobs: Math.ceil((active / interarrival) * 1.2), meanInterarrivalSeconds: interarrival, tenants: 1,
    sizes: SIZES, medianDurationSeconds: MEDIAN, durationSigma: SIGMA, maxDurationSeconds: 48 * 3600,
  }).filter((w) => w.job.submittedAt < active);
  const fold = (t: number) => (o.hours ? Math.floor(t / window) * 86_400 + o.hours[0] * 3600 + (t % window) : t);
  return jobs.map((w, k) => ({
    duration: w.duration,
    job: { ...w.job, id: asJobId(`${o.name}-${k}`), tenant: asTenantId(o.name), project: asProjectId(`${o.name}-p`), submittedAt: fold(w.job.submittedAt) },
  }));
}

const workload = ORGS.flatMap(orgJobs);
const nodes = uniformCluster(NODES, 8);
const guarantees = syntheticQuotas({ seed: SEED, tenants: ORGS.length, cohorts: 1, capacity: DEVICES, shares: ORGS.map((o) => o.share), borrow: 'unlimited' })
  .map((q, i): QuotaSnapshot => ({ ...q, tenant: asTenantId(ORGS[i]!.name), cohort: 'pool' }));
const scenarios: [string, QuotaSnapshot[] | undefined][] = [
  ['(a) hard quotas', guarantees.map((q) => ({ ...q, borrowLimitDevices: 0, cohort: undefined }))],
  ['(b) cohort borrowing + reclaim', guarantees],
  ['(c) no quotas', undefined],
];

/** Busy device-seconds in [0, t1] from the step function, over devices × t1. */
function utilisationUntil(r: SimResult, t1: number): number {
  let busy = 0;
  const u = r.utilization;
  for (let i = 0; i < u.length; i++) {
    const [t, n] = u[i]!;
    if (t >= t1) break;
    busy += n * (Math.min(u[i + 1]?.[0] ?? t1, t1) - t);
  }
  return busy / (r.totalDevices * t1);
}

const h = (s: number) => +(s / 3600).toFixed(2);
console.log(JSON.stringify({
  bench: 'quota-cohort', nodes: NODES, devices: DEVICES, days: DAYS, seed: SEED, policy: POLICY, jobs: workload.length,
  byOrg: Object.fromEntries(ORGS.map((o) => [o.name, workload.filter((w) => w.job.tenant === o.name).length])),
  guaranteed: Object.fromEntries(guarantees.map((q) => [q.tenant, q.guaranteedDevices])),
}));
for (const [name, quotas] of scenarios) {
  const r = simulate(workload, nodes, makePolicy({ order: POLICY, explain: 'none' }), { ...(quotas ? { quotas } : {}), clock: () => performance.now() / 1000 });
  const perOrg = Object.fromEntries(ORGS.map((o) => {
    const rs = r.records.filter((x) => x.tenant === o.name && x.jct !== null);
    const avg = (f: (x: (typeof rs)[number]) => number) => rs.reduce((s, x) => s + f(x), 0) / Math.max(1, rs.length);
    const queues = rs.map((x) => x.queue!).sort((a, b) => a - b);
    return [o.name, {
      jobs: rs.length, avgJctH: h(avg((x) => x.jct!)), avgQueueH: h(avg((x) => x.queue!)), p90QueueH: h(queues[Math.floor(queues.length * 0.9)] ?? 0),
      workDeviceHours: Math.round(r.records.filter((x) => x.tenant === o.name).reduce((s, x) => s + x.devices * x.duration, 0) / 3600),
      preemptedJobs: rs.filter((x) => x.preemptions > 0).length, preemptions: rs.reduce((s, x) => s + x.preemptions, 0),
    }];
  }));
  console.log(JSON.stringify({
    scenario: name, utilisationArrivals: +utilisationUntil(r, HORIZON).toFixed(3), utilisationMakespan: +r.summary.utilization.toFixed(3),
    makespanH: h(r.summary.makespanSeconds), avgJctH: h(r.summary.avgJctSeconds), avgQueueH: h(r.summary.avgQueueSeconds),
    preemptions: r.summary.preemptions, completed: r.summary.completed, unfinished: r.summary.unfinished, rejected: r.summary.rejected,
    wallS: +r.summary.wallSeconds.toFixed(2), perOrg,
  }));
}
