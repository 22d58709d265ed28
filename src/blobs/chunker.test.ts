import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Chunker } from './chunker.ts';

const opts = { minSize: 2048, avgSize: 8192, maxSize: 32768 };
const chunksOf = (data: Buffer, pieces: number[] = [data.length], o = opts): Buffer[] => {
  const c = new Chunker(o);
  const out: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < data.length; k++) {
    const size = pieces[k % pieces.length]!;
    out.push(...c.push(data.subarray(at, at + size)));
    at += size;
  }
  const last = c.end();
  if (last) out.push(last);
  return out;
};
const ids = (cs: Buffer[]) => cs.map((c) => createHash('sha256').update(c).digest('hex'));

describe('FastCDC chunker', () => {
  const data = randomBytes(2_000_000);

  it('chunks concatenate to the input, every chunk within [min, max] except the last', () => {
    const cs = chunksOf(data);
    expect(Buffer.concat(cs).equals(data)).toBe(true);
    for (const c of cs.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(opts.minSize);
      expect(c.length).toBeLessThanOrEqual(opts.maxSize);
    }
    const mean = data.length / cs.length;
    // Normalized chunking centres sizes near the average (measured ~8–10 KiB for these settings).
    expect(mean).toBeGreaterThan(opts.avgSize * 0.6);
    expect(mean).toBeLessThan(opts.avgSize * 1.6);
  });

  it('gives the same chunks however the input is split (so a resumed upload re-feeds its tail and continues)', () => {
    const whole = ids(chunksOf(data));
    expect(ids(chunksOf(data, [1]).slice(0, 0))).toEqual([]);
    for (const pieces of [[65536], [1000, 7, 50_000], [opts.maxSize], [opts.minSize - 1, 3]]) {
      expect(ids(chunksOf(data, pieces)), String(pieces)).toEqual(whole);
    }
  });

  it('an insertion in the middle changes only the chunks around it', () => {
    const before = ids(chunksOf(data));
    const edited = Buffer.concat([data.subarray(0, 1_000_000), Buffer.from('an insertion of some bytes'), data.subarray(1_000_000)]);
    const after = ids(chunksOf(edited));
    const old = new Set(before);
    const changed = after.filter((id) => !old.has(id));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(3);
  });

  it('an input of zeros is cut at the maximum; empty input gives no chunk', () => {
    const zeros = Buffer.alloc(100_000);
    const cs = chunksOf(zeros);
    expect(cs.slice(0, -1).every((c) => c.length === opts.maxSize)).toBe(true);
    expect(new Chunker(opts).end()).toBeUndefined();
  });

  it('does not depend on the caller keeping its buffer (a read loop reuses one)', () => {
    const c = new Chunker(opts);
    const buf = Buffer.alloc(1000);
    const out: Buffer[] = [];
    for (let at = 0; at < 200_000; at += 1000) {
      data.copy(buf, 0, at, at + 1000);
      out.push(...c.push(buf));
    }
    out.push(c.end()!);
    expect(Buffer.concat(out).equals(data.subarray(0, 200_000))).toBe(true);
  });

  it('refuses inconsistent sizes', () => {
    expect(() => new Chunker({ minSize: 10, avgSize: 5, maxSize: 20 })).toThrow(/64 <= min <= avg <= max/);
  });
});
