/**
 * A seeded synthetic workload: Poisson arrivals, a discrete size distribution, log-normal durations, tenants
 * with Zipf-like weights. The same options (seed included) always give the same jobs.
 *
 * Defaults are Philly-shaped (see shared/traces/README.md): 93% one-device jobs, median run ~1,144 s with a
 * heavy tail (σ = 2.2 puts the mean near 13,000 s like the trace), sizes up to 64 devices.
 */
import { asJobId, asPartition, asProjectId, asTenantId } from '../core/ids.ts';
import { Rng } from './rng.ts';
import { requestForDevices } from './trace.ts';
import type { SimJob } from './types.ts';

export interface SyntheticOptions {
  seed: number;
  jobs: number;
  /** Mean seconds between arrivals (Poisson process). */
  meanInterarrivalSeconds: number;
  /** Device counts and their weights. */
  sizes?: readonly (readonly [number, number])[];
  medianDurationSeconds?: number;
  durationSigma?: number;
  maxDurationSeconds?: number;
  tenants?: number;
  /** Partitions, round-robin weighted equally. */
  partitions?: readonly string[];
  perNode?: number;
  limitFactor?: number;
}

export const PHILLY_SIZES: readonly (readonly [number, number])[] = [
  [1, 76627], [2, 1818], [4, 1870], [8, 1643], [16, 199], [32, 67], [64, 6],
];

export function syntheticJobs(o: SyntheticOptions): SimJob[] {
  const rng = new Rng(o.seed);
  const sizes = o.sizes ?? PHILLY_SIZES;
  const weights = sizes.map(([, w]) => w);
  const tenants = o.tenants ?? 10;
  const tenantWeights = Array.from({ length: tenants }, (_, i) => 1 / (i + 1));
  const partitions = o.partitions ?? ['gpu'];
  const median = o.medianDurationSeconds ?? 1144;
  const sigma = o.durationSigma ?? 2.2;
  const maxD = o.maxDurationSeconds ?? 4_628_226;
  const perNode = o.perNode ?? 8;
  const factor = o.limitFactor ?? 1;
  const out: SimJob[] = new Array(o.jobs);
  let t = 0;
  for (let i = 0; i < o.jobs; i++) {
    t += rng.exponential(o.meanInterarrivalSeconds);
    const devices = sizes[rng.weighted(weights)]![0];
    const duration = Math.max(1, Math.min(maxD, Math.round(rng.logNormal(median, sigma))));
    const tenant = `tenant-${rng.weighted(tenantWeights)}`;
    const partition = partitions[i % partitions.length]!;
    out[i] = {
      duration,
      job: {
        id: asJobId(`syn-${i}`), tenant: asTenantId(tenant), project: asProjectId(`${tenant}-p${rng.weighted([3, 2, 1])}`),
        partition: asPartition(partition), submittedAt: Math.round(t), priority: 0,
        request: requestForDevices(devices, perNode, Math.max(1, Math.ceil(duration * factor))),
        expectedDurationSeconds: duration,
      },
    };
  }
  return out;
}
