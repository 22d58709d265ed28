/**
 * multifactor: Slurm-style weighted priority. priority = w_age·age + w_fair·fairShare + w_size·size +
 * w_qos·qos + nice, every factor in [0, 1] (nice is the job's own `priority`, unweighted). The breakdown is
 * kept per job (`factors`) so a user can see why the job ranks where it does (Slurm's sprio).
 *
 *   age       min(1, waited / maxAgeSeconds)
 *   fairShare tenant factor × project factor from decayed usage (fairshare.ts)
 *   size      devices / partition devices (or 1 − that with favorSmall, the default: short queues for small jobs)
 *   qos       the QOS's weight / the largest QOS weight (unknown or absent QOS: 0)
 */
import type { OrderContext, OrderPolicy } from './order.ts';
import { devicesOf } from './order.ts';
import type { FairShare } from '../fairshare.ts';
import type { PendingJobSnapshot } from '../types.ts';

export interface MultifactorConfig {
  weights: { age: number; fairShare: number; jobSize: number; qos: number };
  maxAgeSeconds: number;
  halfLifeSeconds: number;
  favorSmall: boolean;
  qos: Readonly<Record<string, number>>;
}

export const DEFAULT_MULTIFACTOR: MultifactorConfig = {
  // Slurm's documented example weights scaled to 1000s; fair share dominates, as in most HPC centers.
  weights: { age: 1000, fairShare: 10000, jobSize: 1000, qos: 2000 },
  maxAgeSeconds: 7 * 24 * 3600,
  halfLifeSeconds: 7 * 24 * 3600,
  favorSmall: true,
  qos: { high: 1, normal: 0.5, low: 0 },
};

export interface MultifactorContext extends OrderContext {
  fairShare: FairShare;
}

export function makeMultifactor(c: MultifactorConfig): OrderPolicy {
  const maxQos = Math.max(0, ...Object.values(c.qos)) || 1;
  const w = c.weights;
  const terms = (j: PendingJobSnapshot, ctx: OrderContext) => {
    const fs = (ctx as MultifactorContext).fairShare.factors(j.tenant, j.project);
    const size = Math.min(1, devicesOf(j) / Math.max(1, ctx.partitionDevices(j.partition)));
    return {
      fs,
      age: Math.min(1, Math.max(0, ctx.now - j.submittedAt) / c.maxAgeSeconds),
      jobSize: c.favorSmall ? 1 - size : size,
      qos: j.qos !== undefined ? (c.qos[j.qos] ?? 0) / maxQos : 0,
    };
  };
  // The same sum as `factors`, without allocating: it runs for every pending job every cycle.
  // Jobs of one partition tend to come together: remember the last partition's size (per context).
  let lastCtx: OrderContext | undefined;
  let lastPartition = '';
  let lastDevices = 1;
  const priority = (j: PendingJobSnapshot, ctx: OrderContext) => {
    const fs = (ctx as MultifactorContext).fairShare.factors(j.tenant, j.project).fairShare;
    if (ctx !== lastCtx || j.partition !== lastPartition) {
      lastCtx = ctx;
      lastPartition = j.partition;
      lastDevices = Math.max(1, ctx.partitionDevices(j.partition));
    }
    const size = Math.min(1, (j.request.tasks * j.request.devicesPerTask) / lastDevices);
    const age = Math.min(1, Math.max(0, ctx.now - j.submittedAt) / c.maxAgeSeconds);
    const qos = j.qos !== undefined ? (c.qos[j.qos] ?? 0) / maxQos : 0;
    return w.age * age + w.fairShare * fs + w.jobSize * (c.favorSmall ? 1 - size : size) + w.qos * qos + j.priority;
  };
  const factors = (j: PendingJobSnapshot, ctx: OrderContext): Record<string, number> => {
    const t = terms(j, ctx);
    return {
      age: t.age, fairShare: t.fs.fairShare, tenantFairShare: t.fs.tenant, projectFairShare: t.fs.project,
      jobSize: t.jobSize, qos: t.qos, nice: j.priority, priority: priority(j, ctx),
    };
  };
  return {
    name: 'multifactor', clairvoyant: false, preemptive: false, defaultBackfill: 'easy',
    rank: (j, ctx) => -priority(j, ctx),
    runningRank: (j, ctx) => -priority(j, ctx),
    factors,
  };
}
