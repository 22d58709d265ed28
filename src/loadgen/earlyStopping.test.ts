import { describe, expect, it } from 'vitest';
import { MinPassingQueries, estimatePercentile, odds, serverEarlyStopping } from './earlyStopping.ts';

// Expected values from LoadGen 6.0's own early_stopping.cc and the loop of results.cc, compiled here with
// a small main (bench/loadgen/README.md says how).
describe('early stopping, as LoadGen 6.0 computes it', () => {
  it('the minimum passing queries for t overlatency queries, at the 90th and 99th percentiles', () => {
    const p90 = new MinPassingQueries(0.9);
    expect([0, 1, 2, 3, 10, 100, 1000, 5000].map((t) => p90.of(t))).toEqual([44, 63, 79, 94, 187, 1146, 9722, 46585]);
    const p99 = new MinPassingQueries(0.99);
    expect([0, 1, 2, 3, 10, 100, 1000, 5000].map((t) => p99.of(t))).toEqual([459, 661, 836, 998, 2000, 12471, 106569, 511615]);
  });

  it('the SingleStream estimate discards the t - 1 slowest queries that n can afford', () => {
    const f = new MinPassingQueries(0.9);
    expect(estimatePercentile(63, f)).toEqual({ met: false, minQueries: 64 });
    for (const [n, t] of [[64, 1], [100, 3], [1000, 78], [10000, 930], [50000, 4844]] as const) {
      expect(estimatePercentile(n, f)).toEqual({ met: true, estimateIndex: n - t, discarded: t - 1, minQueries: 64 });
    }
  });

  it('Server: enough queries when n ≥ h(t) + t, otherwise how many more', () => {
    const f = new MinPassingQueries(0.99);
    expect(serverEarlyStopping(459, 0, f)).toEqual({ met: true, moreQueries: 0 });
    expect(serverEarlyStopping(458, 0, f)).toEqual({ met: false, moreQueries: 1 });
    expect(serverEarlyStopping(2000, 10, f)).toEqual({ met: false, moreQueries: 10 });
  });

  it('odds is the binomial CDF: 0.9^h when nothing was slow', () => {
    expect(odds(44, 0, 0.9)).toBeCloseTo(0.9 ** 44, 15);
    expect(odds(10, 1, 0.9)).toBeCloseTo(0.9 ** 11 + 11 * 0.1 * 0.9 ** 10, 14);
  });
});
