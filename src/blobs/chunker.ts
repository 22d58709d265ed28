/**
 * Content-defined chunking (FastCDC, Xia et al., USENIX ATC '16, with normalized chunking): a cut point
 * depends only on the bytes since the previous cut, so an insertion in the middle of a file changes the
 * chunks around it and no others — which is what makes versions of one dataset share their storage.
 *
 * A rolling gear hash `h = (h << 1) + GEAR[byte]` (32 bits; bit k depends on the last k+1 bytes) is
 * tested against a stricter mask before the average size and a looser one after it, so sizes cluster
 * around the average; nothing is hashed before the minimum and a chunk is cut at the maximum.
 * Defaults: 256 KiB / 1 MiB / 4 MiB — a 1 GB dataset is ~1,000 chunks (manifests stay small) and a 1%
 * change rewrites ~1% plus one chunk on each side of each change.
 *
 * The chunker is a pure, streaming state machine: `push` bytes in any pieces, get back the chunks that
 * completed; `end` flushes the last one. Feeding the same bytes gives the same chunks however they are
 * split, so an upload resumed after a restart re-feeds its unfinished tail and continues exactly.
 * The gear table is fixed forever (changing it would not break reads, only deduplication with old data).
 */

export interface ChunkerOptions {
  minSize?: number;
  avgSize?: number;
  maxSize?: number;
}

export const DEFAULT_CHUNKING = { minSize: 256 * 1024, avgSize: 1024 * 1024, maxSize: 4 * 1024 * 1024 } as const;

/** 256 fixed pseudo-random words (splitmix32 from a constant seed). */
const GEAR: Int32Array = (() => {
  const t = new Int32Array(256);
  let s = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    t[i] = (z ^ (z >>> 16)) | 0;
  }
  return t;
})();

/** A mask of `bits` ones in the high end of a 32-bit word (the bits that depend on the most bytes). */
const highMask = (bits: number): number => (bits >= 32 ? -1 : ((1 << bits) - 1) << (32 - bits)) | 0;

export class Chunker {
  readonly #sizes: { min: number; avg: number; max: number; maskS: number; maskL: number };
  #parts: Buffer[] = [];
  #len = 0;
  #hash = 0;

  constructor(opts: ChunkerOptions = {}) {
    const min = opts.minSize ?? DEFAULT_CHUNKING.minSize;
    const avg = opts.avgSize ?? DEFAULT_CHUNKING.avgSize;
    const max = opts.maxSize ?? DEFAULT_CHUNKING.maxSize;
    if (!(Number.isInteger(min) && Number.isInteger(avg) && Number.isInteger(max) && min >= 64 && min <= avg && avg <= max)) {
      throw new Error(`chunk sizes must be whole numbers with 64 <= min <= avg <= max; got ${min}/${avg}/${max}`);
    }
    // Normalized chunking, level 2: two bits stricter before the average, two looser after it.
    const bits = Math.max(1, Math.round(Math.log2(Math.max(2, avg - min)))); // 2^bits: the expected run past the minimum
    this.#sizes = { min, avg, max, maskS: highMask(bits + 2), maskL: highMask(Math.max(1, bits - 2)) };
  }

  /** Bytes of the chunk in progress (not yet returned). */
  get pending(): number {
    return this.#len;
  }

  /** Feeds bytes; returns the chunks they completed, in order. The caller may reuse `data` afterwards. */
  push(data: Buffer): Buffer[] {
    return this.#push(data, false);
  }

  /**
   * As `push`, for a buffer the caller hands over and never changes again (a network or file stream's
   * pieces, each freshly allocated): its unfinished tail is kept as a view instead of being copied.
   */
  pushOwned(data: Buffer): Buffer[] {
    return this.#push(data, true);
  }

  #push(data: Buffer, owned: boolean): Buffer[] {
    const out: Buffer[] = [];
    const n = data.length;
    const { min, avg, max, maskS, maskL } = this.#sizes;
    let start = 0; // where the chunk in progress begins in `data`
    let base = this.#len; // bytes of it before `start` (held in #parts)
    let h = this.#hash;
    let i = 0;
    while (i < n) {
      const pos = base + (i - start);
      let cut = -1;
      if (pos < min) {
        i += Math.min(min - pos, n - i); // nothing before the minimum is hashed
        continue;
      } else if (pos < avg) {
        const stop = Math.min(n, i + (avg - pos));
        for (; i < stop; i++) {
          h = ((h << 1) + GEAR[data[i]!]!) | 0; // int32 arithmetic stays in V8's small integers
          if ((h & maskS) === 0) { cut = i + 1; break; }
        }
      } else {
        const stop = Math.min(n, i + (max - pos));
        for (; i < stop; i++) {
          h = ((h << 1) + GEAR[data[i]!]!) | 0; // int32 arithmetic stays in V8's small integers
          if ((h & maskL) === 0) { cut = i + 1; break; }
        }
        if (cut < 0 && base + (i - start) >= max) cut = i;
      }
      if (cut < 0) continue;
      this.#parts.push(data.subarray(start, cut));
      out.push(this.#take());
      start = cut;
      i = cut;
      base = 0;
      h = 0;
    }
    // The unfinished tail is copied unless handed over: the caller's buffer may be reused (a read loop's).
    if (start < n) this.#parts.push(owned ? data.subarray(start, n) : Buffer.from(data.subarray(start, n)));
    this.#len = base + (n - start);
    this.#hash = h;
    return out;
  }

  /** A copy of the bytes of the chunk in progress (an upload keeps them to resume after a restart). */
  pendingBytes(): Buffer {
    return Buffer.concat(this.#parts);
  }

  /** The last chunk (possibly shorter than the minimum), or none when nothing is pending. */
  end(): Buffer | undefined {
    if (this.#len === 0) return undefined;
    const last = this.#take();
    this.#len = 0;
    this.#hash = 0;
    return last;
  }

  #take(): Buffer {
    const parts = this.#parts;
    this.#parts = [];
    // A chunk owns its bytes (the last part may still be a view of the caller's buffer).
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
  }
}
