/**
 * One test-bed benchmark against a running inference server, start to end: the rules for the model and
 * scenario (LoadGen 6.0's, with the caller's overrides, each departure listed), the sample library, the
 * schedule, the real-time run and its result; in accuracy mode every sample once and the MLPerf accuracy
 * rule against the FP32 reference; for Server, optionally the peak-QPS search. What it returns is the whole
 * record a fair comparison needs: settings, result, accuracy, and the provenance of what was measured.
 */
import { CheomdanError } from '../core/errors.ts';
import type { RunRecord } from '../loadgen/run.ts';
import { accuracyVerdict, summarize, type LoadResult } from '../loadgen/results.ts';
import { loadableSets, planQueries } from '../loadgen/schedule.ts';
import { LOADGEN_VERSION, departures, deriveSettings, settingsFor, validateSettings, type ConfEntries, type Scenario, type TestSettings } from '../loadgen/settings.ts';
import { findPeakQps, type PeakSearch } from '../loadgen/simulate.ts';
import { runRealtime } from './issuer.ts';
import type { QuerySampleLibrary } from './qsl.ts';
import { KServeSut, type ModelMetadata } from './sut/kserve.ts';

export interface BenchmarkRequest {
  endpoint: string;
  model: string;
  scenario: Scenario;
  mode: 'performance' | 'accuracy';
  qsl: QuerySampleLibrary;
  /** Overrides of the rules (a user.conf's worth), applied after them. */
  overrides?: Partial<TestSettings>;
  userConf?: ConfEntries;
  /** Server only: search the highest VALID target QPS from overrides.serverTargetQps. */
  findPeak?: boolean;
  /** The accuracy target, as a fraction of the reference's metric (MLPerf: 0.99, or 0.999 for the high-accuracy variants). */
  accuracyFraction?: number;
  timeoutMs?: number;
  /** Queries sent one at a time before the run (connections opened, code paths warmed), excluded from every result. Default 64. */
  warmupQueries?: number;
  /** Told each finished run of a peak-QPS search (the search can take many minutes). */
  onProgress?: (line: string) => void;
}

export interface BenchmarkReport {
  loadgenVersion: string;
  model: string;
  scenario: Scenario;
  mode: 'performance' | 'accuracy';
  settings: Record<string, string | number | boolean>;
  departures: string[];
  result: LoadResult;
  accuracy: { metric: string; value: number; reference: number; referenceModel: string; fraction: number; passed: boolean; required: number; message: string } | null;
  peak: { peakQps: number | null; tried: PeakSearch['tried'] } | null;
  sut: { endpoint: string; metadata: ModelMetadata | null; errors: string[] };
  valid: boolean;
}

const printable = (s: TestSettings) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) as Record<string, string | number | boolean>;

function mergeRecords(records: RunRecord[]): RunRecord {
  if (records.length === 1) return records[0]!;
  const cat = (pick: (r: RunRecord) => Float64Array) => {
    const out = new Float64Array(records.reduce((n, r) => n + pick(r).length, 0));
    let at = 0;
    for (const r of records) {
      out.set(pick(r), at);
      at += pick(r).length;
    }
    return out;
  };
  const last = records[records.length - 1]!;
  return {
    ...last, queriesIssued: records.reduce((n, r) => n + r.queriesIssued, 0),
    sampleLatencyNs: cat((r) => r.sampleLatencyNs), queryLatencyNs: cat((r) => r.queryLatencyNs), issueDelayNs: cat((r) => r.issueDelayNs),
    maxLatencyNs: Math.max(...records.map((r) => r.maxLatencyNs)), failedSamples: records.reduce((n, r) => n + r.failedSamples, 0),
  };
}

/** Warm-up: a short SingleStream of its own, whose record is dropped (and whose errors are not the run's). */
async function warmUp(sut: KServeSut, qsl: QuerySampleLibrary, queries: number): Promise<void> {
  if (queries <= 0) return;
  const s = deriveSettings({ ...settingsFor('warmup', 'SingleStream'), minDurationMs: 0, minQueryCount: queries, maxQueryCount: queries }, qsl);
  const plan = planQueries(s, loadableSets(s, s.performanceSampleCount, qsl.totalSampleCount)[0]!);
  await runRealtime(s, plan, sut);
  sut.resetErrors();
}

export async function runBenchmark(req: BenchmarkRequest): Promise<BenchmarkReport> {
  const requested: TestSettings = { ...settingsFor(req.model, req.scenario, req.userConf), ...req.overrides, scenario: req.scenario, mode: req.mode };
  validateSettings(requested);
  if (req.findPeak && req.scenario !== 'Server') {
    throw new CheomdanError('validation_failed', 'the peak-QPS search is for the Server scenario only', { errors: [{ path: 'findPeak', message: 'Server only' }] });
  }
  const qsl = req.qsl;
  const sut = new KServeSut({ url: req.endpoint, model: req.model, qsl, keepPredictions: req.mode === 'accuracy', timeoutMs: req.timeoutMs });
  try {
    const metadata = await sut.check();
    await warmUp(sut, qsl, req.warmupQueries ?? 64);
    const runOnce = async (settings: TestSettings): Promise<LoadResult> => {
      const s = deriveSettings(settings, qsl);
      const sets = loadableSets(s, req.mode === 'accuracy' ? qsl.totalSampleCount : s.performanceSampleCount, qsl.totalSampleCount);
      const records: RunRecord[] = [];
      for (const set of req.mode === 'accuracy' ? sets : sets.slice(0, 1)) records.push(await runRealtime(s, planQueries(s, set), sut));
      return summarize(mergeRecords(records));
    };
    let peak: BenchmarkReport['peak'] = null;
    let result: LoadResult;
    let final = requested;
    if (req.findPeak) {
      const search = await findPeakQps(async (qps) => {
        const r = await runOnce({ ...requested, serverTargetQps: qps });
        req.onProgress?.(`peak search: ${+qps.toFixed(1)} QPS ${r.valid ? 'VALID' : `INVALID (${r.reasons.map((x) => x.code).join(', ')})`}`);
        return r;
      }, { startQps: requested.serverTargetQps, maxRuns: 12 });
      peak = { peakQps: search.peakQps, tried: search.tried };
      if (search.peak) {
        result = search.peak;
        final = { ...requested, serverTargetQps: search.peakQps! };
      } else {
        result = await runOnce(requested);
      }
    } else {
      result = await runOnce(requested);
    }
    let accuracy: BenchmarkReport['accuracy'] = null;
    if (req.mode === 'accuracy') {
      let correct = 0;
      for (let i = 0; i < qsl.totalSampleCount; i++) if (sut.predictions[i] === qsl.label(i)) correct++;
      const value = correct / qsl.totalSampleCount;
      const reference = qsl.reference.value;
      const fraction = req.accuracyFraction ?? 0.99;
      accuracy = { metric: qsl.metric, value, reference, referenceModel: qsl.reference.model, fraction, ...accuracyVerdict(value, reference, fraction) };
    }
    return {
      loadgenVersion: LOADGEN_VERSION, model: req.model, scenario: req.scenario, mode: req.mode,
      settings: printable(final), departures: departures(final, req.model), result, accuracy, peak,
      sut: { endpoint: req.endpoint, metadata, errors: sut.errors },
      valid: result.valid && (accuracy?.passed ?? true),
    };
  } finally {
    sut.close();
  }
}

