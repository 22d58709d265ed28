/**
 * The rates a fresh install starts with, so that a center in enforcing mode works out of the box and usage
 * reports show service units from the first job: one service unit is one hour of an H100 SXM at its dense
 * BF16 peak (989.4 TFLOPS), and every accelerator type of the catalog is rated by its own 16-bit dense peak
 * against that (BF16 where published, else FP16) — ABCI's "points" and ACCESS's SU-per-GPU-hour follow the
 * same idea. A type with no 16-bit figure is rated 1 SU per device-hour. CPUs: 0.01 SU per CPU-hour.
 * Operators replace them with `cheomdan rates set`; past charges keep the rates in force when they ran.
 */
import { ACCELERATOR_CATALOG } from '../accelerators.ts';
import type { RateResource } from './rates.ts';

const REFERENCE_TFLOPS = 989.4; // H100 SXM5, dense BF16 (core/accelerators.ts)

export interface DefaultRate {
  resource: RateResource;
  acceleratorType: string | null;
  /** milli-SU per device-hour (or CPU-hour). */
  value: number;
  note: string;
}

export function defaultRates(): DefaultRate[] {
  const out: DefaultRate[] = ACCELERATOR_CATALOG.map((t) => {
    const peak = t.peak.bf16 ?? t.peak.fp16;
    const value = peak === null ? 1000 : Math.max(1, Math.round((peak / REFERENCE_TFLOPS) * 1000));
    return {
      resource: 'device', acceleratorType: t.id, value,
      note: peak === null ? 'default: 1 SU per device-hour (no 16-bit peak published)' : `default: ${peak} TFLOPS 16-bit dense peak / H100 SXM's ${REFERENCE_TFLOPS}`,
    };
  });
  out.push({ resource: 'device', acceleratorType: null, value: 1000, note: 'default: 1 SU per device-hour for a type the catalog does not rate' });
  out.push({ resource: 'cpu', acceleratorType: null, value: 10, note: 'default: 0.01 SU per CPU-hour' });
  return out;
}
