/**
 * Rates and charges, pure. A rate converts resource-time into service units: milli-SU per device-hour
 * (per accelerator type, or for any device when `acceleratorType` is null), per CPU-hour (CPU-only jobs), per
 * TB-month of storage. Rates are never edited in place: a change is a new rate with a later `effectiveFrom`,
 * so past charges keep the rate that was in force when the usage happened.
 *
 * The rate in force for (resource, type) at time t is the latest rate of that exact type with
 * effectiveFrom ≤ t, else the latest type-less rate of that resource with effectiveFrom ≤ t.
 * A usage interval that spans a rate change is split at the change and each part charged at its own rate.
 */
import { divCeil, divRoundHalfUp, MS_PER_HOUR, toSafe, type MilliSu } from './units.ts';

export const RATE_RESOURCES = ['device', 'cpu', 'storage', 'reservation_multiplier'] as const;
export type RateResource = (typeof RATE_RESOURCES)[number];

export interface Rate {
  id: number;
  resource: RateResource;
  /** For `device`: the accelerator type, or null for any type without its own rate. */
  acceleratorType: string | null;
  /**
   * mSU per device-hour (device), per CPU-hour (cpu), per TB-month (storage); for reservation_multiplier,
   * the multiplier in thousandths (1500 = 1.5×).
   */
  value: number;
  effectiveFrom: number;
}

/** The rate in force at `t`, or undefined when none is. `rates` in any order. */
export function rateAt(rates: readonly Rate[], resource: RateResource, type: string | null, t: number): Rate | undefined {
  let exact: Rate | undefined;
  let generic: Rate | undefined;
  for (const r of rates) {
    if (r.resource !== resource || r.effectiveFrom > t) continue;
    if (type !== null && r.acceleratorType === type) {
      if (!exact || r.effectiveFrom > exact.effectiveFrom || (r.effectiveFrom === exact.effectiveFrom && r.id > exact.id)) exact = r;
    } else if (r.acceleratorType === null) {
      if (!generic || r.effectiveFrom > generic.effectiveFrom || (r.effectiveFrom === generic.effectiveFrom && r.id > generic.id)) generic = r;
    }
  }
  return exact ?? generic;
}

/** One metered interval: a device (or a CPU-only node share, `cpus` CPUs) from startedAt to endedAt (ms). */
export interface MeteredInterval {
  acceleratorType: string | null;
  /** False for a CPU-only row (usage device -1): charged per CPU-hour for `cpus` CPUs. */
  device: boolean;
  cpus: number;
  startedAt: number;
  endedAt: number;
}

export interface Charge {
  amount: MilliSu;
  /** Device-milliseconds charged (sum over devices). */
  deviceMs: number;
  /** CPU-milliseconds of CPU-only rows (CPUs × ms). */
  cpuMs: number;
  /** Milliseconds with no rate in force (charged nothing; reported so an operator can see the gap). */
  unratedMs: number;
  /** The rate ids that priced this charge. */
  rateIds: number[];
}

/**
 * The charge for a set of intervals: Σ (ms × rate in force during those ms) / 3,600,000, rounded once,
 * half up, times the reservation multiplier (thousandths) when given.
 */
export function chargeFor(intervals: readonly MeteredInterval[], rates: readonly Rate[], multiplierPermille = 1000): Charge {
  let sum = 0n;
  let deviceMs = 0;
  let cpuMs = 0;
  let unratedMs = 0;
  const used = new Set<number>();
  for (const iv of intervals) {
    if (iv.endedAt <= iv.startedAt) continue;
    const resource: RateResource = iv.device ? 'device' : 'cpu';
    const type = iv.device ? iv.acceleratorType : null;
    const units = iv.device ? 1 : Math.max(1, iv.cpus);
    // Breakpoints: every rate change of this resource inside the interval.
    const cuts = [iv.startedAt];
    for (const r of rates) {
      if (r.resource === resource && r.effectiveFrom > iv.startedAt && r.effectiveFrom < iv.endedAt) cuts.push(r.effectiveFrom);
    }
    cuts.sort((a, b) => a - b);
    cuts.push(iv.endedAt);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const ms = cuts[i + 1]! - cuts[i]!;
      if (ms <= 0) continue;
      const rate = rateAt(rates, resource, type, cuts[i]!);
      if (!rate) {
        unratedMs += ms * units;
        continue;
      }
      used.add(rate.id);
      sum += BigInt(ms) * BigInt(units) * BigInt(rate.value);
    }
    if (iv.device) deviceMs += iv.endedAt - iv.startedAt;
    else cpuMs += (iv.endedAt - iv.startedAt) * units;
  }
  const amount = divRoundHalfUp(sum * BigInt(multiplierPermille), BigInt(MS_PER_HOUR) * 1000n);
  return { amount: toSafe(amount, 'the charge'), deviceMs, cpuMs, unratedMs, rateIds: [...used].sort((a, b) => a - b) };
}

/**
 * The most a job may cost: time limit × units × rate, rounded up. `units` is devices, or CPUs for a CPU-only
 * job; `rate` the rate in force now (mSU per unit-hour).
 */
export function worstCase(timeLimitSeconds: number, units: number, rate: number, multiplierPermille = 1000): MilliSu {
  const num = BigInt(timeLimitSeconds) * 1000n * BigInt(units) * BigInt(rate) * BigInt(multiplierPermille);
  return toSafe(divCeil(num, BigInt(MS_PER_HOUR) * 1000n), 'the cost');
}

/** The calendar month (UTC) that contains `t`: [start, end) in ms, and its key `YYYY-MM`. */
export function monthOf(t: number): { start: number; end: number; key: string } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1), key: `${y}-${String(m + 1).padStart(2, '0')}` };
}

/**
 * The storage charge for `storageGb` GB held over [from, to), which lie in one calendar month: a TB-month
 * is 1,000 GB for that whole month, so each millisecond costs rate × GB / (1,000 × the month's length).
 * Split at rate changes like chargeFor; rounded once, half up. Unrated time is reported, not charged.
 */
export function storageCharge(storageGb: number, from: number, to: number, rates: readonly Rate[]): { amount: MilliSu; unratedMs: number; rateIds: number[] } {
  const month = monthOf(from);
  if (to <= from || storageGb <= 0) return { amount: 0, unratedMs: 0, rateIds: [] };
  if (to > month.end) throw new Error(`storageCharge: [${from}, ${to}) crosses the end of ${month.key}`);
  const cuts = [from];
  for (const r of rates) if (r.resource === 'storage' && r.effectiveFrom > from && r.effectiveFrom < to) cuts.push(r.effectiveFrom);
  cuts.sort((a, b) => a - b);
  cuts.push(to);
  let sum = 0n;
  let unratedMs = 0;
  const used = new Set<number>();
  for (let i = 0; i + 1 < cuts.length; i++) {
    const ms = cuts[i + 1]! - cuts[i]!;
    if (ms <= 0) continue;
    const rate = rateAt(rates, 'storage', null, cuts[i]!);
    if (!rate) { unratedMs += ms; continue; }
    used.add(rate.id);
    sum += BigInt(ms) * BigInt(storageGb) * BigInt(rate.value);
  }
  const amount = divRoundHalfUp(sum, 1000n * BigInt(month.end - month.start));
  return { amount: toSafe(amount, 'the storage charge'), unratedMs, rateIds: [...used].sort((a, b) => a - b) };
}

/**
 * The charge for bytes actually stored over [from, to) (in one calendar month), from a series of samples
 * (each holds until the next; the first may begin before `from`), times `share` = part/whole (an
 * organization's stored bytes split among its allocations by what they grant). A TB-month is 10^12 bytes
 * for the whole month; split at rate changes; rounded once, half up. Returns the time-weighted average
 * stored bytes too (for the ledger's memo).
 */
export function storedStorageCharge(
  series: readonly { at: number; bytes: number }[], from: number, to: number, rates: readonly Rate[], share: { part: number; whole: number },
): { amount: MilliSu; averageBytes: number; unratedMs: number; rateIds: number[] } {
  const month = monthOf(from);
  if (to <= from || share.part <= 0 || share.whole <= 0) return { amount: 0, averageBytes: 0, unratedMs: 0, rateIds: [] };
  if (to > month.end) throw new Error(`storedStorageCharge: [${from}, ${to}) crosses the end of ${month.key}`);
  const cuts = new Set<number>([from, to]);
  for (const s of series) if (s.at > from && s.at < to) cuts.add(s.at);
  for (const r of rates) if (r.resource === 'storage' && r.effectiveFrom > from && r.effectiveFrom < to) cuts.add(r.effectiveFrom);
  const points = [...cuts].sort((a, b) => a - b);
  let sum = 0n;
  let byteMs = 0n;
  let unratedMs = 0;
  const used = new Set<number>();
  let k = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const at = points[i]!;
    const ms = points[i + 1]! - at;
    while (k + 1 < series.length && series[k + 1]!.at <= at) k++;
    const bytes = series[k] && series[k]!.at <= at ? series[k]!.bytes : 0;
    if (ms <= 0 || bytes <= 0) continue;
    byteMs += BigInt(ms) * BigInt(bytes);
    const rate = rateAt(rates, 'storage', null, at);
    if (!rate) { unratedMs += ms; continue; }
    used.add(rate.id);
    sum += BigInt(ms) * BigInt(bytes) * BigInt(rate.value);
  }
  const amount = divRoundHalfUp(sum * BigInt(share.part), 10n ** 12n * BigInt(month.end - month.start) * BigInt(share.whole));
  return {
    amount: toSafe(amount, 'the storage charge'), averageBytes: Number(byteMs / BigInt(to - from)), unratedMs,
    rateIds: [...used].sort((a, b) => a - b),
  };
}
