/**
 * Benchmark: a seeded synthetic workload at data-center scale through the simulator (issue 3).
 *
 *   node --import tsx bench/simulator-synthetic.ts [jobs=1000000] [nodes=10000] [gpus=8] [interarrival=0.3]
 *                                                 [seed=1] [policy=fifo-backfill] [tenants=100]
 *
 * Defaults: 1,000,000 jobs on 10,000 nodes × 8 = 80,000 devices, Philly-shaped sizes and durations
 * (src/simulator/synthetic.ts), Poisson arrivals every 0.3 s on average (offered load ≈ 0.75 of the cluster:
 * mean job ≈ 1.35 devices × 13,000 s). Targets (the issue's): < 60 s wall and < 4 GB of memory; and
 * ≥ 50,000 placement decisions per second sustained (decisions / wall).
 * Memory is the peak RSS sampled at every progress callback (~200 samples) and at the end.
 */
import { performance } from 'node:perf_hooks';
import { makePolicy } from '../src/scheduler/policy.ts';
import type { OrderName } from '../src/scheduler/policies/order.ts';
import { uniformCluster } from '../src/simulator/cluster.ts';
import { simulate } from '../src/simulator/engine.ts';
import { syntheticJobs } from '../src/simulator/synthetic.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const JOBS = Number(args.jobs ?? 1_000_000);
const NODES = Number(args.nodes ?? 10_000);
const GPUS = Number(args.gpus ?? 8);
const INTERARRIVAL = Number(args.interarrival ?? 0.3);
const SEED = Number(args.seed ?? 1);
const TENANTS = Number(args.tenants ?? 100);
const POLICY = (args.policy ?? 'fifo-backfill') as OrderName;

let peakRss = 0;
const sample = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
const t0 = performance.now();
const jobs = syntheticJobs({ seed: SEED, jobs: JOBS, meanInterarrivalSeconds: INTERARRIVAL, tenants: TENANTS });
const nodes = uniformCluster(NODES, GPUS);
const genSeconds = (performance.now() - t0) / 1000;
sample();
const r = simulate(jobs, nodes, makePolicy({ order: POLICY, explain: 'none' }), {
  clock: () => performance.now() / 1000,
  onProgress: (done, total) => {
    sample();
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total}`);
  },
});
sample();
const { tenants: _t, ...s } = r.summary;
console.log(JSON.stringify({
  bench: 'simulator-synthetic', jobs: JOBS, nodes: NODES, devices: NODES * GPUS, interarrival: INTERARRIVAL, seed: SEED, policy: POLICY,
  generateSeconds: +genSeconds.toFixed(2), wallSeconds: +s.wallSeconds.toFixed(2), peakRssMb: Math.round(peakRss / 2 ** 20),
  decisionsPerSecond: Math.round(s.decisions / s.wallSeconds), cycles: s.cycles, decisions: s.decisions,
  avgJctSeconds: Math.round(s.avgJctSeconds), avgQueueSeconds: Math.round(s.avgQueueSeconds), utilization: +s.utilization.toFixed(3),
  completed: s.completed, unfinished: s.unfinished,
}));
