/**
 * A run's result, decided as LoadGen 6.0's results.cc decides it: latency percentiles (the sorted
 * latencies at index ⌊n·p⌋), the scenario's metric, and VALID only when the minimum duration, the minimum
 * query and sample counts, the Server latency bound and early stopping are all met. Each miss is a reason
 * with a code and a sentence that says what to change. A system under test that answered any sample with
 * an error makes the run INVALID too (LoadGen has no such case: its SUT cannot fail).
 */
import { MinPassingQueries, estimatePercentile, serverEarlyStopping } from './earlyStopping.ts';
import type { EndReason, RunRecord } from './run.ts';
import type { Mode, Scenario } from './settings.ts';

export const REPORTED_PERCENTILES = [0.5, 0.9, 0.95, 0.97, 0.99, 0.999] as const;

export type InvalidReason =
  | 'duration_too_short' | 'too_few_queries' | 'latency_bound_missed' | 'early_stopping_not_met' | 'sut_errors' | 'no_queries';

export interface LatencySummary {
  count: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  /** Percentile (as a fraction) → ns, for REPORTED_PERCENTILES and the target. */
  percentilesNs: Record<string, number>;
  /** The latency distribution for plots: the latency at each percentile 0, 1, …, 99 and the maximum (101 points; empty when nothing completed). */
  cdfNs: number[];
}

export interface LoadResult {
  scenario: Scenario;
  mode: Mode;
  valid: boolean;
  reasons: { code: InvalidReason; message: string }[];
  endReason: EndReason;
  queriesIssued: number;
  samplesCompleted: number;
  failedSamples: number;
  /** The scenario's metric: SingleStream/MultiStream the target-percentile latency (ns; early-stopping estimate where met), Server the scheduled QPS, Offline samples/s. */
  metric: { name: 'latency_ns' | 'scheduled_qps' | 'samples_per_second'; value: number };
  /** Samples per second as completed: Server (n - 1) / last completion, Offline n / longest latency, SingleStream/MultiStream n / last completion. */
  completedSamplesPerSecond: number;
  targetPercentile: number;
  targetLatencyNs: number | null;
  /** Per sample (SingleStream, Server, Offline) or per query (MultiStream). */
  latency: LatencySummary;
  /** Sample latencies of SingleStream, Server and Offline; MultiStream's query latencies are in `latency`. */
  sampleLatency: LatencySummary;
  earlyStopping: { met: boolean; estimateNs: number | null; message: string } | null;
  overlatencyCount: number | null;
  /** Actual issue − scheduled time, ns (Server): how late the generator itself was. */
  issueDelay: LatencySummary | null;
  durationNs: number;
}

const at = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function summarizeLatencies(values: Float64Array, extra: readonly number[] = []): { summary: LatencySummary; sorted: Float64Array } {
  const sorted = values.slice().sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const percentilesNs: Record<string, number> = {};
  if (sorted.length > 0) for (const p of [...REPORTED_PERCENTILES, ...extra]) percentilesNs[String(p)] = at(sorted, p);
  const cdfNs = sorted.length === 0 ? [] : Array.from({ length: 101 }, (_, i) => (i === 100 ? sorted[sorted.length - 1]! : at(sorted, i / 100)));
  return {
    sorted,
    summary: {
      count: sorted.length, minNs: sorted[0] ?? 0, maxNs: sorted[sorted.length - 1] ?? 0,
      meanNs: sorted.length > 0 ? sum / sorted.length : 0, percentilesNs, cdfNs,
    },
  };
}

function completedOnly(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) if (Number.isFinite(x)) n++;
  if (n === v.length) return v;
  const out = new Float64Array(n);
  let i = 0;
  for (const x of v) if (Number.isFinite(x)) out[i++] = x;
  return out;
}

const ms = (ns: number) => `${+(ns / 1e6).toFixed(3)} ms`;

export function summarize(r: RunRecord): LoadResult {
  const s = r.settings;
  const p = s.targetLatencyPercentile;
  const samples = summarizeLatencies(completedOnly(r.sampleLatencyNs), [p]);
  const multi = s.scenario === 'MultiStream';
  const queries = multi ? summarizeLatencies(completedOnly(r.queryLatencyNs), [p]) : samples;
  const reasons: LoadResult['reasons'] = [];
  const n = r.queriesIssued;
  const sampleCount = samples.summary.count;

  if (n === 0) reasons.push({ code: 'no_queries', message: 'no query was issued' });
  if (r.failedSamples > 0) {
    reasons.push({ code: 'sut_errors', message: `the system under test answered ${r.failedSamples} of ${r.sampleLatencyNs.length} samples with an error` });
  }

  let earlyStopping: LoadResult['earlyStopping'] = null;
  let overlatency: number | null = null;
  let metricValue: number;
  let metricName: LoadResult['metric']['name'];
  if (s.mode === 'performance' && n > 0) {
    const minNs = s.minDurationMs * 1e6;
    const durationMet = s.scenario === 'Offline' ? r.maxLatencyNs >= minNs
      : s.scenario === 'Server' ? r.finalQueryScheduledNs >= minNs : r.finalQueryIssuedNs >= minNs;
    if (!durationMet) {
      const late = r.finalQueryIssuedNs - r.finalQueryScheduledNs;
      const hint = s.scenario === 'Server' && late > 1e6
        ? `the generator ran late (its last query went out ${+(late / 1e6).toPrecision(3)} ms after its scheduled time, so the run ended on the clock before the schedule reached the minimum): the machine running the generator was too busy; rerun where it is quieter, or raise the minimum query count so the count ends the run`
        : s.scenario === 'Server' ? 'raise the target QPS so more queries are scheduled'
        : s.scenario === 'Offline' ? 'raise the expected QPS so the one query holds more samples'
        : 'lower the expected latency so more queries are generated';
      reasons.push({ code: 'duration_too_short', message: `the run lasted less than the minimum duration of ${s.minDurationMs} ms: ${hint}` });
    }
    if (n < s.minQueryCount || sampleCount < s.minSampleCount) {
      reasons.push({
        code: 'too_few_queries',
        message: `${n} queries (${sampleCount} samples) were issued, the minimum is ${s.minQueryCount} (${s.minSampleCount} samples)` +
          (r.endReason === 'out_of_queries' ? ': the generated schedule ran out; set the expected latency or QPS closer to what the system does' : ''),
      });
    }
    const finder = new MinPassingQueries(p);
    if (s.scenario === 'Server') {
      const target = s.targetLatencyNs;
      overlatency = 0;
      for (const x of samples.sorted) if (x > target) overlatency++;
      const pLatency = at(samples.sorted, p);
      if (pLatency > target) {
        reasons.push({ code: 'latency_bound_missed', message: `the ${p * 100}th percentile latency is ${ms(pLatency)}, over the bound of ${ms(target)}: lower the target QPS` });
      }
      const es = serverEarlyStopping(n, overlatency, finder);
      earlyStopping = { met: es.met, estimateNs: null, message: es.met ? 'run successful' : `${es.moreQueries} more queries would be needed, each within the bound` };
    } else if (s.scenario !== 'Offline') {
      const es = estimatePercentile(n, finder);
      const latencies = queries.sorted;
      earlyStopping = es.met
        ? { met: true, estimateNs: latencies[es.estimateIndex] ?? null, message: `${es.discarded} slowest queries discarded for the ${p * 100}th percentile estimate` }
        : { met: false, estimateNs: null, message: `only ${n} queries were processed; early stopping needs at least ${es.minQueries}` };
    }
    if (earlyStopping && !earlyStopping.met) reasons.push({ code: 'early_stopping_not_met', message: `early stopping: ${earlyStopping.message}` });
  }

  switch (s.scenario) {
    case 'SingleStream':
    case 'MultiStream':
      metricName = 'latency_ns';
      metricValue = earlyStopping?.estimateNs ?? (queries.summary.count > 0 ? at(queries.sorted, p) : 0);
      break;
    case 'Server':
      metricName = 'scheduled_qps';
      metricValue = s.targetQps;
      break;
    case 'Offline':
      metricName = 'samples_per_second';
      metricValue = r.maxLatencyNs > 0 ? sampleCount / (r.maxLatencyNs / 1e9) : 0;
      break;
  }
  const completedPerSecond = s.scenario === 'Offline'
    ? metricValue
    : r.finalQueryAllDoneNs > 0 ? (s.scenario === 'Server' ? sampleCount - 1 : sampleCount) / (r.finalQueryAllDoneNs / 1e9) : 0;

  return {
    scenario: s.scenario, mode: s.mode, valid: reasons.length === 0, reasons, endReason: r.endReason,
    queriesIssued: n, samplesCompleted: sampleCount, failedSamples: r.failedSamples,
    metric: { name: metricName, value: metricValue }, completedSamplesPerSecond: completedPerSecond,
    targetPercentile: p, targetLatencyNs: s.scenario === 'Server' ? s.targetLatencyNs : null,
    latency: queries.summary, sampleLatency: samples.summary, earlyStopping, overlatencyCount: overlatency,
    issueDelay: s.scenario === 'Server' ? summarizeLatencies(r.issueDelayNs).summary : null,
    durationNs: Math.max(r.finalQueryAllDoneNs, r.maxLatencyNs),
  };
}

/** MLPerf's accuracy rule: the run's task metric must reach `fraction` (0.99 or 0.999) of the FP32 reference's. */
export function accuracyVerdict(metric: number, reference: number, fraction: 0.99 | 0.999 | number = 0.99): { passed: boolean; required: number; message: string } {
  const required = reference * fraction;
  const passed = metric >= required;
  return {
    passed, required,
    message: `${passed ? 'passes' : 'fails'}: ${+(metric * 100).toFixed(3)}% against the required ${+(required * 100).toFixed(3)}% (${fraction * 100}% of the FP32 reference's ${+(reference * 100).toFixed(3)}%)`,
  };
}
