/**
 * MLPerf's early-stopping criterion (LoadGen 6.0, confidence 0.99, tolerance 0): instead of demanding a
 * fixed number of queries, a run is long enough when, with 99% confidence, the target percentile of the
 * latency is no worse than the estimate it reports.
 *
 * With t "overlatency" queries (slower than the estimate) among h + t, the chance of seeing t or fewer if
 * the true fraction of slow queries were 1 - p is the binomial CDF, BetaRegularized[p - d, h, 1 + t]
 * (DLMF 8.17.5); the run needs the smallest h for which that chance is below 1 - c. The regularized beta is
 * evaluated as LoadGen does, x^a (1-x)^(b-1) / (a B(a, b)) · 2F1(1, 1-b; 1+a; x/(x-1)) (DLMF 15.8.1), whose
 * series ends after t + 1 positive terms, so results agree with LoadGen's to rounding.
 */

const LOG_FACT: number[] = [0];
function logGammaInt(n: number): number {
  // log Γ(n) = log (n-1)! for whole n ≥ 1: exact sums below 4096, Stirling's series (error < 1e-17 relative) above.
  if (n <= 4096) {
    while (LOG_FACT.length < n) LOG_FACT.push(LOG_FACT[LOG_FACT.length - 1]! + Math.log(LOG_FACT.length));
    return LOG_FACT[n - 1]!;
  }
  const x = n;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x2 * x2 * x);
}

const logBeta = (a: number, b: number) => logGammaInt(a) + logGammaInt(b) - logGammaInt(a + b);

/** 2F1(1, b; c; x) for b ≤ 0 whole: a finite series. */
function hypergeometric1(b: number, c: number, x: number): number {
  const tolerance = 1 / 2 ** 33;
  let term = 1;
  let sum = 1;
  for (let i = 0; Math.abs(term) > tolerance; i++) {
    term *= ((b + i) * x) / (c + i);
    sum += term;
  }
  return sum;
}

function betaRegularized(x: number, a: number, b: number): number {
  return (Math.exp(a * Math.log(x) + (b - 1) * Math.log(1 - x) - logBeta(a, b)) / a) * hypergeometric1(1 - b, 1 + a, x / (x - 1));
}

/** The chance of t or fewer overlatency queries in h + t, if a query is on time with probability p - d. */
export function odds(h: number, t: number, p: number, d = 0): number {
  return betaRegularized(p - d, h, 1 + t);
}

export const EARLY_STOPPING_CONFIDENCE = 0.99;
export const EARLY_STOPPING_TOLERANCE = 0;

/** Smallest h with odds(h, t) < 1 - c, for one percentile; results cached (they are asked for in order). */
export class MinPassingQueries {
  readonly #cache = new Map<number, number>();
  constructor(readonly percentile: number, readonly confidence = EARLY_STOPPING_CONFIDENCE, readonly tolerance = EARLY_STOPPING_TOLERANCE) {}

  of(t: number): number {
    const hit = this.#cache.get(t);
    if (hit !== undefined) return hit;
    const p = this.percentile;
    const limit = 1 - this.confidence;
    const passes = (h: number) => odds(h, t, p, this.tolerance) < limit;
    // h grows with t at slope about p / (1 - p): start there, widen until bracketed, then bisect.
    let lo = Math.max(1, Math.floor((t * (p - this.tolerance)) / (1 - p + this.tolerance)));
    if (passes(lo)) lo = 1;
    let hi = Math.max(lo + 1, 2 * lo);
    while (!passes(hi)) {
      lo = hi;
      hi *= 2;
    }
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (passes(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.#cache.set(t, lo);
    return lo;
  }
}

export type PercentileEstimate =
  | { met: true; estimateIndex: number; discarded: number; minQueries: number }
  | { met: false; minQueries: number };

/**
 * SingleStream and MultiStream: the early-stopping estimate of the percentile from `n` latencies, as the
 * index into them sorted ascending (n - t, t being the largest overlatency count n can afford).
 */
export function estimatePercentile(n: number, finder: MinPassingQueries): PercentileEstimate {
  const hMin = finder.of(1);
  if (n < hMin + 1) return { met: false, minQueries: hMin + 1 };
  // t is the largest i with h(i) + i ≤ n (h(i) + i grows with i), found by bisection.
  let lo = 1;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (finder.of(mid) + mid <= n) lo = mid;
    else hi = mid - 1;
  }
  return { met: true, estimateIndex: n - lo, discarded: lo - 1, minQueries: hMin + 1 };
}

/** Server: whether `n` queries of which `overlatency` missed the bound are enough; if not, how many more. */
export function serverEarlyStopping(n: number, overlatency: number, finder: MinPassingQueries): { met: boolean; moreQueries: number } {
  const h = finder.of(overlatency);
  return { met: n >= h + overlatency, moreQueries: Math.max(0, h + overlatency - n) };
}
