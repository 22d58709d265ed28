/**
 * What the `cheomdan testbed` commands share: reading durations (with their unit), counts and scenario
 * names from flags, and a benchmark report as text.
 */
import { InvalidArgumentError } from 'commander';
import { SCENARIOS, type Scenario } from '../../loadgen/settings.ts';
import type { BenchmarkReport } from '../../testbed/benchmark.ts';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 };
/** "15ms", "1.5s", "10m", "250us" → ns. A bare number is refused: a latency needs its unit. */
export function parseDurationNs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|min|h)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration; give a number and a unit: 15ms, 1.5s, 10m, 250us`);
  const ns = Number(m[1]) * UNITS[m[2]!]!;
  if (!(ns > 0)) throw new InvalidArgumentError('must be greater than 0');
  return ns;
}
export const positive = (v: string) => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('must be a number greater than 0');
  return n;
};
export const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
};
export function scenarioOf(v: string): Scenario {
  const found = SCENARIOS.find((s) => s.toLowerCase() === v.toLowerCase().replace(/[-_ ]/g, ''));
  if (!found) throw new InvalidArgumentError(`must be one of ${SCENARIOS.join(', ')} (any case)`);
  return found;
}

const ms = (ns: number) => `${+(ns / 1e6).toPrecision(4)} ms`;

export function reportLines(r: BenchmarkReport): string[] {
  const res = r.result;
  const p = (x: number) => res.latency.percentilesNs[String(x)];
  const meta = r.sut.metadata;
  const lines = [
    `${r.model} · ${r.scenario} · ${r.mode}   (MLPerf LoadGen ${r.loadgenVersion} rules)`,
    `SUT        ${r.sut.endpoint}  ${meta?.platform ?? ''}${meta?.parameters?.runtime ? ` · ${String(meta.parameters.runtime)}` : ''}${meta?.parameters?.sha256 ? ` · model sha256 ${String(meta.parameters.sha256).slice(0, 12)}…` : ''}`,
    `Result     ${r.valid ? 'VALID' : 'INVALID'}`,
  ];
  if (r.mode === 'performance') {
    if (res.metric.name === 'latency_ns') lines.push(`${(res.targetPercentile * 100).toFixed(1)}th percentile latency  ${ms(res.metric.value)}${res.earlyStopping?.met ? ' (early-stopping estimate)' : ''}`);
    if (res.metric.name === 'scheduled_qps') lines.push(`Scheduled QPS        ${res.metric.value}`, `Completed samples/s  ${res.completedSamplesPerSecond.toFixed(1)}`);
    if (res.metric.name === 'samples_per_second') lines.push(`Samples per second   ${res.metric.value.toFixed(1)}`);
    if (res.latency.count > 0) {
      lines.push(`Latency    p50 ${ms(p(0.5)!)} · p90 ${ms(p(0.9)!)} · p99 ${ms(p(0.99)!)} · max ${ms(res.latency.maxNs)}${res.targetLatencyNs ? `   (bound ${ms(res.targetLatencyNs)} at p${res.targetPercentile * 100})` : ''}`);
    }
    if (res.earlyStopping) lines.push(`Early stopping  ${res.earlyStopping.met ? 'met' : 'NOT met'}: ${res.earlyStopping.message}`);
    if (res.issueDelay) lines.push(`Issue delay p50 ${ms(res.issueDelay.percentilesNs['0.5'] ?? 0)} · p99 ${ms(res.issueDelay.percentilesNs['0.99'] ?? 0)} (the generator's own lateness)`);
  }
  lines.push(`Queries    ${res.queriesIssued} (${res.samplesCompleted} samples answered${res.failedSamples ? `, ${res.failedSamples} failed` : ''}) in ${(res.durationNs / 1e9).toFixed(2)} s`);
  if (r.accuracy) lines.push(`Accuracy   ${r.accuracy.metric} ${r.accuracy.message}`);
  if (r.peak) lines.push(`Peak QPS   ${r.peak.peakQps ?? 'none VALID'} (tried ${r.peak.tried.map((t) => `${+t.qps.toFixed(1)}${t.valid ? '✓' : '✗'}`).join(' ')})`);
  for (const reason of res.reasons) lines.push(`  INVALID: ${reason.message}`);
  for (const e of r.sut.errors.slice(0, 3)) lines.push(`  the server said: ${e}`);
  if (r.departures.length > 0) lines.push(`Departs from the ${r.loadgenVersion} rules (not comparable with a submission): ${r.departures.join('; ')}`);
  return lines;
}

