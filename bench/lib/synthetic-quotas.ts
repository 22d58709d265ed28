/**
 * Seeded synthetic quotas for the benchmarks (issue 13; in lib/, so bench/run.ts does not list it as one):
 * `tenants` organizations (tenant-0 … tenant-(n-1), the names src/simulator/synthetic.ts gives its jobs'
 * tenants), dealt round-robin into `cohorts` cohorts, each guaranteed a seeded share of one accelerator type. The guarantees sum exactly to `capacity` (the
 * cluster's devices of that type): the hardest case for the ledger, since every idle device belongs to
 * someone and every borrowed one may be reclaimed. Each may borrow a seeded 25–100% of the mean guarantee
 * (`borrow: 'none'` for hard quotas) and lends all of its idle guarantee.
 */
import { asAcceleratorType, asTenantId } from '../../src/core/ids.ts';
import type { QuotaSnapshot } from '../../src/scheduler/types.ts';
import { Rng } from '../../src/simulator/rng.ts';

export interface SyntheticQuotaOptions {
  seed: number;
  tenants: number;
  cohorts: number;
  capacity: number;
  type?: string;
  /** 'seeded' (default): 25–100% of the mean guarantee; 'none': hard quotas; 'unlimited'. */
  borrow?: 'seeded' | 'none' | 'unlimited';
  /** Explicit shares (weights) instead of seeded ones, e.g. [1, 1] for two equal organizations. */
  shares?: readonly number[];
}

export function syntheticQuotas(o: SyntheticQuotaOptions): QuotaSnapshot[] {
  const rng = new Rng(o.seed);
  const type = asAcceleratorType(o.type ?? 'nvidia-h100-sxm-80gb');
  const weights = o.shares ?? Array.from({ length: o.tenants }, () => 0.5 + rng.next());
  const total = weights.reduce((s, w) => s + w, 0);
  const guaranteed = weights.map((w) => Math.floor((o.capacity * w) / total));
  // Hand out the rounding remainder one device each, so the guarantees sum to the capacity exactly.
  for (let i = 0, left = o.capacity - guaranteed.reduce((s, g) => s + g, 0); left > 0; i = (i + 1) % guaranteed.length, left--) guaranteed[i]! += 1;
  const mean = o.capacity / o.tenants;
  return guaranteed.map((g, i) => ({
    tenant: asTenantId(`tenant-${i}`), acceleratorType: type, guaranteedDevices: g,
    borrowLimitDevices: o.borrow === 'none' ? 0 : o.borrow === 'unlimited' ? Number.POSITIVE_INFINITY : Math.ceil(mean * (0.25 + 0.75 * rng.next())),
    cohort: o.cohorts > 0 ? `cohort-${i % o.cohorts}` : undefined,
  }));
}
