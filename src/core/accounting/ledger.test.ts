/**
 * Property tests of the pure ledger: random sequences of awards, tranches, holds, settlements, releases,
 * adjustments and expiries, checked against the invariants and against an independent model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as L from './ledger.ts';

type Op =
  | { k: 'award'; a: number; amount: number }
  | { k: 'tranche'; a: number; pct: number }
  | { k: 'hold'; a: number; amount: number }
  | { k: 'settle'; a: number; pct: number }
  | { k: 'adjust'; a: number; amount: number }
  | { k: 'expire'; a: number };

const ALLOCS = 3;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('award' as const), a: fc.nat(ALLOCS - 1), amount: fc.integer({ min: 1, max: 10_000_000 }) }),
  fc.record({ k: fc.constant('tranche' as const), a: fc.nat(ALLOCS - 1), pct: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ k: fc.constant('hold' as const), a: fc.nat(ALLOCS - 1), amount: fc.integer({ min: 1, max: 5_000_000 }) }),
  // pct up to 150: a settlement may overrun its hold
  fc.record({ k: fc.constant('settle' as const), a: fc.nat(ALLOCS - 1), pct: fc.integer({ min: 0, max: 150 }) }),
  fc.record({ k: fc.constant('adjust' as const), a: fc.nat(ALLOCS - 1), amount: fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((x) => x !== 0) }),
  fc.record({ k: fc.constant('expire' as const), a: fc.nat(ALLOCS - 1) }),
);

describe('ledger (pure)', () => {
  it('every posting sums to zero; balances equal an independent model; nothing is created or lost', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const entries: L.Entry[] = [];
      const post = (p: L.Posting | null) => {
        if (!p) return;
        expect(p.entries.reduce((s, e) => s + e.amount, 0)).toBe(0);
        entries.push(...p.entries);
      };
      const model = Array.from({ length: ALLOCS }, () => ({ committed: 0, available: 0, held: 0, spent: 0, expired: 0, holds: [] as number[], expiredFlag: false }));
      let issued = 0;
      const program = 'p1';
      post(L.fundProgram(program, 100_000_000));
      let budget = 100_000_000;
      issued += 100_000_000;
      for (const o of ops) {
        const m = model[o.a]!;
        const id = `al${o.a}`;
        if (m.expiredFlag && o.k !== 'settle') continue; // an expired allocation takes no new SUs
        switch (o.k) {
          case 'award':
            if (o.amount > budget) break;
            post(L.award(id, program, o.amount)); budget -= o.amount; m.committed += o.amount; break;
          case 'tranche': {
            const amt = Math.floor((m.committed * o.pct) / 100);
            if (amt <= 0) break;
            post(L.releaseTranche(id, amt)); m.committed -= amt; m.available += amt; break;
          }
          case 'hold':
            if (o.amount > m.available) break; // refused: the balance cannot cover it
            post(L.hold(id, o.amount)); m.available -= o.amount; m.held += o.amount; m.holds.push(o.amount); break;
          case 'settle': {
            const h = m.holds.shift();
            if (h === undefined) break;
            const charge = Math.floor((h * o.pct) / 100);
            const r = L.settle(id, h, charge);
            post(r.settle); post(r.release);
            m.held -= h; m.spent += charge; m.available += h - charge; break;
          }
          case 'adjust':
            if (o.amount < 0 && -o.amount > m.available) break;
            post(L.adjust(id, o.amount)); m.available += o.amount; issued += o.amount; break;
          case 'expire': {
            const p = L.expire(id, m.available, m.committed);
            post(p);
            m.expired += Math.max(0, m.available) + m.committed;
            m.available = Math.min(0, m.available); m.committed = 0; m.expiredFlag = true; break;
          }
        }
        const b = L.balances(entries);
        // Conservation: all accounts together always sum to zero.
        expect([...b.values()].reduce((s, v) => s + v, 0)).toBe(0);
        expect(-(b.get(L.CENTER_ISSUED) ?? 0)).toBe(issued);
        expect(b.get(L.programBudget(program)) ?? 0).toBe(budget);
        for (let i = 0; i < ALLOCS; i++) {
          const mm = model[i]!;
          expect(L.allocationBalance(`al${i}`, b)).toEqual({ committed: mm.committed, available: mm.available, held: mm.held, spent: mm.spent, expired: mm.expired });
        }
      }
      // Once every hold is settled, nothing stays held.
      for (let i = 0; i < ALLOCS; i++) {
        for (const h of model[i]!.holds) { const r = L.settle(`al${i}`, h, h); post(r.settle); post(r.release); }
        expect(L.allocationBalance(`al${i}`, L.balances(entries)).held).toBe(0);
      }
    }), { numRuns: 300 });
  });

  it('a settlement never moves more than the hold plus the overrun, and hold = settle + release', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 2e9 }), (held, charge) => {
      const { settle, release } = L.settle('a', held, charge);
      const b = L.balances([...(settle?.entries ?? []), ...(release?.entries ?? [])]);
      expect(b.get('allocation:a:spent') ?? 0).toBe(charge);
      expect(0 - (b.get('allocation:a:held') ?? 0) + 0).toBe(held);
      expect((b.get('allocation:a:available') ?? 0) + 0).toBe(held - charge);
    }));
  });

  it('refuses malformed postings', () => {
    expect(() => L.checkPosting({ kind: 'adjustment', entries: [{ account: 'x', amount: 1 }] })).toThrow(/sum to 1/);
    expect(() => L.checkPosting({ kind: 'adjustment', entries: [{ account: 'x', amount: 0.5 }, { account: 'y', amount: -0.5 }] })).toThrow(/integer/);
    expect(() => L.settle('a', -1, 0)).toThrow();
    expect(L.parseAllocationAccount('allocation:al_1:held')).toEqual({ allocationId: 'al_1', bucket: 'held' });
    expect(L.parseAllocationAccount('program:p:budget')).toBeNull();
  });
});
