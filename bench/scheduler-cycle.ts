/**
 * Benchmark: one scheduling cycle at data-center scale (issue 3).
 *
 *   node --import tsx bench/scheduler-cycle.ts [nodes=10000] [pending=100000] [policy=fifo-backfill] [explain=all]
 *
 * Builds a cluster of `nodes` × 8 devices, fills ~90% of it with running jobs of a Philly-shaped size mix
 * (seeded), queues `pending` more, and times `cycle()` — cold (building the capacity index from the
 * snapshot, as a controller without a kept index would) and warm (index and its release calendar kept across
 * cycles, as the simulator does and the controller should). Target: < 50 ms
 * per cycle (the lead's budget: the controller cycles every 100–500 ms).
 */
import { performance } from 'node:perf_hooks';
import { CapacityIndex } from '../src/scheduler/capacity.ts';
import { cycle } from '../src/scheduler/cycle.ts';
import { findPlacement } from '../src/scheduler/placement.ts';
import { makePolicy, type PolicyConfig } from '../src/scheduler/policy.ts';
import type { RunningJobSnapshot } from '../src/scheduler/types.ts';
import { uniformCluster } from '../src/simulator/cluster.ts';
import { syntheticJobs } from '../src/simulator/synthetic.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const NODES = Number(args.nodes ?? 10000);
const PENDING = Number(args.pending ?? 100000);
const POLICY = (args.policy ?? 'fifo-backfill') as PolicyConfig['order'];
const EXPLAIN = (args.explain ?? 'all') as 'all' | 'none';
const REPEAT = Number(args.repeat ?? 5);

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
const policy = makePolicy({ order: POLICY, explain: EXPLAIN });
const snapshot = { nodes, running, pending, usage: { byTenant: { 'tenant-0': 1e6, 'tenant-1': 5e5 }, byProject: {} } };

const time = (label: string, withIndex: boolean) => {
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
    policy: POLICY, explain: EXPLAIN, starts, explained: last!.pending.length, medianMs: +ms[Math.floor(ms.length / 2)]!.toFixed(1),
    minMs: +ms[0]!.toFixed(1), runs: REPEAT,
  }));
};
time('cold (index built from the snapshot)', false);
time('warm (index supplied)', true);
