import { describe, expect, it } from 'vitest';
import { arrayHasIndex, arrayIndices, formatArraySpec, parseArraySpec, type ArraySpec } from './arraySpec.ts';

interface Case {
  text: string;
  maxArraySize?: number;
  /** Expected fields of the parsed spec. */
  want?: Partial<ArraySpec>;
  /** The first indices, in order. */
  wantIndices?: number[];
  /** Substrings of the error. */
  wantError?: string[];
}

const cases: Record<string, Case> = {
  'a range': { text: '0-31', want: { count: 32, min: 0, max: 31, step: 1 }, wantIndices: [0, 1, 2] },
  'a list with a range': { text: '1,3,5-9', want: { count: 7, min: 1, max: 9, step: 1 }, wantIndices: [1, 3, 5, 6, 7, 8, 9] },
  'a step trims the end to what it reaches': {
    text: '0-99:4', want: { count: 25, min: 0, max: 96, step: 4, ranges: [{ start: 0, end: 96, step: 4 }] }, wantIndices: [0, 4, 8],
  },
  'a concurrency limit': { text: '0-15%4', want: { count: 16, maxRunning: 4 } },
  'one index': { text: '7', want: { count: 1, min: 7, max: 7 } },
  'overlaps count once, indices merge in order': { text: '1-5,3-8,4', want: { count: 8 }, wantIndices: [1, 2, 3, 4, 5, 6, 7, 8] },
  'the largest index under the default MaxArraySize': { text: '0-100000', want: { count: 100_001, max: 100_000 } },
  'a configured MaxArraySize': { text: '0-1000', maxArraySize: 1001, want: { count: 1001 } },
  // Bad input: each names --array and what Slurm accepts.
  'over MaxArraySize': { text: '0-1001', maxArraySize: 1001, wantError: ['--array=0-1001', 'largest index, 1000', 'MaxArraySize is 1001', 'Slurm accepts'] },
  'over the default MaxArraySize': { text: '5-100001', wantError: ['largest index, 100000'] },
  'a zero step': { text: '0-10:0', wantError: ['step of 0', 'Slurm accepts'] },
  'a reversed range': { text: '9-3', wantError: ['ends before it starts'] },
  'a negative index': { text: '-1-4', wantError: ['"-1-4" is not an index'] },
  'not a number': { text: '1,a', wantError: ['"a" is not an index'] },
  'an empty piece': { text: '1,,3', wantError: ['"" is not an index'] },
  'empty': { text: '', wantError: ['no indices'] },
  'a zero limit': { text: '0-3%0', wantError: ['%0 would never run'] },
  'a bad limit': { text: '0-3%x', wantError: ['"%x" is not a limit'] },
};

describe('parseArraySpec', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseArraySpec(c.text, c.maxArraySize);
      if (c.wantError) {
        expect('error' in r ? r.error : r).toEqual(expect.any(String));
        for (const w of c.wantError) expect((r as { error: string }).error).toContain(w);
        return;
      }
      if ('error' in r) throw new Error(r.error);
      expect(r).toMatchObject(c.want ?? {});
      if (c.wantIndices) expect([...arrayIndices(r)].slice(0, c.wantIndices.length)).toEqual(c.wantIndices);
      expect([...arrayIndices(r)].length).toBe(r.count);
    });
  }

  it('formats back into Slurm syntax and finds members without listing them', () => {
    const r = parseArraySpec('1,3,5-9,0-99:4%2');
    if ('error' in r) throw new Error(r.error);
    expect(formatArraySpec(r)).toBe('1,3,5-9,0-96:4%2');
    expect(arrayHasIndex(r, 96)).toBe(true);
    expect(arrayHasIndex(r, 97)).toBe(false);
    expect(arrayHasIndex(r, 4)).toBe(true);
    expect(arrayHasIndex(r, 2)).toBe(false);
  });
});
