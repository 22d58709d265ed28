/**
 * A run in virtual time against a modelled system under test: `workers` servers taking samples first
 * come first served, each sample taking `serviceNs(sampleIndex)` (plus a fixed `overheadNs` per query),
 * so the generator's rules (when to issue, when to stop, what is VALID) can be checked against queueing
 * theory without a clock. The same LoadRun state machine drives real runs (testbed/), and `findPeakQps`
 * searches the Server target QPS for either.
 */
import { LoadRun, type RunRecord } from './run.ts';
import type { LoadResult } from './results.ts';
import type { QueryPlan } from './schedule.ts';
import type { EffectiveSettings } from './settings.ts';

export interface SutModel {
  workers: number;
  serviceNs: (sampleIndex: number) => number;
  /** Extra time before a query's samples enter the queue (a network hop, say). */
  overheadNs?: number;
}

/** A binary min-heap of (time, id) pairs in typed arrays. */
class EventHeap {
  #t = new Float64Array(64);
  #id = new Float64Array(64);
  size = 0;

  push(t: number, id: number): void {
    if (this.size === this.#t.length) {
      const t2 = new Float64Array(this.size * 2);
      t2.set(this.#t);
      const i2 = new Float64Array(this.size * 2);
      i2.set(this.#id);
      this.#t = t2;
      this.#id = i2;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#t[parent]! <= t) break;
      this.#t[i] = this.#t[parent]!;
      this.#id[i] = this.#id[parent]!;
      i = parent;
    }
    this.#t[i] = t;
    this.#id[i] = id;
  }

  peekTime(): number {
    return this.size > 0 ? this.#t[0]! : Infinity;
  }

  /** Removes the smallest; returns its id (its time was peekTime()). */
  pop(): number {
    const top = this.#id[0]!;
    const lastT = this.#t[--this.size]!;
    const lastId = this.#id[this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.#t[child + 1]! < this.#t[child]!) child++;
      if (this.#t[child]! >= lastT) break;
      this.#t[i] = this.#t[child]!;
      this.#id[i] = this.#id[child]!;
      i = child;
    }
    this.#t[i] = lastT;
    this.#id[i] = lastId;
    return top;
  }
}

export function simulateRun(settings: EffectiveSettings, plan: QueryPlan, sut: SutModel): RunRecord {
  const run = new LoadRun(settings, plan);
  const free = new EventHeap(); // worker free times
  for (let w = 0; w < sut.workers; w++) free.push(0, w);
  const completions = new EventHeap(); // id = global sample position in the plan
  const queryOf = new Uint32Array(plan.samples.length);
  const overhead = sut.overheadNs ?? 0;
  let now = 0;
  for (;;) {
    const due = run.nextDue(now);
    const next = completions.peekTime();
    if (due >= 0 && due !== Infinity && due <= next) {
      now = Math.max(now, due);
      const q = run.issue(now);
      for (let at = plan.offsets[q]!, end = plan.offsets[q + 1]!; at < end; at++) {
        const start = Math.max(now + overhead, free.peekTime());
        const w = free.pop();
        const done = start + sut.serviceNs(plan.samples[at]!);
        free.push(done, w);
        queryOf[at] = q;
        completions.push(done, at);
      }
    } else if (completions.size > 0) {
      now = next;
      const at = completions.pop();
      const q = queryOf[at]!;
      run.completeSample(q, at - plan.offsets[q]!, now);
    } else {
      break;
    }
  }
  return run.record();
}

export interface PeakSearch {
  /** The highest target QPS whose run was VALID, and that run's result; null if none was. */
  peakQps: number | null;
  peak: LoadResult | null;
  /** Every run tried, in order. */
  tried: { qps: number; valid: boolean; reasons: string[] }[];
}

/**
 * The search submitters run for the Server scenario. As LoadGen's FindPeakPerformance, the direction is
 * decided by the latency bound alone (a run that keeps it could go faster; one that misses it, or piles up
 * more outstanding queries than allowed, or fails samples, is too fast): from `startQps`, double or halve
 * to bracket the peak, then bisect until the bracket is within `relativePrecision` of its lower end. What
 * it reports is the highest target QPS whose run was VALID on every rule (early stopping and minimum
 * duration included), so a too-short run is never the answer. `maxRuns` bounds the cost.
 */
export async function findPeakQps(
  evaluate: (qps: number) => LoadResult | Promise<LoadResult>,
  opts: { startQps: number; relativePrecision?: number; maxRuns?: number; minQps?: number },
): Promise<PeakSearch> {
  const precision = opts.relativePrecision ?? 0.01;
  const maxRuns = opts.maxRuns ?? 40;
  const minQps = opts.minQps ?? 1e-3;
  const tried: PeakSearch['tried'] = [];
  let best: LoadResult | null = null;
  let lo = 0;
  let hi = Infinity;
  let bestQps = 0;
  const probe = async (qps: number) => {
    const r = await evaluate(qps);
    tried.push({ qps, valid: r.valid, reasons: r.reasons.map((x) => x.code) });
    const tooFast = r.endReason === 'too_many_outstanding' || r.reasons.some((x) => x.code === 'latency_bound_missed' || x.code === 'sut_errors');
    if (r.valid && qps > bestQps) {
      bestQps = qps;
      best = r;
    }
    if (!tooFast && qps > lo) lo = qps;
    if (tooFast && qps < hi) hi = qps;
    return !tooFast;
  };
  let qps = opts.startQps;
  if (await probe(qps)) {
    while (hi === Infinity && tried.length < maxRuns) await probe((qps *= 2));
  } else {
    while (lo === 0 && qps / 2 >= minQps && tried.length < maxRuns) await probe((qps /= 2));
  }
  while (lo > 0 && hi !== Infinity && (hi - lo) / lo > precision && tried.length < maxRuns) await probe((lo + hi) / 2);
  return { peakQps: bestQps > 0 ? bestQps : null, peak: best, tried };
}
