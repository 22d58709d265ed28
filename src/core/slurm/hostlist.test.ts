import { describe, expect, it } from 'vitest';
import { compressHostlist, expandHostlist } from './hostlist.ts';

const compress: Record<string, { names: string[]; want: string }> = {
  'a padded range and a single': { names: ['gpu-001', 'gpu-002', 'gpu-003', 'gpu-007'], want: 'gpu-[001-003,007]' },
  'one node has no brackets': { names: ['gpu-001'], want: 'gpu-001' },
  'sorted and deduplicated': { names: ['n3', 'n1', 'n2', 'n1'], want: 'n[1-3]' },
  'unpadded numbers of different lengths go together': { names: ['n9', 'n10', 'n11'], want: 'n[9-11]' },
  'a padded width takes unpadded numbers of its length': { names: ['n01', 'n10'], want: 'n[01,10]' },
  'different prefixes': { names: ['b2', 'a1', 'a2', 'login'], want: 'a[1-2],b2,login' },
  'a name without digits': { names: ['localhost'], want: 'localhost' },
  'empty': { names: [], want: '' },
};

const expand: Record<string, { text: string; want?: string[]; wantError?: string }> = {
  'ranges and singles': { text: 'gpu-[001-003,007]', want: ['gpu-001', 'gpu-002', 'gpu-003', 'gpu-007'] },
  'a list of names and lists': { text: 'a[1-2],login,b3', want: ['a1', 'a2', 'login', 'b3'] },
  'the width of the first bound': { text: 'n[008-010]', want: ['n008', 'n009', 'n010'] },
  'two range lists make a product': { text: 'r[1-2]-n[1-2]', want: ['r1-n1', 'r1-n2', 'r2-n1', 'r2-n2'] },
  'unbalanced': { text: 'gpu-[001-003', wantError: 'unbalanced brackets' },
  'not a number': { text: 'gpu-[a-b]', wantError: 'not a number or a range' },
  'reversed': { text: 'gpu-[5-3]', wantError: 'ends before it starts' },
  'nested': { text: 'gpu-[[1]]', wantError: 'unbalanced brackets' },
};

describe('hostlists', () => {
  for (const [name, c] of Object.entries(compress)) {
    it(`compress: ${name}`, () => expect(compressHostlist(c.names)).toBe(c.want));
  }
  for (const [name, c] of Object.entries(expand)) {
    it(`expand: ${name}`, () => {
      const r = expandHostlist(c.text);
      if (c.wantError) expect((r as { error: string }).error).toContain(c.wantError);
      else expect(r).toEqual(c.want);
    });
  }
  it('compress and expand are inverse on sorted unique names', () => {
    const names = ['gpu-001', 'gpu-002', 'gpu-010', 'gpu-011', 'cpu7', 'cpu8'];
    expect(expandHostlist(compressHostlist(names))).toEqual([...names].sort());
  });
});
