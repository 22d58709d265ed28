import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyQueue } from './queue.ts';
import { aJob } from './testing.ts';

describe('LazyQueue', () => {
  it('pops every job once, in rank order with ties by submission, priority and id, per open partition', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ rank: fc.integer({ min: 0, max: 5 }), at: fc.integer({ min: 0, max: 5 }), prio: fc.integer({ min: 0, max: 2 }), part: fc.constantFrom('a', 'b', 'c') }), { maxLength: 80 }),
      (rows) => {
        const pending = rows.map((r, i) => aJob(`j${String(i).padStart(3, '0')}`).submittedAt(r.at).priority(r.prio).partition(r.part).build());
        const ranks = Float64Array.from(rows.map((r) => r.rank));
        const q = new LazyQueue(pending, ranks);
        const got: string[] = [];
        for (let e = q.next(); e; e = q.next()) got.push(e.job.id);
        const want = pending.map((j, i) => ({ j, r: ranks[i]! }))
          .sort((x, y) => x.r - y.r || x.j.submittedAt - y.j.submittedAt || y.j.priority - x.j.priority || (x.j.id < y.j.id ? -1 : 1))
          .map((x) => x.j.id as string);
        expect(got).toEqual(want);
        expect(q.remaining()).toEqual([]);
      },
    ));
  });

  it('a closed partition yields nothing more and its jobs are remaining', () => {
    const pending = [aJob('a1').partition('a').build(), aJob('b1').partition('b').submittedAt(1).build(), aJob('a2').partition('a').submittedAt(2).build()];
    const q = new LazyQueue(pending, Float64Array.from([0, 1, 2]));
    expect(q.next()!.job.id).toBe('a1');
    q.close('a');
    expect(q.next()!.job.id).toBe('b1');
    expect(q.next()).toBeUndefined();
    expect(q.remaining().map((j) => j.id)).toEqual(['a2']);
    expect(q.popped('a')).toBe(1);
  });
});
