/**
 * Benchmark and quality run: the Philly trace (Jeon et al., ATC 2019; 82,247 jobs) through the simulator,
 * every order policy (issue 3).
 *
 *   node --import tsx bench/simulator-philly.ts [mode=full|vc] [policies=fifo,fifo-backfill,sjf,srtf,las,multifactor]
 *                                              [trace=../shared/traces/philly/philly.csv] [limitFactor=1]
 *
 *   mode=full  all 82,247 jobs on one partition of 352 nodes × 8 GPUs = 2,816 GPUs (the size of the 11 VCs
 *              with a published size, summed). Target < 2 s per policy (the issue's figure).
 *   mode=vc    each VC its own partition sized from vc-sizes.csv (Helios' setup); jobs of the 4 VCs without a
 *              size are dropped. The policy comparison recorded in bench/RESULTS.md.
 *
 *   load=X     optional: divide every submit time by X (X× the arrival rate, same jobs) — a stress variant,
 *              since Philly at VC sizes is lightly loaded (~13% utilisation). Default 1 (the real trace).
 *
 *   maxJobs=N  optional: only the first N jobs (for profiling).
 *   config=JSON  optional: more policy options, e.g. config='{"preemption":{"maxPerWindow":10}}'.
 *   lasThresholds=a,b,…  optional: LAS queue thresholds in device-seconds (default 3600,36000).
 *
 * Prints one JSON summary per policy, then a Markdown comparison table. Reads the trace from ../shared (never
 * copied into the repository). Deterministic: no randomness anywhere; wallSeconds is the only varying field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makePolicy } from '../src/scheduler/policy.ts';
import { ORDER_NAMES, type OrderName } from '../src/scheduler/policies/order.ts';
import { phillyVcCluster, uniformCluster } from '../src/simulator/cluster.ts';
import { simulate } from '../src/simulator/engine.ts';
import { comparisonTable } from '../src/simulator/report.ts';
import { parsePhillyTrace, parseVcSizes } from '../src/simulator/trace.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const mode = args.mode ?? 'full';
const trace = args.trace ?? '../shared/traces/philly/philly.csv';
const policies = (args.policies ?? ORDER_NAMES.join(',')).split(',') as OrderName[];
const limitFactor = Number(args.limitFactor ?? 1);
const load = Number(args.load ?? 1);
const extra = args.config ? (JSON.parse(args.config) as Record<string, unknown>) : {};
const maxJobs = args.maxJobs ? Number(args.maxJobs) : undefined;
const lasThresholds = args.lasThresholds ? args.lasThresholds.split(',').map(Number) : undefined;

const t0 = performance.now();
const text = readFileSync(trace, 'utf8');
const sizes = parseVcSizes(readFileSync(join(trace, '..', 'vc-sizes.csv'), 'utf8'));
const perVc = mode === 'vc';
const jobs = parsePhillyTrace(text, { partitionPerVc: perVc, keepVcs: perVc ? new Set(sizes.keys()) : undefined, limitFactor, limit: maxJobs })
  .map((j) => (load === 1 ? j : { ...j, job: { ...j.job, submittedAt: Math.round(j.job.submittedAt / load) } }));
const nodes = perVc ? phillyVcCluster(sizes) : uniformCluster([...sizes.values()].reduce((a, b) => a + b, 0), 8, 'gpu', 'philly-gpu');
const parseSeconds = (performance.now() - t0) / 1000;
console.error(`mode=${mode} load=${load} jobs=${jobs.length} nodes=${nodes.length} gpus=${nodes.length * 8} parse=${parseSeconds.toFixed(2)}s`);

const summaries = [];
for (const order of policies) {
  const r = simulate(jobs, nodes, makePolicy({ ...extra, order, explain: 'none', las: { ...(extra.las as object | undefined), thresholds: lasThresholds } }), { clock: () => performance.now() / 1000 });
  const { tenants: _tenants, ...s } = r.summary;
  console.log(JSON.stringify({ bench: 'simulator-philly', mode, load, ...s, decisionsPerSecond: Math.round(s.decisions / s.wallSeconds) }));
  summaries.push(r.summary);
}
console.log(`\n${comparisonTable(summaries)}`);
