import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupUsage, pace, scheduleStatus, toCsv, type ChargeFact } from './report.ts';

const fact = (over: Partial<ChargeFact>): ChargeFact => ({ at: Date.UTC(2027, 0, 15), tenant: 't1', project: 'p1', user: 'u1', program: 'g', allocation: 'a1', acceleratorType: 'h100', amount: 1000, deviceMs: 3_600_000, cpuMs: 0, ...over });

describe('reports (pure)', () => {
  it('groups by month and type; totals equal the sum of the rows whatever the grouping', () => {
    const facts = [fact({}), fact({ at: Date.UTC(2027, 1, 2), amount: 500 }), fact({ acceleratorType: null, amount: 7, deviceMs: 0, cpuMs: 10 })];
    const r = groupUsage(facts, ['month', 'acceleratorType']);
    expect(r.rows.map((x) => [x.key.month, x.key.acceleratorType, x.amount])).toEqual([['2027-01', 'cpu', 7], ['2027-01', 'h100', 1000], ['2027-02', 'h100', 500]]);
    expect(r.total.amount).toBe(1507);
    const dims = ['tenant', 'project', 'user', 'program', 'allocation', 'month', 'acceleratorType'] as const;
    fc.assert(fc.property(fc.array(fc.record({ t: fc.constantFrom('a', 'b'), m: fc.integer({ min: 0, max: 11 }), amt: fc.nat(1e6) })), fc.subarray([...dims]), (xs, by) => {
      const g = groupUsage(xs.map((x) => fact({ tenant: x.t, at: Date.UTC(2027, x.m, 1), amount: x.amt })), by);
      expect(g.rows.reduce((s, x) => s + x.amount, 0)).toBe(xs.reduce((s, x) => s + x.amt, 0));
      expect(g.total.attempts).toBe(xs.length);
    }));
  });

  it('pace: under- and overspending against the elapsed period', () => {
    const a = { awardedMsu: 1000, startsAt: 0, endsAt: 100 };
    expect(pace(a, 0, 50).verdict).toBe('underspending');
    expect(pace(a, 500, 50).verdict).toBe('on_pace');
    expect(pace(a, 900, 50).verdict).toBe('overspending');
    expect(pace(a, 0, 10).verdict).toBe('on_pace');
    expect(pace(a, 0, 100).verdict).toBe('ended');
  });

  it('report schedule: on time, late, overdue, upcoming', () => {
    const due = [{ kind: 'progress', dueAt: 10 }, { kind: 'progress', dueAt: 30 }, { kind: 'final', dueAt: 50 }, { kind: 'progress', dueAt: 100 }];
    const s = scheduleStatus(due, [{ kind: 'progress', submittedAt: 5 }, { kind: 'progress', submittedAt: 35 }], 60);
    expect(s.map((x) => x.status)).toEqual(['submitted_on_time', 'submitted_late', 'overdue', 'upcoming']);
  });

  it('CSV quotes what needs quoting', () => {
    expect(toCsv([{ a: 'x,y', b: 'say "hi"', c: null }])).toBe('a,b,c\r\n"x,y","say ""hi""",\r\n');
  });
});
