/** Rates and charges: the charge equals device-time × the rate in force when it ran, exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargeFor, monthOf, rateAt, storageCharge, storedStorageCharge, worstCase, type MeteredInterval, type Rate } from './rates.ts';
import { formatSu, suToMilli } from './units.ts';

const H = 3_600_000;

describe('rates', () => {
  const rates: Rate[] = [
    { id: 1, resource: 'device', acceleratorType: null, value: 1000, effectiveFrom: 0 },
    { id: 2, resource: 'device', acceleratorType: 'h100', value: 1500, effectiveFrom: 0 },
    { id: 3, resource: 'device', acceleratorType: 'h100', value: 3000, effectiveFrom: 10 * H },
    { id: 4, resource: 'cpu', acceleratorType: null, value: 10, effectiveFrom: 0 },
  ];
  const cases: Record<string, { type: string | null; t: number; want: number | undefined }> = {
    'exact type wins': { type: 'h100', t: H, want: 2 },
    'later change applies from its time': { type: 'h100', t: 10 * H, want: 3 },
    'other types fall back to the type-less rate': { type: 'rngd', t: 20 * H, want: 1 },
    'nothing before the first rate': { type: 'h100', t: -1, want: undefined },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(rateAt(rates, 'device', c.type, c.t)?.id).toBe(c.want));
  }

  it('splits an interval at a rate change (1.5 SU/h for 1 h, then 3 SU/h for 1 h = 4.5 SU)', () => {
    const c = chargeFor([{ acceleratorType: 'h100', device: true, cpus: 0, startedAt: 9 * H, endedAt: 11 * H }], rates);
    expect(c.amount).toBe(4500);
    expect(c.rateIds).toEqual([2, 3]);
    expect(c.deviceMs).toBe(2 * H);
  });

  it('CPU-only rows are charged per CPU-hour', () => {
    expect(chargeFor([{ acceleratorType: null, device: false, cpus: 4, startedAt: 0, endedAt: H / 2 }], rates).amount).toBe(20);
  });

  it('property: charge = Σ device-ms × rate in force / 1 h, rounded once; splitting intervals changes nothing', () => {
    const arb = fc.record({
      changes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 100 * H }), value: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 1, maxLength: 5 }),
      ivs: fc.array(fc.record({ s: fc.integer({ min: 0, max: 100 * H }), len: fc.integer({ min: 0, max: 50 * H }), cut: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 8 }),
    });
    fc.assert(fc.property(arb, ({ changes, ivs }) => {
      const rs: Rate[] = changes.map((c, i) => ({ id: i + 1, resource: 'device', acceleratorType: 'x', value: c.value, effectiveFrom: c.at }));
      const whole: MeteredInterval[] = ivs.map((i) => ({ acceleratorType: 'x', device: true, cpus: 0, startedAt: i.s, endedAt: i.s + i.len }));
      const split: MeteredInterval[] = ivs.flatMap((i) => {
        const m = i.s + Math.floor(i.len * i.cut);
        return [{ acceleratorType: 'x', device: true, cpus: 0, startedAt: i.s, endedAt: m }, { acceleratorType: 'x', device: true, cpus: 0, startedAt: m, endedAt: i.s + i.len }];
      });
      // Independent reference: for each rate period, its overlap with each interval × its value.
      const periods = [...rs].sort((a, b) => a.effectiveFrom - b.effectiveFrom || a.id - b.id);
      let num = 0n;
      let unrated = 0;
      for (const iv of whole) {
        let covered = 0;
        for (let k = 0; k < periods.length; k++) {
          const from = periods[k]!.effectiveFrom;
          const next = periods.slice(k + 1).find((p) => p.effectiveFrom > from);
          const to = next ? next.effectiveFrom : Infinity;
          if (periods.slice(k + 1).some((p) => p.effectiveFrom === from)) continue; // superseded at the same instant
          const ov = Math.max(0, Math.min(iv.endedAt, to) - Math.max(iv.startedAt, from));
          num += BigInt(ov) * BigInt(periods[k]!.value);
          covered += ov;
        }
        unrated += iv.endedAt - iv.startedAt - covered;
      }
      const want = Number((num * 2n + BigInt(H)) / (2n * BigInt(H)));
      const a = chargeFor(whole, rs);
      expect(a.amount).toBe(want);
      expect(a.unratedMs).toBe(unrated);
      expect(chargeFor(split, rs).amount).toBe(want);
    }), { numRuns: 300 });
  });

  it('worst case rounds up and never under-holds', () => {
    expect(worstCase(3600, 4, 1500)).toBe(6000);
    expect(worstCase(1, 1, 1)).toBe(1);
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 * 86400 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1e6 }), (t, d, r) => {
      const hold = worstCase(t, d, r);
      const ivs = Array.from({ length: Math.min(d, 5) }, () => ({ acceleratorType: 'x', device: true, cpus: 0, startedAt: 0, endedAt: t * 1000 }));
      const charge = chargeFor(ivs, [{ id: 1, resource: 'device', acceleratorType: 'x', value: r, effectiveFrom: 0 }]).amount;
      expect(charge).toBeLessThanOrEqual(hold);
    }));
  });

  it('parses and formats SU amounts exactly', () => {
    expect(suToMilli('12.5')).toBe(12500);
    expect(suToMilli(1500)).toBe(1_500_000);
    expect(suToMilli('-0.001')).toBe(-1);
    expect(() => suToMilli('1.2345')).toThrow(/at most 3 decimals/);
    expect(() => suToMilli('abc')).toThrow();
    expect(formatSu(1_234_500)).toBe('1,234.5 SU');
  });
});

describe('storage charges', () => {
  const nov = Date.UTC(2026, 10, 1); // 30 days
  const dec = Date.UTC(2026, 11, 1);
  const storage = (id: number, suPerTbMonth: number, from: number): Rate => ({ id, resource: 'storage', acceleratorType: null, value: suPerTbMonth * 1000, effectiveFrom: from });

  it('knows calendar months', () => {
    expect(monthOf(Date.UTC(2026, 10, 25, 13))).toEqual({ start: nov, end: dec, key: '2026-11' });
    expect(monthOf(Date.UTC(2026, 11, 31, 23, 59)).key).toBe('2026-12');
    expect(monthOf(Date.UTC(2028, 1, 10)).end - Date.UTC(2028, 1, 1)).toBe(29 * 86_400_000); // a leap February
  });

  it('charges a whole month at the rate: 10 TB × 100 SU per TB-month = 1,000 SU', () => {
    expect(storageCharge(10_000, nov, dec, [storage(1, 100, 0)])).toEqual({ amount: 1_000_000, unratedMs: 0, rateIds: [1] });
  });

  it('prorates a partial month by its days, and splits at a rate change', () => {
    const day = 86_400_000;
    // 15 of November's 30 days at 100 SU, 5 days at 200 SU, for 3 TB: 150 + 100 = 250 SU
    const rates = [storage(1, 100, 0), storage(2, 200, nov + 15 * day)];
    expect(storageCharge(3000, nov, nov + 20 * day, rates)).toEqual({ amount: 250_000, unratedMs: 0, rateIds: [1, 2] });
  });

  it('charges nothing while no storage rate is in force, and says for how long', () => {
    const c = storageCharge(1000, nov, dec, [storage(1, 30, nov + 10 * 86_400_000)]);
    expect(c).toEqual({ amount: 20_000, unratedMs: 10 * 86_400_000, rateIds: [1] });
  });

  it('refuses an interval that crosses a month end (each month is charged on its own)', () => {
    expect(() => storageCharge(1000, nov, dec + 1, [storage(1, 1, 0)])).toThrow(/crosses the end of 2026-11/);
  });
});

describe('charges for stored bytes', () => {
  const nov = Date.UTC(2026, 10, 1); // 30 days
  const dec = Date.UTC(2026, 11, 1);
  const day = 86_400_000;
  const storage = (id: number, suPerTbMonth: number, from: number): Rate => ({ id, resource: 'storage', acceleratorType: null, value: suPerTbMonth * 1000, effectiveFrom: from });
  const all = { part: 1, whole: 1 };

  it('a constant 2 TB all month at 100 SU per TB-month is 200 SU; the sample before the month counts', () => {
    expect(storedStorageCharge([{ at: nov - day, bytes: 2e12 }], nov, dec, [storage(1, 100, 0)], all)).toEqual({ amount: 200_000, averageBytes: 2e12, unratedMs: 0, rateIds: [1] });
  });

  it('weights each sample by how long it held, splits at rate changes, and shares by grant', () => {
    // 0 for 10 days, 3 TB for 10 days, 6 TB for 10 days: an average of 3 TB; the rate doubles on day 20
    const series = [{ at: nov + 10 * day, bytes: 3e12 }, { at: nov + 20 * day, bytes: 6e12 }];
    const c = storedStorageCharge(series, nov, dec, [storage(1, 100, 0), storage(2, 200, nov + 20 * day)], all);
    // 3 TB × 10/30 × 100 + 6 TB × 10/30 × 200 = 100 + 400 SU
    expect(c).toEqual({ amount: 500_000, averageBytes: 3e12, unratedMs: 0, rateIds: [1, 2] });
    expect(storedStorageCharge(series, nov, dec, [storage(1, 100, 0), storage(2, 200, nov + 20 * day)], { part: 1, whole: 4 }).amount).toBe(125_000);
  });

  it('nothing stored, nothing charged; a month end is never crossed', () => {
    expect(storedStorageCharge([], nov, dec, [storage(1, 100, 0)], all).amount).toBe(0);
    expect(() => storedStorageCharge([], nov, dec + 1, [storage(1, 1, 0)], all)).toThrow(/crosses the end of 2026-11/);
  });

  it('agrees with the granted-storage charge when the stored bytes are constant (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 29 }), fc.integer({ min: 1, max: 5000 }), (gb, days, su) => {
      const rates = [storage(1, su, 0)];
      const a = storageCharge(gb, nov, nov + days * day, rates).amount;
      const b = storedStorageCharge([{ at: 0, bytes: gb * 1e9 }], nov, nov + days * day, rates, all).amount;
      return a === b;
    }));
  });
});
