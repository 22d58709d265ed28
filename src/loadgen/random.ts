/**
 * The random numbers a run's schedule is drawn from, bit for bit as MLPerf's LoadGen draws them when built
 * with GCC's libstdc++: `std::mt19937` seeded with a 64-bit setting (the engine keeps its low 32 bits),
 * `std::exponential_distribution<double>` for Server inter-arrival times, `std::uniform_int_distribution`
 * for sample indices (Lemire's nearly-divisionless reduction, libstdc++ ≥ 11) and `std::shuffle` (which
 * draws two swap positions per call while the range allows). So a run with LoadGen's seeds issues the
 * same samples at the same times as LoadGen would. bench/loadgen/std-random-vectors.cpp prints the C++
 * values random.test.ts checks against.
 *
 * Nothing here allocates per draw: the engine is one Uint32Array of 624 words.
 */

const N = 624;
const M = 397;
const TWO_32 = 4294967296;

export class Mt19937 {
  readonly #mt = new Uint32Array(N);
  #i = N;

  /** `seed` as LoadGen's settings give it (up to 64 bits, as a bigint or decimal string); its low 32 bits seed the engine. */
  constructor(seed: bigint | number | string = 5489) {
    const s = Number(BigInt(seed) & 0xffffffffn);
    const mt = this.#mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i, mod 2^32, without losing bits to doubles
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output, as an unsigned integer. */
  next(): number {
    const mt = this.#mt;
    if (this.#i >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % N]! & 0x7fffffff);
        mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.#i = 0;
    }
    let y = mt[this.#i++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** `std::generate_canonical<double, 53>`: two 32-bit draws, in [0, 1). */
export function canonical(g: Mt19937): number {
  const lo = g.next();
  const hi = g.next();
  const r = (lo + hi * TWO_32) / 18446744073709551616;
  return r >= 1 ? 1 - Number.EPSILON / 2 : r;
}

/** `std::exponential_distribution<double>(lambda)`: -log(1 - u) / lambda. */
export function exponential(g: Mt19937, lambda: number): number {
  return -Math.log(1 - canonical(g)) / lambda;
}

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly. */
function mulHigh32(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const p2 = aHi * b; // < 2^48, exact
  const p2Hi = Math.floor(p2 / 65536);
  const p2Lo = p2 - p2Hi * 65536;
  return p2Hi + Math.floor((p2Lo * 65536 + aLo * b) / TWO_32);
}

/**
 * `std::uniform_int_distribution` over [a, b] (b - a < 2^32): Lemire's reduction of one 32-bit draw,
 * redrawing while the low word falls under 2^32 mod range, as libstdc++ does.
 */
export function uniformInt(g: Mt19937, a: number, b: number): number {
  const span = b - a;
  if (span === TWO_32 - 1) return a + g.next();
  if (!(span >= 0 && span < TWO_32 - 1)) throw new RangeError(`uniformInt: [${a}, ${b}] must span fewer than 2^32 integers`);
  const range = span + 1;
  let x = g.next();
  let low = Math.imul(x, range) >>> 0;
  if (low < range) {
    const threshold = (TWO_32 - range) % range;
    while (low < threshold) {
      x = g.next();
      low = Math.imul(x, range) >>> 0;
    }
  }
  return a + mulHigh32(x, range);
}

/** `std::shuffle(first, last, g)` as libstdc++ does it, in place. */
export function shuffle<T>(v: { length: number; [i: number]: T }, g: Mt19937): void {
  const n = v.length;
  if (n < 2) return;
  const swap = (i: number, j: number) => {
    const t = v[i]!;
    v[i] = v[j]!;
    v[j] = t;
  };
  if (Math.floor((TWO_32 - 1) / n) >= n) {
    let i = 1;
    if (n % 2 === 0) {
      swap(i, uniformInt(g, 0, 1));
      i++;
    }
    while (i !== n) {
      const b0 = i + 1;
      const b1 = b0 + 1;
      const x = uniformInt(g, 0, b0 * b1 - 1);
      swap(i++, Math.floor(x / b1));
      swap(i++, x % b1);
    }
    return;
  }
  for (let i = 1; i < n; i++) swap(i, uniformInt(g, 0, i));
}
