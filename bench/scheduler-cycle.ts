/**
 * Benchmark: one scheduling cycle at data-center scale (issue 3).
 *
 *   node --import tsx bench/scheduler-cycle.ts [nodes=10000] [pending=100000] [policy=fifo-backfill] [explain=all]
 *   node --import tsx bench/scheduler-cycle.ts quotas=20 [cohorts=4] policy=fifo-backfill,multifactor explain=all,none
 *
 * Builds a cluster of `nodes` × 8 devices, fills ~90% of it with running jobs of a Philly-shaped size mix
 * (seeded), queues `pending` more, and times `cycle()` — cold (building the capacity index from the
 * snapshot, as a controller without a kept index would) and warm (index and its release calendar kept across
 * cycles, as the simulator does and the controller should). Target: < 50 ms
 * per cycle (the lead's budget: the controller cycles every 100–500 ms).
 *
 * With `quotas=N` (issue 13): N of the 50 pending tenants get quotas (bench/lib/synthetic-quotas.ts: seeded
 * guarantees summing to the cluster's devices, seeded borrowing limits, `cohorts` cohorts), and the warm
 * (live: the controller keeps its index) cycle is timed with and without them on the same cluster, running
 * and pending jobs, alternating run by run so machine load hits both alike; `policy` and `explain` may be
 * comma-separated lists. Reported as the ratio quotas / no quotas of the medians. Same targets.
 */
import { performance } from 'node:perf_hooks';
import { CapacityIndex } from '../src/scheduler/capacity.ts';
import { cycle } from '../src/scheduler/cycle.ts';
import { findPlacement } from '../src/scheduler/placement.ts';
import { makePolicy, type PolicyConfig } from '../src/scheduler/policy.ts';
import type { CycleResult, RunningJobSnapshot } from '../src/scheduler/types.ts';
import { uniformCluster } from '../src/simulator/cluster.ts';
import { syntheticJobs } from '../src/simulator/synthetic.ts';
import { syntheticQuotas } from './lib/synthetic-quotas.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const NODES = Number(args.nodes ?? 10000);
const PENDING = Number(args.pending ?? 100000);
const POLICIES = (args.policy ?? 'fifo-backfill').split(',') as PolicyConfig['order'][];
const EXPLAINS = (args.explain ?? 'all').split(',') as ('all' | 'none')[];
const REPEAT = Number(args.repeat ?? 5);
const QUOTAS = Number(args.quotas ?? 0);
const COHORTS = Number(args.cohorts ?? 4);

const nodes = uniformCluster(NODES, 8);
const index = new CapacityIndex(nodes);
const running: RunningJobSnapshot[] = [];
const fill = syntheticJobs({ seed: 42, jobs: NODES * 8, meanInterarrivalSeconds: 1 });
let used = 0;
for (const w of fill) {
  if (used >= NODES * 8 * 0.9) break;
  const p = findPlacement(index, 'gpu', w.job.request);
  if (!p) continue;
  const r: RunningJobSnapshot = { ...w.job, id: `${w.job.id}-r` as never, startedAt: 0, placement: p.placement, acceleratorType: p.type };
  index.trackRunning(r);
  used += w.job.request.tasks * w.job.request.devicesPerTask;
  running.push(r);
}
const pending = syntheticJobs({ seed: 7, jobs: PENDING, meanInterarrivalSeconds: 0.05, tenants: 50 }).map((w) => w.job);
const now = pending.at(-1)!.submittedAt + 1;
const usage = { byTenant: { 'tenant-0': 1e6, 'tenant-1': 5e5 }, byProject: {} };
const snapshot = { nodes, running, pending, usage };
const median = (ms: number[]) => +[...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!.toFixed(1);

const time = (label: string, withIndex: boolean, POLICY: PolicyConfig['order'], EXPLAIN: 'all' | 'none') => {
  const policy = makePolicy({ order: POLICY, explain: EXPLAIN });
  const ms: number[] = [];
  let last;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    last = cycle(withIndex ? { ...snapshot, index } : snapshot, policy, now);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const starts = last!.decisions.filter((d) => d.kind === 'start').length;
  console.log(JSON.stringify({
    bench: 'scheduler-cycle', mode: label, nodes: NODES, devices: NODES * 8, running: running.length, pending: PENDING,
    policy: POLICY, explain: EXPLAIN, starts, explained: last!.pending.length, medianMs: median(ms),
    minMs: +ms[0]!.toFixed(1), runs: REPEAT,
  }));
};

/** The warm cycle with and without quotas, alternating run by run. */
const compare = (POLICY: PolicyConfig['order'], EXPLAIN: 'all' | 'none') => {
  const quotas = syntheticQuotas({ seed: 13, tenants: QUOTAS, cohorts: COHORTS, capacity: NODES * 8 });
  const policy = makePolicy({ order: POLICY, explain: EXPLAIN });
  const ms = { off: [] as number[], on: [] as number[] };
  let off: CycleResult | undefined;
  let on: CycleResult | undefined;
  for (let i = 0; i < REPEAT; i++) {
    let t0 = performance.now();
    off = cycle({ ...snapshot, index }, policy, now);
    ms.off.push(performance.now() - t0);
    t0 = performance.now();
    on = cycle({ ...snapshot, index, quotas }, policy, now);
    ms.on.push(performance.now() - t0);
  }
  const count = (r: CycleResult | undefined, kind: string) => r!.decisions.filter((d) => d.kind === kind).length;
  const heldByQuota = on!.pending.filter((p) => p.reason === 'quota').length;
  console.log(JSON.stringify({
    bench: 'scheduler-cycle', mode: 'warm, quotas vs none', nodes: NODES, running: running.length, pending: PENDING, policy: POLICY, explain: EXPLAIN,
    quotas: QUOTAS, cohorts: COHORTS, runs: REPEAT, noQuotasMs: median(ms.off), quotasMs: median(ms.on), ratio: +(median(ms.on) / median(ms.off)).toFixed(2),
    minMs: { off: +Math.min(...ms.off).toFixed(1), on: +Math.min(...ms.on).toFixed(1) },
    starts: { off: count(off, 'start'), on: count(on, 'start') }, preempts: count(on, 'preempt'), heldByQuota,
  }));
};

for (const p of POLICIES) {
  for (const e of EXPLAINS) {
    if (QUOTAS > 0) {
      compare(p, e);
    } else {
      time('cold (index built from the snapshot)', false, p, e);
      time('warm (index supplied)', true, p, e);
    }
  }
}
