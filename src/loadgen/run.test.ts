import { describe, expect, it } from 'vitest';
import { LoadRun } from './run.ts';
import { accuracyVerdict, summarize } from './results.ts';
import { loadableSets, planQueries } from './schedule.ts';
import { deriveSettings, settingsFor, type Scenario, type TestSettings } from './settings.ts';
import { findPeakQps, simulateRun, type SutModel } from './simulate.ts';

const QSL = { totalSampleCount: 1024, performanceSampleCount: 1024 };
const MS = 1e6;

function prepare(scenario: Scenario, over: Partial<TestSettings> = {}) {
  const s = deriveSettings({ ...settingsFor('digits-cnn', scenario), ...over }, QSL);
  const set = loadableSets(s, s.mode === 'accuracy' ? QSL.totalSampleCount : s.performanceSampleCount, QSL.totalSampleCount)[0]!;
  return { s, plan: planQueries(s, set) };
}
const fixed = (workers: number, ns: number): SutModel => ({ workers, serviceNs: () => ns });
const simulate = (scenario: Scenario, over: Partial<TestSettings>, sut: SutModel) => {
  const { s, plan } = prepare(scenario, over);
  return summarize(simulateRun(s, plan, sut));
};

describe('a run in virtual time, by the rules of LoadGen 6.0', () => {
  it('SingleStream: one query at a time until the minimum count and duration are met; the 90th percentile is the service time', () => {
    const r = simulate('SingleStream', { minDurationMs: 1000, singleStreamExpectedLatencyNs: 1 * MS }, fixed(1, 1 * MS));
    expect(r.valid).toBe(true);
    expect(r.queriesIssued).toBe(1001); // issued at 0, 1, …, 1000 ms: the last at the minimum duration
    expect(r.metric).toEqual({ name: 'latency_ns', value: 1 * MS });
    expect(r.earlyStopping).toMatchObject({ met: true, estimateNs: 1 * MS });
    expect(r.latency.percentilesNs['0.9']).toBe(1 * MS);
  });

  it('SingleStream: a schedule that runs out before the minimum duration is INVALID, saying what to change', () => {
    const r = simulate('SingleStream', { minDurationMs: 1000, singleStreamExpectedLatencyNs: 1 * MS, minQueryCount: 100 }, fixed(1, 0.1 * MS));
    expect(r.endReason).toBe('out_of_queries');
    expect(r.queriesIssued).toBe(2001); // LoadGen generates 2 × duration / expected latency
    expect(r.valid).toBe(false);
    expect(r.reasons.map((x) => x.code)).toEqual(['duration_too_short']);
    expect(r.reasons[0]!.message).toMatch(/lower the expected latency/);
  });

  it('SingleStream: too few queries for early stopping is INVALID', () => {
    const r = simulate('SingleStream', { minDurationMs: 50, minQueryCount: 10, singleStreamExpectedLatencyNs: 1 * MS }, fixed(1, 1 * MS));
    expect(r.queriesIssued).toBe(51);
    expect(r.reasons.map((x) => x.code)).toEqual(['early_stopping_not_met']);
    expect(r.reasons[0]!.message).toMatch(/needs at least 64/);
  });

  it('MultiStream: a query of 8 samples on one worker takes 8 service times; its 99th percentile is per query', () => {
    const r = simulate('MultiStream', { minDurationMs: 6000, minQueryCount: 100, multiStreamExpectedLatencyNs: 8 * MS }, fixed(1, 1 * MS));
    expect(r.valid).toBe(true);
    expect(r.samplesCompleted).toBe(r.queriesIssued * 8);
    expect(r.metric.value).toBe(8 * MS);
    expect(r.sampleLatency.percentilesNs['0.5']).toBe(5 * MS); // samples finish 1 … 8 ms after the query's start
  });

  it('Offline: every sample at once; throughput is the workers over the service time', () => {
    const r = simulate('Offline', { minDurationMs: 1000, offlineExpectedQps: 2000, minQueryCount: 100 }, fixed(2, 1 * MS));
    expect(r.valid).toBe(true);
    expect(r.samplesCompleted).toBe(2200);
    expect(r.metric.name).toBe('samples_per_second');
    expect(r.metric.value).toBeCloseTo(2000, 6);
    const short = simulate('Offline', { minDurationMs: 1000, offlineExpectedQps: 500, minQueryCount: 100 }, fixed(2, 1 * MS));
    expect(short.reasons.map((x) => x.code)).toEqual(['duration_too_short']);
  });

  it('Server: VALID below capacity; over it the 99th-percentile bound is missed', () => {
    const base = { minDurationMs: 5000, serverTargetLatencyNs: 10 * MS };
    const ok = simulate('Server', { ...base, serverTargetQps: 500 }, fixed(1, 1 * MS));
    expect(ok.valid).toBe(true);
    expect(ok.metric).toEqual({ name: 'scheduled_qps', value: 500 });
    expect(ok.queriesIssued).toBeGreaterThan(2400);
    expect(ok.issueDelay?.maxNs).toBe(0); // virtual time: issued exactly when scheduled
    const over = simulate('Server', { ...base, serverTargetQps: 1100 }, fixed(1, 1 * MS));
    expect(over.valid).toBe(false);
    expect(over.reasons.map((x) => x.code)).toContain('latency_bound_missed');
    expect(over.reasons.find((x) => x.code === 'latency_bound_missed')!.message).toMatch(/lower the target QPS/);
    expect(over.overlatencyCount).toBeGreaterThan(0);
  });

  it('Server: stops issuing when more queries are outstanding than max_async_queries allows', () => {
    const r = simulate('Server', { minDurationMs: 1000, serverTargetQps: 1000, serverMaxAsyncQueries: 4 }, fixed(1, 10 * MS));
    expect(r.endReason).toBe('too_many_outstanding');
    expect(r.valid).toBe(false);
  });

  it('the peak Server QPS search brackets and bisects to the highest VALID rate (M/D/1 at 1 ms: below 1,000)', async () => {
    const search = await findPeakQps(
      (qps) => simulate('Server', { minDurationMs: 3000, serverTargetLatencyNs: 10 * MS, serverTargetQps: qps }, fixed(1, 1 * MS)),
      { startQps: 100, relativePrecision: 0.01 },
    );
    expect(search.peakQps).toBeGreaterThan(600);
    expect(search.peakQps).toBeLessThan(1000);
    expect(search.peak?.valid).toBe(true);
    const above = search.tried.filter((t) => t.qps > search.peakQps!);
    expect(above.every((t) => !t.valid)).toBe(true);
    // The bracket closes within 1%; a run just above the peak may keep the bound yet miss early stopping.
    expect(Math.min(...above.map((t) => t.qps)) / search.peakQps!).toBeLessThanOrEqual(1.02);
  });

  it('is reproducible: the same settings give the same record', () => {
    const a = simulate('Server', { minDurationMs: 1000, serverTargetQps: 800 }, { workers: 2, serviceNs: (i) => (1 + (i % 7)) * 0.2 * MS });
    const b = simulate('Server', { minDurationMs: 1000, serverTargetQps: 800 }, { workers: 2, serviceNs: (i) => (1 + (i % 7)) * 0.2 * MS });
    expect(b).toEqual(a);
  });

  it('accuracy mode issues every sample once and judges nothing but completion', () => {
    const r = simulate('Server', { mode: 'accuracy', serverTargetQps: 10_000 }, fixed(4, 1 * MS));
    expect(r.samplesCompleted).toBe(1024);
    expect(r.valid).toBe(true);
    expect(accuracyVerdict(0.985, 0.99).passed).toBe(true);
    expect(accuracyVerdict(0.97, 0.99)).toMatchObject({ passed: false, message: expect.stringMatching(/fails: 97% against the required 98\.01%/) });
    expect(accuracyVerdict(0.9885, 0.99, 0.999).passed).toBe(false);
  });

  it('samples the system under test failed make the run INVALID', () => {
    const { s, plan } = prepare('SingleStream', { minDurationMs: 0, minQueryCount: 100 });
    const run = new LoadRun(s, plan);
    let now = 0;
    while (run.nextDue(now) >= 0) {
      const q = run.issue(now);
      now += MS;
      run.completeQuery(q, now, q % 10 !== 3);
    }
    const r = summarize(run.record());
    expect(r.failedSamples).toBe(10);
    expect(r.reasons[0]).toEqual({ code: 'sut_errors', message: 'the system under test answered 10 of 100 samples with an error' });
  });

  it('refuses a completion for a sample that is not outstanding, and a record before the end', () => {
    const { s, plan } = prepare('SingleStream', { minDurationMs: 0, minQueryCount: 2 });
    const run = new LoadRun(s, plan);
    const q = run.issue(0);
    expect(() => run.record()).toThrow(/has not finished/);
    run.completeSample(q, 0, 5);
    expect(() => run.completeSample(q, 0, 6)).toThrow(RangeError);
    expect(() => run.completeSample(q, 1, 6)).toThrow(RangeError);
  });
});

describe('a generator that runs late (a busy machine)', () => {
  /** Issues every query `lagNs` after its scheduled time, answered at once. */
  function lateRun(over: Partial<TestSettings>, lagNs: number) {
    const { s, plan } = prepare('Server', over);
    const run = new LoadRun(s, plan);
    for (;;) {
      const due = run.nextDue(0);
      if (due < 0 || due === Infinity) break;
      const q = run.issue(due + lagNs);
      for (let k = 0; k < plan.offsets[q + 1]! - plan.offsets[q]!; k++) run.completeSample(q, k, due + lagNs + 1 * MS);
    }
    return summarize(run.record());
  }

  it('ends on the clock before the schedule reaches the minimum duration: INVALID, naming the lateness', () => {
    const r = lateRun({ minDurationMs: 1000, minQueryCount: 100, serverTargetQps: 500, serverTargetLatencyNs: 1000 * MS }, 50 * MS);
    expect(r.reasons.map((x) => x.code)).toContain('duration_too_short');
    expect(r.reasons.find((x) => x.code === 'duration_too_short')!.message).toMatch(/the generator ran late \(its last query went out 50 ms after its scheduled time/);
  });

  it('a minimum query count past the duration makes the count end the run, and the duration is met', () => {
    const r = lateRun({ minDurationMs: 1000, minQueryCount: 700, serverTargetQps: 500, serverTargetLatencyNs: 1000 * MS }, 50 * MS);
    expect(r.reasons.map((x) => x.code)).not.toContain('duration_too_short');
    expect(r.queriesIssued).toBe(700);
  });
});
