import { describe, expect, it } from 'vitest';
import { LOADGEN_DEFAULTS, deriveSettings, settingsFor, type Mode, type Scenario, type TestSettings } from './settings.ts';
import { loadableSets, planQueries } from './schedule.ts';

// Expected values: MLPerf LoadGen 6.0 itself, built here (bench/loadgen/build-loadgen.sh) and driven by
// bench/loadgen/null-sut-harness.cc with the same settings, recording the QSL indices its SUT was sent.
const fnv1a = (v: ArrayLike<number>) => {
  let h = 1469598103934665603n;
  for (let i = 0; i < v.length; i++) h = ((h ^ BigInt(v[i]!)) * 1099511628211n) & 0xffffffffffffffffn;
  return h;
};

function harness(scenario: Scenario, mode: Mode, total: number, perf: number, minQueries: number, target: number, minDurationMs = 0): number[] {
  const rules = settingsFor('any', scenario);
  const ts: TestSettings = {
    ...LOADGEN_DEFAULTS, scenario, mode, minQueryCount: minQueries, minDurationMs,
    qslRngSeed: rules.qslRngSeed, sampleIndexRngSeed: rules.sampleIndexRngSeed, scheduleRngSeed: rules.scheduleRngSeed,
    singleStreamExpectedLatencyNs: target, multiStreamExpectedLatencyNs: target, serverTargetQps: target, offlineExpectedQps: target,
    serverTargetLatencyNs: 10_000_000,
  };
  const s = deriveSettings(ts, { totalSampleCount: total, performanceSampleCount: perf });
  const sets = loadableSets(s, mode === 'accuracy' ? total : s.performanceSampleCount, total);
  const issued: number[] = [];
  for (const set of mode === 'accuracy' ? sets : sets.slice(0, 1)) {
    const plan = planQueries(s, set);
    for (const x of plan.samples) issued.push(x);
  }
  return issued;
}

describe('the schedule is the one LoadGen 6.0 issues, sample for sample', () => {
  const cases: [Scenario, Mode, number, number, number, number, number, number[], bigint][] = [
    ['SingleStream', 'performance', 1024, 1024, 100, 1e6, 100, [784, 618, 960, 248, 513, 635, 155, 667], 10694759078273064415n],
    ['MultiStream', 'performance', 1024, 1024, 50, 8e6, 400, [678, 266, 573, 278, 241, 816, 958, 576], 6759187001990977606n],
    ['Server', 'performance', 1024, 1024, 200, 1000, 200, [784, 618, 960, 248, 513, 635, 155, 667], 11731364963714167775n],
    ['Offline', 'performance', 1024, 1024, 3000, 1, 3000, [216, 267, 822, 906, 663, 580, 710, 908], 16262446080380013330n],
    ['SingleStream', 'accuracy', 3000, 1024, 100, 1e6, 3000, [1541, 1378, 2880, 2418, 1171, 2627, 1889, 1321], 6688191402313637729n],
    ['MultiStream', 'accuracy', 1000, 256, 10, 8e6, 1000, [867, 901, 352, 336, 468, 707, 646, 57], 16526337559421832539n],
    ['Offline', 'accuracy', 1000, 256, 10, 1, 1000, [216, 267, 822, 906, 663, 580, 710, 908], 17098977587807824155n],
  ];
  for (const [scenario, mode, total, perf, minQ, target, count, first, hash] of cases) {
    it(`${scenario}, ${mode} mode, ${total} samples`, () => {
      const issued = harness(scenario, mode, total, perf, minQ, target);
      expect(issued.length).toBe(count);
      expect(issued.slice(0, 8)).toEqual(first);
      expect(fnv1a(issued)).toBe(hash);
    });
  }

  it('Server: the Poisson schedule has as many queries as LoadGen generates for the duration (10,000 and 100,000 QPS over 2 s)', () => {
    expect(harness('Server', 'performance', 1024, 1024, 100, 10_000, 2000).length).toBe(20236);
    const fast = harness('Server', 'performance', 1024, 1024, 100, 100_000, 2000);
    expect(fast.length).toBe(200280);
    expect(fnv1a(fast)).toBe(14399101434382840269n);
  });

  it('accuracy mode issues every sample exactly once', () => {
    for (const scenario of ['SingleStream', 'MultiStream', 'Server', 'Offline'] as const) {
      const issued = harness(scenario, 'accuracy', 1000, 256, 10, scenario === 'Server' ? 100 : 1e6);
      expect([...issued].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
  });
});
