import { describe, expect, it } from 'vitest';
import { CheomdanError } from '../core/errors.ts';
import { LOADGEN_DEFAULTS, applyConf, deriveSettings, departures, parseConf, settingsFor, validateSettings } from './settings.ts';

const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheomdanError);
    return e as CheomdanError;
  }
  throw new Error('expected a problem');
};

describe('LoadGen 6.0 rules', () => {
  it("gives each scenario mlperf.conf's values, per model where the file says so", () => {
    const server = settingsFor('resnet50', 'Server');
    expect(server).toMatchObject({ serverTargetLatencyNs: 15e6, serverTargetLatencyPercentile: 0.99, minDurationMs: 600_000, performanceSampleCountOverride: 1024 });
    expect(server.scheduleRngSeed).toBe(16159082839903944936n);
    expect(settingsFor('bert', 'Server').serverTargetLatencyNs).toBe(130e6);
    expect(settingsFor('unknown-model', 'Server').serverTargetLatencyNs).toBe(10e6);
    expect(settingsFor('resnet50', 'MultiStream')).toMatchObject({ minQueryCount: 662, multiStreamSamplesPerQuery: 8, multiStreamTargetLatencyPercentile: 0.99 });
    expect(settingsFor('resnet50', 'SingleStream')).toMatchObject({ singleStreamTargetLatencyPercentile: 0.9, minDurationMs: 600_000, minQueryCount: 100 });
    expect(settingsFor('resnet50', 'Offline').minQueryCount).toBe(24576);
  });

  it('derives what LoadGen derives: Offline packs 1.1 × duration × QPS samples in one query', () => {
    const off = deriveSettings({ ...settingsFor('resnet50', 'Offline'), offlineExpectedQps: 1000 }, { totalSampleCount: 50_000, performanceSampleCount: 1024 });
    expect(off).toMatchObject({ samplesPerQuery: 660_000, minQueryCount: 1, targetDurationMs: 0, minSampleCount: 660_000, performanceSampleCount: 1024 });
    const small = deriveSettings({ ...settingsFor('resnet50', 'Offline'), offlineExpectedQps: 10 }, { totalSampleCount: 50_000, performanceSampleCount: 1024 });
    expect(small.samplesPerQuery).toBe(24576);
    const ss = deriveSettings({ ...settingsFor('resnet50', 'SingleStream'), singleStreamExpectedLatencyNs: 2e6 }, { totalSampleCount: 50_000, performanceSampleCount: 1024 });
    expect(ss).toMatchObject({ targetQps: 500, maxAsyncQueries: 1, targetLatencyPercentile: 0.9 });
  });

  it("reads a user.conf in LoadGen's format, most specific key first, but never its seeds", () => {
    const user = parseConf(['# mine', 'resnet50.Server.target_qps = 1234.5', '*.Server.target_qps = 7', '*.*.min_duration = 1000   # short, for a test',
      '*.*.schedule_rng_seed = 1'].join('\n'), 'user.conf');
    const s = settingsFor('resnet50', 'Server', user);
    expect(s.serverTargetQps).toBe(1234.5);
    expect(s.minDurationMs).toBe(1000);
    expect(s.scheduleRngSeed).toBe(16159082839903944936n);
    expect(settingsFor('bert', 'Server', user).serverTargetQps).toBe(7);
    expect(applyConf({ ...LOADGEN_DEFAULTS, scenario: 'Server' }, parseConf('*.Server.target_latency_percentile = 99.9'), 'x').serverTargetLatencyPercentile).toBeCloseTo(0.999, 12);
  });

  it('names the line of anything in a conf it cannot read', () => {
    const e = problem(() => parseConf('resnet50.Server.target_qps = 10\nnot a line\nresnet50.Server = 3\n*.*.min_duration = soon', 'user.conf'));
    expect(e.code).toBe('validation_failed');
    expect(e.errors?.map((x) => x.path)).toEqual(['user.conf:2', 'user.conf:3', 'user.conf:4']);
    expect(e.message).toMatch(/user.conf:4: value "soon" of \*\.\*\.min_duration must be an integer or a decimal number/);
  });

  it('refuses impossible settings, naming each field', () => {
    const e = problem(() => validateSettings({ ...settingsFor('resnet50', 'Server'), serverTargetQps: 0, serverTargetLatencyNs: -1 }));
    expect(e.errors?.map((x) => x.path)).toEqual(['serverTargetQps', 'serverTargetLatencyNs']);
    expect(e.message).toMatch(/the target QPS must be greater than 0 \(got 0\)/);
    expect(problem(() => validateSettings({ ...settingsFor('m', 'SingleStream'), singleStreamTargetLatencyPercentile: 90 })).message).toMatch(/strictly between 0 and 1/);
    expect(problem(() => validateSettings({ ...settingsFor('m', 'MultiStream'), multiStreamSamplesPerQuery: 0 })).errors?.[0]?.path).toBe('multiStreamSamplesPerQuery');
    expect(problem(() => validateSettings({ ...settingsFor('m', 'Offline'), offlineExpectedQps: Number.NaN })).errors?.[0]?.path).toBe('offlineExpectedQps');
    expect(problem(() => validateSettings({ ...settingsFor('m', 'Offline'), maxDurationMs: 5 })).errors?.[0]?.path).toBe('maxDurationMs');
    expect(() => validateSettings(settingsFor('resnet50', 'Server'))).not.toThrow();
  });

  it('lists where a run departs from the rules (such a run is measured, not comparable)', () => {
    expect(departures(settingsFor('resnet50', 'Server'), 'resnet50')).toEqual([]);
    expect(departures({ ...settingsFor('resnet50', 'Server'), minDurationMs: 1000, serverTargetLatencyNs: 50e6 }, 'resnet50')).toEqual([
      'minDurationMs is 1000, the rules ask at least 600000',
      'the latency bound is 50 ms, the rules ask at most 15 ms',
    ]);
  });
});
