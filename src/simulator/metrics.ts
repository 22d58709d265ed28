/**
 * From the simulator's per-job state to records and a summary: JCT, queueing delay, bounded slowdown,
 * makespan, utilisation over time, per-tenant fairness, preemptions. Percentiles are nearest-rank.
 */
import type { PendingJobSnapshot, RunningJobSnapshot } from '../scheduler/types.ts';
import type { JobRecord, SimJob, SimResult, Summary, TenantSummary } from './types.ts';

/** The simulator's mutable view of one job (engine.ts owns it). */
export interface RunState {
  sim: SimJob;
  snap: PendingJobSnapshot;
  remaining: number;
  timedOut: boolean;
  attained: number;
  preemptions: number[];
  start: number | null;
  end: number | null;
  epoch: number;
  pos: number;
  running: RunningJobSnapshot | null;
  rejected: string | undefined;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function jain(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  const s = xs.reduce((a, b) => a + b, 0);
  const s2 = xs.reduce((a, b) => a + b * b, 0);
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

export interface BuildInput {
  policy: string;
  states: readonly RunState[];
  totalDevices: number;
  busyIntegral: number;
  utilT: readonly number[];
  utilB: readonly number[];
  cycles: number;
  decisions: number;
  wallSeconds: number;
  /** Points in the utilisation series (time-bucket averages); default 1000. */
  buckets?: number;
}

export function buildResult(b: BuildInput): SimResult {
  const records: JobRecord[] = new Array(b.states.length);
  const jcts: number[] = [];
  const queues: number[] = [];
  const slow: number[] = [];
  const tenants = new Map<string, { jobs: number; jct: number; slow: number; ds: number }>();
  let first = Infinity;
  let last = -Infinity;
  let preemptions = 0;
  let rejected = 0;
  let unfinished = 0;
  for (let i = 0; i < b.states.length; i++) {
    const s = b.states[i]!;
    const j = s.sim.job;
    const devices = j.request.tasks * j.request.devicesPerTask;
    const finished = s.end !== null;
    const jct = finished ? s.end! - j.submittedAt : null;
    const queue = jct === null ? null : Math.max(0, jct - s.sim.duration);
    const bsd = jct === null ? null : Math.max(1, jct / Math.max(s.sim.duration, 10));
    const outcome = s.rejected !== undefined ? 'rejected' : !finished ? 'unfinished' : s.timedOut ? 'timed_out' : 'completed';
    records[i] = {
      id: j.id, tenant: j.tenant, partition: j.partition, devices, submit: j.submittedAt, start: s.start, end: s.end,
      duration: s.sim.duration, jct, queue, boundedSlowdown: bsd, preemptions: s.preemptions.length, outcome, reason: s.rejected,
    };
    preemptions += s.preemptions.length;
    if (outcome === 'rejected') { rejected++; continue; }
    if (outcome === 'unfinished') { unfinished++; continue; }
    first = Math.min(first, j.submittedAt);
    last = Math.max(last, s.end!);
    jcts.push(jct!);
    queues.push(queue!);
    slow.push(bsd!);
    let t = tenants.get(j.tenant);
    if (!t) { t = { jobs: 0, jct: 0, slow: 0, ds: 0 }; tenants.set(j.tenant, t); }
    t.jobs++;
    t.jct += jct!;
    t.slow += bsd!;
    t.ds += devices * s.sim.duration;
  }
  const sortNum = (xs: number[]) => Float64Array.from(xs).sort();
  const sj = Array.from(sortNum(jcts));
  const sq = Array.from(sortNum(queues));
  const makespan = jcts.length ? last - first : 0;
  const tenantList: TenantSummary[] = [...tenants].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0)).map(([tenant, t]) => ({
    tenant, jobs: t.jobs, avgJctSeconds: t.jct / t.jobs, avgBoundedSlowdown: t.slow / t.jobs, deviceSeconds: t.ds,
  }));
  const summary: Summary = {
    policy: b.policy,
    jobs: b.states.length,
    completed: jcts.length,
    rejected, unfinished,
    avgJctSeconds: mean(jcts), p50JctSeconds: percentile(sj, 50), p99JctSeconds: percentile(sj, 99),
    avgQueueSeconds: mean(queues), p50QueueSeconds: percentile(sq, 50), p99QueueSeconds: percentile(sq, 99),
    avgBoundedSlowdown: mean(slow),
    makespanSeconds: makespan,
    utilization: makespan > 0 && b.totalDevices > 0 ? b.busyIntegral / (b.totalDevices * makespan) : 0,
    preemptions,
    fairnessJain: jain(tenantList.map((t) => t.avgBoundedSlowdown)),
    tenants: tenantList,
    cycles: b.cycles, decisions: b.decisions, wallSeconds: b.wallSeconds,
  };
  return { summary, records, utilization: bucketise(b.utilT, b.utilB, first === Infinity ? 0 : first, last === -Infinity ? 0 : last, b.buckets ?? 1000), totalDevices: b.totalDevices };
}

/** Average busy devices in each of `n` equal time buckets over [t0, t1] (a step function integrated). */
export function bucketise(ts: readonly number[], bs: readonly number[], t0: number, t1: number, n: number): [number, number][] {
  if (t1 <= t0 || ts.length === 0) return [];
  const w = (t1 - t0) / n;
  const out: [number, number][] = [];
  let k = 0;
  let cur = 0;
  for (let i = 0; i < n; i++) {
    const a = t0 + i * w;
    const z = a + w;
    let area = 0;
    let x = a;
    while (k < ts.length && ts[k]! <= x) cur = bs[k++]!;
    while (k < ts.length && ts[k]! < z) {
      area += cur * (ts[k]! - x);
      x = ts[k]!;
      cur = bs[k++]!;
    }
    area += cur * (z - x);
    out.push([Math.round(a), area / w]);
  }
  return out;
}
