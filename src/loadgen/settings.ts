/**
 * A run's settings, as MLPerf Inference LoadGen 6.0 defines them: the same names (camelCased) and units
 * (latencies in ns, durations in ms, percentiles as fractions), the rules of its `mlperf.conf` for the
 * models the test bed runs, the `model.scenario.key = value` format submitters keep their `user.conf` in
 * (looked up exact key, then `*.Scenario`, then `model.*`, then `*.*`, as LoadGen does), and the values
 * LoadGen derives from them before a run (TestSettingsInternal). Every limit can be overridden for tests;
 * a run whose settings depart from the rules is still measured, and says so (see `departures`).
 */
import { CheomdanError } from '../core/errors.ts';

export const LOADGEN_VERSION = '6.0';
export const SCENARIOS = ['SingleStream', 'MultiStream', 'Server', 'Offline'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const MODES = ['performance', 'accuracy'] as const;
export type Mode = (typeof MODES)[number];

export interface TestSettings {
  scenario: Scenario;
  mode: Mode;
  singleStreamExpectedLatencyNs: number;
  singleStreamTargetLatencyPercentile: number;
  multiStreamExpectedLatencyNs: number;
  multiStreamTargetLatencyPercentile: number;
  multiStreamSamplesPerQuery: number;
  serverTargetQps: number;
  serverTargetLatencyNs: number;
  serverTargetLatencyPercentile: number;
  /** Queries outstanding at once in Server; 0 = no limit. */
  serverMaxAsyncQueries: number;
  offlineExpectedQps: number;
  minDurationMs: number;
  /** 0 = no limit. */
  maxDurationMs: number;
  minQueryCount: number;
  /** 0 = no limit. */
  maxQueryCount: number;
  qslRngSeed: bigint;
  sampleIndexRngSeed: bigint;
  scheduleRngSeed: bigint;
  /** 0 = the data set's own performance sample count. */
  performanceSampleCountOverride: number;
  /** Equal-issue mode: every loaded sample issued equally often (LLMs, 3D-UNet). */
  sampleConcatenatePermutation: boolean;
}

/** LoadGen's TestSettings defaults (test_settings.h), before any conf file. */
export const LOADGEN_DEFAULTS: TestSettings = {
  scenario: 'SingleStream', mode: 'performance',
  singleStreamExpectedLatencyNs: 1_000_000, singleStreamTargetLatencyPercentile: 0.9,
  multiStreamExpectedLatencyNs: 8_000_000, multiStreamTargetLatencyPercentile: 0.99, multiStreamSamplesPerQuery: 8,
  serverTargetQps: 1, serverTargetLatencyNs: 100_000_000, serverTargetLatencyPercentile: 0.99, serverMaxAsyncQueries: 0,
  offlineExpectedQps: 1,
  minDurationMs: 10_000, maxDurationMs: 0, minQueryCount: 100, maxQueryCount: 0,
  qslRngSeed: 0n, sampleIndexRngSeed: 0n, scheduleRngSeed: 0n,
  performanceSampleCountOverride: 0, sampleConcatenatePermutation: false,
};

/**
 * The rules of LoadGen 6.0's mlperf.conf for the models this test bed runs (the vision, language and
 * recommendation models whose latency is per sample), in the conf format itself. `digits-cnn` is the
 * project's own reference model (testbed/), held to the image-classification rules of resnet50.
 */
export const MLPERF_CONF = `
# LoadGen 6.0 mlperf.conf (mlcommons/inference, loadgen/mlperf.conf at version 6.0.17), the keys that apply
# to per-sample latency models. All times in milliseconds, percentiles in percent.
resnet50.*.performance_sample_count_override = 1024
retinanet.*.performance_sample_count_override = 64
bert.*.performance_sample_count_override = 10833
dlrm-v2.*.performance_sample_count_override = 204800
3d-unet.*.performance_sample_count_override = 0
digits-cnn.*.performance_sample_count_override = 1024

*.*.qsl_rng_seed = 2085463073848966840
*.*.sample_index_rng_seed = 2747215439041700203
*.*.schedule_rng_seed = 16159082839903944936

*.SingleStream.target_latency_percentile = 90
*.SingleStream.min_duration = 600000
*.MultiStream.target_latency_percentile = 99
*.MultiStream.samples_per_query = 8
*.MultiStream.min_duration = 600000
*.MultiStream.min_query_count = 662
retinanet.MultiStream.target_latency = 528
3d-unet.*.sample_concatenate_permutation = 1

*.Server.target_latency = 10
*.Server.target_latency_percentile = 99
*.Server.min_duration = 600000
resnet50.Server.target_latency = 15
digits-cnn.Server.target_latency = 15
retinanet.Server.target_latency = 100
bert.Server.target_latency = 130
dlrm-v2.Server.target_latency = 60

*.Offline.target_latency_percentile = 90
*.Offline.min_duration = 600000
resnet50.Offline.min_query_count = 24576
digits-cnn.Offline.min_query_count = 24576
retinanet.Offline.min_query_count = 24576
dlrm-v2.Offline.min_query_count = 24576
bert.Offline.min_query_count = 10833
3d-unet.Offline.min_query_count = 43

*.SingleStream.target_latency = 10
*.MultiStream.target_latency = 80
*.Server.target_qps = 1.0
*.Offline.target_qps = 1.0
`;

export type ConfEntries = ReadonlyMap<string, string>;

const NUMBER = /^[+-]?(0[xX][0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/;

/** Parses `model.scenario.key = value` lines (`#` starts a comment); names the line of anything else. */
export function parseConf(text: string, source = 'conf'): ConfEntries {
  const kv = new Map<string, string>();
  const errors: { path: string; message: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s*=\s*(\S+)$/.exec(line);
    const where = `${source}:${i + 1}`;
    if (!m) return errors.push({ path: where, message: `expected "model.scenario.key = value", got "${raw.trim()}"` });
    const [, key, value] = m as unknown as [string, string, string];
    if (key.split('.').length !== 3) return errors.push({ path: where, message: `key "${key}" must be model.scenario.key (use * for any model or scenario)` });
    if (!NUMBER.test(value)) return errors.push({ path: where, message: `value "${value}" of ${key} must be an integer or a decimal number` });
    kv.set(key, value);
  });
  if (errors.length > 0) {
    throw new CheomdanError('validation_failed', `${source}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return kv;
}

function lookup(kv: ConfEntries, model: string, scenario: string, key: string): string | undefined {
  return kv.get(`${model}.${scenario}.${key}`) ?? kv.get(`*.${scenario}.${key}`) ?? kv.get(`${model}.*.${key}`) ?? kv.get(`*.*.${key}`);
}

/**
 * Applies a conf to settings for one model and scenario, as LoadGen's TestSettings::FromConfig does.
 * `seeds` is true for mlperf.conf only: a user.conf cannot change the seeds.
 */
export function applyConf(base: TestSettings, kv: ConfEntries, model: string, opts: { seeds?: boolean } = {}): TestSettings {
  const s = { ...base };
  const sc = s.scenario;
  const num = (scenario: string, key: string, scale = 1): number | undefined => {
    const v = lookup(kv, model, scenario, key);
    return v === undefined ? undefined : Number(v) * scale;
  };
  const set = <K extends keyof TestSettings>(k: K, v: TestSettings[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  if (opts.seeds) {
    const seed = (key: string) => {
      const v = lookup(kv, model, sc, key);
      return v === undefined ? undefined : BigInt(v.split('.')[0]!);
    };
    set('qslRngSeed', seed('qsl_rng_seed'));
    set('sampleIndexRngSeed', seed('sample_index_rng_seed'));
    set('scheduleRngSeed', seed('schedule_rng_seed'));
  }
  set('singleStreamTargetLatencyPercentile', num('SingleStream', 'target_latency_percentile', 0.01));
  set('multiStreamTargetLatencyPercentile', num('MultiStream', 'target_latency_percentile', 0.01));
  set('multiStreamSamplesPerQuery', num('MultiStream', 'samples_per_query'));
  set('serverTargetLatencyPercentile', num('Server', 'target_latency_percentile', 0.01));
  set('serverTargetLatencyNs', num('Server', 'target_latency', 1e6));
  const concat = num(sc, 'sample_concatenate_permutation');
  if (concat !== undefined) s.sampleConcatenatePermutation = concat === 1;
  set('serverMaxAsyncQueries', num('Server', 'max_async_queries'));
  set('minDurationMs', num(sc, 'min_duration'));
  set('maxDurationMs', num(sc, 'max_duration'));
  set('minQueryCount', num(sc, 'min_query_count'));
  set('maxQueryCount', num(sc, 'max_query_count'));
  set('performanceSampleCountOverride', num(sc, 'performance_sample_count_override'));
  set('singleStreamExpectedLatencyNs', num('SingleStream', 'target_latency', 1e6));
  set('multiStreamExpectedLatencyNs', num('MultiStream', 'target_latency', 1e6));
  set('serverTargetQps', num('Server', 'target_qps'));
  set('offlineExpectedQps', num('Offline', 'target_qps'));
  const mode = num(sc, 'mode');
  if (mode === 1) s.mode = 'accuracy';
  else if (mode === 2) s.mode = 'performance';
  return s;
}

/** The rules for `model` in `scenario`: LoadGen's defaults, then mlperf.conf, then an optional user.conf. */
export function settingsFor(model: string, scenario: Scenario, userConf?: ConfEntries): TestSettings {
  const rules = applyConf({ ...LOADGEN_DEFAULTS, scenario }, parseConf(MLPERF_CONF, 'mlperf.conf'), model, { seeds: true });
  return userConf ? applyConf(rules, userConf, model) : rules;
}

/** Refuses settings no run can be made with, naming each field and what it needs. */
export function validateSettings(s: TestSettings): void {
  const errors: { path: string; message: string }[] = [];
  const positive = (path: keyof TestSettings, what: string) => {
    const v = s[path] as number;
    if (!(Number.isFinite(v) && v > 0)) errors.push({ path, message: `${what} must be greater than 0 (got ${v})` });
  };
  const fraction = (path: keyof TestSettings) => {
    const v = s[path] as number;
    if (!(v > 0 && v < 1)) errors.push({ path, message: `a percentile must lie strictly between 0 and 1, e.g. 0.99 for the 99th (got ${v})` });
  };
  const count = (path: keyof TestSettings) => {
    const v = s[path] as number;
    if (!(Number.isInteger(v) && v >= 0)) errors.push({ path, message: `must be a whole number, 0 or more (got ${v})` });
  };
  if (!SCENARIOS.includes(s.scenario)) errors.push({ path: 'scenario', message: `must be one of ${SCENARIOS.join(', ')}` });
  if (!MODES.includes(s.mode)) errors.push({ path: 'mode', message: `must be one of ${MODES.join(', ')}` });
  switch (s.scenario) {
    case 'SingleStream':
      positive('singleStreamExpectedLatencyNs', 'the expected latency');
      fraction('singleStreamTargetLatencyPercentile');
      break;
    case 'MultiStream':
      positive('multiStreamExpectedLatencyNs', 'the expected latency');
      fraction('multiStreamTargetLatencyPercentile');
      if (!(Number.isInteger(s.multiStreamSamplesPerQuery) && s.multiStreamSamplesPerQuery >= 1)) {
        errors.push({ path: 'multiStreamSamplesPerQuery', message: `must be a whole number, 1 or more (got ${s.multiStreamSamplesPerQuery})` });
      }
      break;
    case 'Server':
      positive('serverTargetQps', 'the target QPS');
      positive('serverTargetLatencyNs', 'the latency bound');
      fraction('serverTargetLatencyPercentile');
      count('serverMaxAsyncQueries');
      break;
    case 'Offline':
      positive('offlineExpectedQps', 'the expected QPS');
      break;
  }
  for (const k of ['minDurationMs', 'maxDurationMs', 'minQueryCount', 'maxQueryCount', 'performanceSampleCountOverride'] as const) count(k);
  if (s.maxDurationMs !== 0 && s.maxDurationMs < s.minDurationMs) {
    errors.push({ path: 'maxDurationMs', message: `must be 0 (no limit) or at least minDurationMs (${s.minDurationMs})` });
  }
  if (s.maxQueryCount !== 0 && s.maxQueryCount < s.minQueryCount) {
    errors.push({ path: 'maxQueryCount', message: `must be 0 (no limit) or at least minQueryCount (${s.minQueryCount})` });
  }
  if (errors.length > 0) {
    throw new CheomdanError('validation_failed', `impossible test settings: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
}

/** What LoadGen derives before a run (TestSettingsInternal), for a data set of `total` samples. */
export interface EffectiveSettings {
  requested: TestSettings;
  scenario: Scenario;
  mode: Mode;
  samplesPerQuery: number;
  targetQps: number;
  /** 0 = no limit. */
  maxAsyncQueries: number;
  targetDurationMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  minQueryCount: number;
  maxQueryCount: number;
  minSampleCount: number;
  targetLatencyNs: number;
  targetLatencyPercentile: number;
  performanceSampleCount: number;
}

export function deriveSettings(r: TestSettings, qsl: { totalSampleCount: number; performanceSampleCount: number }): EffectiveSettings {
  validateSettings(r);
  const e: EffectiveSettings = {
    requested: r, scenario: r.scenario, mode: r.mode, samplesPerQuery: 1, targetQps: 1, maxAsyncQueries: 0,
    targetDurationMs: r.minDurationMs, minDurationMs: r.minDurationMs, maxDurationMs: r.maxDurationMs,
    minQueryCount: r.minQueryCount, maxQueryCount: r.maxQueryCount, minSampleCount: 0,
    targetLatencyNs: 0, targetLatencyPercentile: 0.99,
    performanceSampleCount: r.performanceSampleCountOverride === 0 ? qsl.performanceSampleCount : r.performanceSampleCountOverride,
  };
  switch (r.scenario) {
    case 'SingleStream':
      Object.assign(e, { targetQps: 1e9 / r.singleStreamExpectedLatencyNs, maxAsyncQueries: 1, targetLatencyPercentile: r.singleStreamTargetLatencyPercentile });
      break;
    case 'MultiStream':
      Object.assign(e, {
        targetQps: 1e9 / r.multiStreamExpectedLatencyNs, maxAsyncQueries: 1,
        targetLatencyPercentile: r.multiStreamTargetLatencyPercentile, samplesPerQuery: r.multiStreamSamplesPerQuery,
      });
      break;
    case 'Server':
      Object.assign(e, {
        targetQps: r.serverTargetQps, targetLatencyNs: r.serverTargetLatencyNs,
        targetLatencyPercentile: r.serverTargetLatencyPercentile, maxAsyncQueries: r.serverMaxAsyncQueries,
      });
      break;
    case 'Offline': {
      const targetSampleCount = Math.floor(1.1 * (e.targetDurationMs / 1000) * r.offlineExpectedQps);
      Object.assign(e, {
        targetQps: r.offlineExpectedQps, targetLatencyPercentile: 0.99, maxAsyncQueries: 1,
        samplesPerQuery: Math.max(r.minQueryCount, targetSampleCount), minQueryCount: 1, targetDurationMs: 0,
      });
      break;
    }
  }
  if (r.sampleConcatenatePermutation && r.scenario === 'SingleStream') {
    const expected = Math.floor(2 * (e.targetDurationMs / 1000) * e.targetQps);
    e.minQueryCount = Math.max(e.minQueryCount, expected);
    e.minQueryCount += qsl.performanceSampleCount - (e.minQueryCount % qsl.performanceSampleCount);
  }
  e.minSampleCount = e.minQueryCount * e.samplesPerQuery;
  return e;
}

/** Where settings depart from LoadGen 6.0's rules for `model`: such a run is measured but not comparable. */
export function departures(s: TestSettings, model: string): string[] {
  const rules = settingsFor(model, s.scenario);
  const out: string[] = [];
  const bound = (key: keyof TestSettings, label: string, atLeast = true) => {
    const v = s[key] as number;
    const r = rules[key] as number;
    if (atLeast ? v < r : v !== r) out.push(`${label} is ${v}, the rules ${atLeast ? 'ask at least' : 'fix'} ${r}`);
  };
  bound('minDurationMs', 'minDurationMs');
  bound('minQueryCount', 'minQueryCount');
  if (s.scenario === 'Server') {
    if (s.serverTargetLatencyNs > rules.serverTargetLatencyNs) out.push(`the latency bound is ${s.serverTargetLatencyNs / 1e6} ms, the rules ask at most ${rules.serverTargetLatencyNs / 1e6} ms`);
    bound('serverTargetLatencyPercentile', 'the Server percentile', false);
  }
  if (s.scenario === 'SingleStream') bound('singleStreamTargetLatencyPercentile', 'the SingleStream percentile', false);
  if (s.scenario === 'MultiStream') {
    bound('multiStreamTargetLatencyPercentile', 'the MultiStream percentile', false);
    bound('multiStreamSamplesPerQuery', 'samples per query', false);
  }
  for (const k of ['qslRngSeed', 'sampleIndexRngSeed', 'scheduleRngSeed'] as const) {
    if (s[k] !== rules[k]) out.push(`${k} is ${s[k]}, the rules fix ${rules[k]}`);
  }
  return out;
}
