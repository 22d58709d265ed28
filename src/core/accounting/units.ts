/**
 * Service units (SU) as exact integers. Every amount in the ledger is an integer number of milli-SU
 * (1 SU = 1000 mSU): sums of integers never drift, and a balance is the exact sum of its entries.
 *
 * Rates are integers too: milli-SU per device-hour (or per CPU-hour, per TB-month). A charge is
 * Σ(milliseconds × rate) / 3,600,000, computed in BigInt (a month of 1,000 devices at 10⁷ mSU/h overflows a
 * double's 2⁵³) and rounded once, half up, per charge — never per row, so splitting an interval never
 * changes a charge by more than the one rounding.
 */
import { CheomdanError } from '../errors.ts';

/** Milli-service-units: the ledger's integer currency. */
export type MilliSu = number;

export const MSU_PER_SU = 1000;
export const MS_PER_HOUR = 3_600_000;

/** "12.5" SU → 12500 mSU. Accepts a number or a decimal string with at most 3 decimals. */
export function suToMilli(su: number | string, path = 'serviceUnits'): MilliSu {
  const s = typeof su === 'number' ? String(su) : su.trim();
  if (!/^-?\d+(\.\d{1,3})?$/.test(s)) {
    throw new CheomdanError('validation_failed', `"${s}" is not an amount of service units; use a decimal with at most 3 decimals, e.g. 1500 or 12.5`, {
      errors: [{ path, message: 'not a service-unit amount' }],
    });
  }
  const neg = s.startsWith('-');
  const [whole, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = Number(whole) * MSU_PER_SU + Number(frac.padEnd(3, '0'));
  if (!Number.isSafeInteger(v)) throw new CheomdanError('validation_failed', `${s} SU is too large`, { errors: [{ path, message: 'too large' }] });
  return neg ? -v : v;
}

/** 12500 mSU → 12.5 (a number of SU, for JSON). */
export const milliToSu = (m: MilliSu): number => m / MSU_PER_SU;

/** 12500 → "12.5 SU" for messages. */
export function formatSu(m: MilliSu): string {
  const neg = m < 0;
  const a = Math.abs(m);
  const whole = Math.floor(a / MSU_PER_SU);
  const frac = String(a % MSU_PER_SU).padStart(3, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole.toLocaleString('en-US')}${frac ? '.' + frac : ''} SU`;
}

/** Rounds a BigInt numerator / denominator half up (both non-negative). */
export function divRoundHalfUp(num: bigint, den: bigint): bigint {
  return (num * 2n + den) / (den * 2n);
}

/** Rounds up (a hold covers at least the worst case). */
export function divCeil(num: bigint, den: bigint): bigint {
  return (num + den - 1n) / den;
}

/** BigInt → safe integer, or a loud error (an amount beyond 2⁵³ mSU is a bug or an absurd request). */
export function toSafe(n: bigint, what: string): number {
  const v = Number(n);
  if (!Number.isSafeInteger(v)) throw new CheomdanError('validation_failed', `${what} is too large to account for (${n} mSU)`);
  return v;
}
