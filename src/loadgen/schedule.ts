/**
 * Which samples a run issues and when, drawn before the run as LoadGen draws them: the loadable sample
 * sets (GenerateLoadableSets: all indices shuffled with the QSL seed, cut into sets of the performance
 * sample count, MultiStream sets padded so a query's samples are contiguous), then the queries of one set
 * (GenerateQueries: sample indices from the sample seed, Server arrival times from the schedule seed).
 * With LoadGen's seeds the same samples are issued at the same scheduled times as LoadGen would.
 *
 * A plan is structure-of-arrays (typed arrays, no object per query), so issuing reads it without allocating.
 */
import { Mt19937, exponential, shuffle, uniformInt } from './random.ts';
import type { EffectiveSettings } from './settings.ts';

export interface LoadableSet {
  /** QSL sample indices, padding included. */
  samples: Uint32Array;
  /** Samples drawn from: the set without its MultiStream padding. */
  distributionEnd: number;
}

export function loadableSets(s: EffectiveSettings, totalSampleCount: number, qslTotalCount: number): LoadableSet[] {
  const n = Math.min(totalSampleCount, qslTotalCount);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  shuffle(all, new Mt19937(s.requested.qslRngSeed));
  const size = s.performanceSampleCount;
  const padding = s.scenario === 'MultiStream' ? s.samplesPerQuery - 1 : 0;
  const sets: LoadableSet[] = [];
  for (let at = 0; at < n; at += size) {
    const part = all.subarray(at, Math.min(n, at + size));
    const samples = new Uint32Array(part.length + padding);
    samples.set(part);
    for (let i = 0; i < padding; i++) samples[part.length + i] = samples[i % part.length]!;
    sets.push({ samples, distributionEnd: part.length });
  }
  return sets;
}

/** The queries of one run. Query q has samples `samples[offsets[q] .. offsets[q + 1])`, scheduled `scheduledNs[q]` after the start. */
export interface QueryPlan {
  count: number;
  scheduledNs: Float64Array;
  offsets: Uint32Array;
  samples: Uint32Array;
}

class PlanBuilder {
  count = 0;
  #scheduled = new Float64Array(1024);
  #offsets = new Uint32Array(1025);
  #samples = new Uint32Array(1024);
  #used = 0;

  push(at: number, samples: ArrayLike<number>, length = samples.length): void {
    if (this.count + 1 >= this.#scheduled.length) {
      this.#scheduled = grow(this.#scheduled, this.#scheduled.length * 2);
      this.#offsets = grow(this.#offsets, this.#offsets.length * 2);
    }
    if (this.#used + length > this.#samples.length) this.#samples = grow(this.#samples, Math.max(this.#samples.length * 2, this.#used + length));
    for (let i = 0; i < length; i++) this.#samples[this.#used + i] = samples[i]!;
    this.#used += length;
    this.#scheduled[this.count] = at;
    this.#offsets[++this.count] = this.#used;
  }

  build(): QueryPlan {
    return {
      count: this.count, scheduledNs: this.#scheduled.slice(0, this.count),
      offsets: this.#offsets.slice(0, this.count + 1), samples: this.#samples.slice(0, this.#used),
    };
  }
}

function grow<T extends Float64Array | Uint32Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/** Indices 0, stride, 2·stride, … below `end`, shuffled: accuracy mode's every-sample-once order. */
function shuffledStrided(end: number, stride: number, rng: Mt19937): Uint32Array {
  const v = Uint32Array.from({ length: Math.ceil(end / stride) }, (_, i) => i * stride);
  shuffle(v, rng);
  return v;
}

/** GenerateQueries for one loadable set. */
export function planQueries(s: EffectiveSettings, set: LoadableSet): QueryPlan {
  const loaded = set.samples;
  const loadedCount = loaded.length; // LoadGen's loaded_samples.size(): MultiStream padding included
  const accuracy = s.mode === 'accuracy';
  const server = s.scenario === 'Server';
  let genDurationNs = (server ? 1 : 2) * s.targetDurationMs * 1e6;
  let minQueries = s.minQueryCount;
  let spq = s.samplesPerQuery;
  if (accuracy && s.scenario === 'Offline') spq = set.distributionEnd;
  if (accuracy) {
    genDurationNs = 0;
    minQueries = Math.floor(loadedCount / spq);
  }
  const sampleRng = new Mt19937(s.requested.sampleIndexRngSeed);
  const scheduleRng = new Mt19937(s.requested.scheduleRngSeed);
  const stride = s.scenario === 'MultiStream' ? spq : 1;

  // LoadGen builds all three sample distributions up front, each shuffle drawing from the sample engine.
  let accuracyAt = 0;
  const accuracyOrder = accuracy ? shuffledStrided(set.distributionEnd, stride, sampleRng) : null;
  shuffledStrided(set.distributionEnd, stride, sampleRng); // performance_issue_unique's order, unused here
  const equalIssue = new Uint32Array(Math.ceil(minQueries / loadedCount) * loadedCount);
  for (let j = 0; j < minQueries; j += loadedCount) {
    const part = equalIssue.subarray(j, j + loadedCount);
    for (let i = 0; i < loadedCount; i++) part[i] = i;
    shuffle(part, sampleRng);
  }
  let equalAt = 0;
  const nextIndex = (): number => {
    if (accuracyOrder) {
      if (accuracyAt >= accuracyOrder.length) throw new RangeError('accuracy order exhausted');
      return accuracyOrder[accuracyAt++]!;
    }
    return uniformInt(sampleRng, 0, set.distributionEnd - 1);
  };

  const equal = !accuracy && s.requested.sampleConcatenatePermutation;
  if (equal) {
    if (s.scenario === 'Offline' && spq % loadedCount !== 0) spq += loadedCount - (spq % loadedCount);
    else if (s.scenario !== 'Offline' && minQueries % loadedCount !== 0) minQueries += loadedCount - (minQueries % loadedCount);
  }

  const period = Math.trunc((1 / s.targetQps) * 1e9);
  const plan = new PlanBuilder();
  const samples = new Uint32Array(spq);
  let timestamp = 0;
  let prev = 0;
  while (prev < genDurationNs || plan.count < minQueries) {
    if (s.scenario === 'MultiStream') {
      let i = nextIndex();
      for (let k = 0; k < spq; k++) samples[k] = loaded[i++]!;
    } else if (s.scenario === 'Offline') {
      const repeats = Math.floor(spq / loadedCount);
      for (let r = 0; r < repeats; r++) {
        samples.set(loaded, r * loadedCount);
        if (equal) shuffle(samples.subarray(r * loadedCount, (r + 1) * loadedCount), sampleRng);
      }
      samples.set(loaded.subarray(0, spq % loadedCount), repeats * loadedCount);
    } else {
      for (let k = 0; k < spq; k++) samples[k] = loaded[equal ? equalIssue[equalAt++ % equalIssue.length]! : nextIndex()]!;
    }
    plan.push(timestamp, samples);
    prev = timestamp;
    timestamp += server ? Math.trunc(exponential(scheduleRng, s.targetQps) * 1e9) : period;
    if (equal && plan.count >= minQueries && prev < genDurationNs && s.scenario !== 'Offline') minQueries += loadedCount;
  }
  if (s.scenario === 'Offline' && accuracy) {
    const remaining = loadedCount % spq;
    if (remaining !== 0) {
      for (let k = 0; k < remaining; k++) samples[k] = loaded[nextIndex()]!;
      plan.push(timestamp, samples, remaining);
    }
  }
  return plan.build();
}
