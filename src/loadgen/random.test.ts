import { describe, expect, it } from 'vitest';
import { Mt19937, exponential, shuffle, uniformInt } from './random.ts';

// Expected values printed by libstdc++ (GCC 12): bench/loadgen/std-random-vectors.cpp.
const SCHEDULE_SEED = 16159082839903944936n; // LoadGen 6.0 mlperf.conf schedule_rng_seed
const SAMPLE_SEED = 2747215439041700203n;
const QSL_SEED = 2085463073848966840n;

const fnv1a = (v: ArrayLike<number>) => {
  let h = 1469598103934665603n;
  for (let i = 0; i < v.length; i++) h = ((h ^ BigInt(v[i]!)) * 1099511628211n) & 0xffffffffffffffffn;
  return h;
};

describe('Mt19937', () => {
  it('gives the reference outputs of the default seed 5489, including the 10,000th', () => {
    const g = new Mt19937();
    const first = Array.from({ length: 5 }, () => g.next());
    expect(first).toEqual([3499211612, 581869302, 3890346734, 3586334585, 545404204]);
    for (let i = 6; i < 10000; i++) g.next();
    expect(g.next()).toBe(4123659995); // C++11 [rand.predef]: the 10000th output of a default mt19937
  });

  it('keeps the low 32 bits of a 64-bit seed, as std::mt19937 does', () => {
    const g = new Mt19937(SCHEDULE_SEED);
    expect(Array.from({ length: 5 }, () => g.next())).toEqual([3245365415, 3615339558, 1380029910, 1577989244, 921976217]);
    expect(new Mt19937(SCHEDULE_SEED.toString()).next()).toBe(3245365415);
  });
});

describe('the distributions match libstdc++', () => {
  it('exponential_distribution(1000), cast to whole nanoseconds as LoadGen does', () => {
    const g = new Mt19937(SCHEDULE_SEED);
    const ns = () => Math.trunc(exponential(g, 1000) * 1e9);
    expect(Array.from({ length: 8 }, ns)).toEqual([1843654, 457923, 1285862, 712994, 386406, 2248341, 1091579, 101746]);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += ns();
    expect(sum).toBe(99569566169);
  });

  it('uniform_int_distribution', () => {
    const g = new Mt19937(SAMPLE_SEED);
    expect(Array.from({ length: 10 }, () => uniformInt(g, 0, 1023))).toEqual([818, 976, 516, 292, 672, 710, 120, 666, 909, 882]);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += uniformInt(g, 0, 999);
    expect(sum).toBe(49777387);
  });

  it('std::shuffle, both its two-at-a-time path and its one-at-a-time path (n > 65,535)', () => {
    const cases: [number, number[], bigint][] = [
      [10, [1, 5, 7, 6, 0, 8, 3, 2], 8161173421439080168n],
      [1024, [216, 267, 822, 906, 663, 580, 710, 908], 15496244836191519001n],
      [70000, [3434, 25598, 53455, 6674, 518, 64165, 64811, 21948], 15388293607846928541n],
    ];
    for (const [n, first, hash] of cases) {
      const v = Uint32Array.from({ length: n }, (_, i) => i);
      shuffle(v, new Mt19937(QSL_SEED));
      expect([...v.subarray(0, 8)]).toEqual(first);
      expect(fnv1a(v)).toBe(hash);
    }
  });

  it('refuses a range it cannot draw from', () => {
    expect(() => uniformInt(new Mt19937(), 5, 4)).toThrow(RangeError);
    expect(() => uniformInt(new Mt19937(), 0, 2 ** 33)).toThrow(/fewer than 2\^32/);
  });
});
