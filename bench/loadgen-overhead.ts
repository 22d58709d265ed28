/**
 * The load generator's own cost (issue 12), side by side with MLPerf's LoadGen 6.0 in the same command:
 * both drive a null system under test that answers each sample inline, on the same settings and seeds.
 *
 *   LOADGEN_SRC=/path/to/inference/loadgen bash bench/loadgen/build-loadgen.sh      # once
 *   node --import tsx bench/loadgen-overhead.ts [harness=/tmp/loadgen-build/null-sut-harness] [rounds=3]
 *
 * Measured, per round, alternating the two generators:
 *   - SingleStream rate: queries/s issued and answered (500,000 queries and 0.5 s at least, 4 M generated);
 *   - Server at 10,000 and 100,000 QPS for 2 s: sample latency p50/p99 (scheduled → answered; with an inline
 *     SUT this is the issue delay plus the call), and VALID or not under a 10 ms p99 bound;
 *   - the Server rates 200k…1M QPS: which are VALID (10 ms p99 bound, 2 s).
 * Targets: SingleStream rate and highest VALID Server QPS ≥ LoadGen's; p50 and p99 ≤ LoadGen's at 10k and 100k.
 * Reports medians over rounds and the ratios (ours / LoadGen's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type LoadResult } from '../src/loadgen/results.ts';
import { loadableSets, planQueries } from '../src/loadgen/schedule.ts';
import { LOADGEN_DEFAULTS, deriveSettings, settingsFor, type Scenario } from '../src/loadgen/settings.ts';
import { runRealtime } from '../src/testbed/issuer.ts';
import { NullSut } from '../src/testbed/sut/null.ts';

const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`${k}=`))?.slice(k.length + 1) ?? d;
const harness = arg('harness', '/tmp/loadgen-build/null-sut-harness');
const rounds = Number(arg('rounds', '3'));

interface Sample { rate: number; p50: number; p99: number; valid: boolean }

function loadgen(scenario: Scenario, minQueries: number, minDurationMs: number, target: number): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'lg-'));
  try {
    execFileSync(harness, [scenario, 'performance', '1024', '1024', String(minQueries), String(minDurationMs), String(target), '1', dir], { stdio: 'pipe' });
    const text = readFileSync(join(dir, 'mlperf_log_summary.txt'), 'utf8');
    const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    return {
      rate: scenario === 'SingleStream' ? num(/QPS w\/ loadgen overhead\s*:\s*([\d.]+)/) : num(/Completed samples per second\s*:\s*([\d.]+)/),
      p50: num(/50\.00 percentile latency \(ns\)\s*:\s*(\d+)/), p99: num(/99\.00 percentile latency \(ns\)\s*:\s*(\d+)/),
      valid: /Result is : VALID/.test(text),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ours(scenario: Scenario, minQueries: number, minDurationMs: number, target: number): Promise<Sample> {
  const rules = settingsFor('any', scenario);
  const s = deriveSettings({
    ...LOADGEN_DEFAULTS, scenario, minQueryCount: minQueries, minDurationMs,
    qslRngSeed: rules.qslRngSeed, sampleIndexRngSeed: rules.sampleIndexRngSeed, scheduleRngSeed: rules.scheduleRngSeed,
    singleStreamExpectedLatencyNs: target, serverTargetQps: target, serverTargetLatencyNs: 10e6,
  }, { totalSampleCount: 1024, performanceSampleCount: 1024 });
  const plan = planQueries(s, loadableSets(s, 1024, 1024)[0]!);
  const r: LoadResult = summarize(await runRealtime(s, plan, new NullSut()));
  return {
    rate: scenario === 'SingleStream' ? r.queriesIssued / (r.durationNs / 1e9) : r.completedSamplesPerSecond,
    p50: r.sampleLatency.percentilesNs['0.5']!, p99: r.sampleLatency.percentilesNs['0.99']!, valid: r.valid,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const cases: { name: string; scenario: Scenario; minQueries: number; minDurationMs: number; target: number }[] = [
  { name: 'SingleStream', scenario: 'SingleStream', minQueries: 500_000, minDurationMs: 500, target: 250 },
  { name: 'Server 10k', scenario: 'Server', minQueries: 100, minDurationMs: 2000, target: 10_000 },
  { name: 'Server 100k', scenario: 'Server', minQueries: 100, minDurationMs: 2000, target: 100_000 },
  ...[200_000, 400_000, 600_000, 800_000, 1_000_000].map((q) => ({ name: `Server ${q / 1000}k`, scenario: 'Server' as const, minQueries: 100, minDurationMs: 2000, target: q })),
];

const got = new Map<string, { lg: Sample[]; us: Sample[] }>();
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    const slot = got.get(c.name) ?? { lg: [], us: [] };
    got.set(c.name, slot);
    // alternate who goes first, so neither always meets a warmer machine
    if (round % 2 === 0) {
      slot.lg.push(loadgen(c.scenario, c.minQueries, c.minDurationMs, c.target));
      slot.us.push(await ours(c.scenario, c.minQueries, c.minDurationMs, c.target));
    } else {
      slot.us.push(await ours(c.scenario, c.minQueries, c.minDurationMs, c.target));
      slot.lg.push(loadgen(c.scenario, c.minQueries, c.minDurationMs, c.target));
    }
  }
}

const ratio = (a: number, b: number) => `${(a / b).toPrecision(2)}×`;
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
console.log(`load generator overhead, ${rounds} rounds, medians (ours vs LoadGen 6.0, inline null SUT)`);
console.log('case           | rate ours / LoadGen (ratio)        | p50 ns ours / LoadGen (ratio) | p99 ns ours / LoadGen (ratio) | VALID ours / LoadGen');
for (const c of cases) {
  const { lg, us } = got.get(c.name)!;
  const [r1, r2] = [median(us.map((x) => x.rate)), median(lg.map((x) => x.rate))];
  const [a1, a2] = [median(us.map((x) => x.p50)), median(lg.map((x) => x.p50))];
  const [b1, b2] = [median(us.map((x) => x.p99)), median(lg.map((x) => x.p99))];
  const valid = (v: Sample[]) => `${v.filter((x) => x.valid).length}/${v.length}`;
  console.log(`${c.name.padEnd(14)} | ${fmt(r1)} / ${fmt(r2)} (${ratio(r1, r2)}) | ${fmt(a1)} / ${fmt(a2)} (${ratio(a1, a2)}) | ${fmt(b1)} / ${fmt(b2)} (${ratio(b1, b2)}) | ${valid(us)} / ${valid(lg)}`);
}
