/**
 * Policy configuration: one validated object chosen by name, checked once at start-up (makePolicy). An
 * invalid option fails fast with a message naming the valid ones — never a silent fallback (unlike Slurm).
 *
 * Defaults (each says where it comes from):
 *   queueDepth 100          Slurm's default_queue_depth: full placement attempts per partition per cycle;
 *                           jobs beyond it still get a (cheap) reason.
 *   scanDepth 1000          jobs examined per cycle in each partition, in rank order (Slurm's
 *                           bf_max_job_test is 500–1000 in practice); the rest get a cheap "priority" reason
 *                           and are not even sorted, so a cycle with 100,000 pending jobs stays in budget.
 *   forwardReleases 5000    release events one forward simulation may replay (the shadow and the estimates);
 *                           past it the head gets a lower bound and only jobs that end before it backfill
 *                           (Slurm bounds the same work with bf_window). Keeps a cycle on 55,000 running
 *                           jobs within budget.
 *   estimateDepth 50        pending jobs per partition that get an estimated start by forward simulation.
 *   preemption.maxPerWindow 3 in windowSeconds 3600: a job is preempted at most 3 times an hour (anti-thrash).
 *   preemption.minRunSeconds 60: a job runs at least a minute before it can be preempted again.
 *   checkpoint 30 s + 2 s per device: modelled cost of checkpoint and restart, added by the simulator to the
 *                           victim's remaining run time (the scheduler uses it to prefer cheap victims).
 */
import { z } from 'zod';
import { CheomdanError } from '../core/errors.ts';
import { BACKFILL_MODES, ORDER_NAMES, type BackfillMode, type OrderName, type OrderPolicy } from './policies/order.ts';
import { fifo, fifoBackfill } from './policies/order-fifo.ts';
import { sjf, srtf } from './policies/order-sjf.ts';
import { DEFAULT_LAS_THRESHOLDS, makeLas } from './policies/order-las.ts';
import { DEFAULT_MULTIFACTOR, makeMultifactor, type MultifactorConfig } from './policies/order-multifactor.ts';

export interface PreemptionConfig {
  /** Preempt running jobs of a worse rank for a blocked job (default: what the order policy says). */
  byPriority: boolean;
  /** Preempt borrowed capacity when its owner needs it (default true; only matters with quotas). */
  reclaim: boolean;
  maxPerWindow: number;
  windowSeconds: number;
  minRunSeconds: number;
  checkpoint: { baseSeconds: number; perDeviceSeconds: number };
}

export interface PolicyConfig {
  order: OrderName;
  backfill?: BackfillMode | undefined;
  queueDepth?: number | undefined;
  scanDepth?: number | undefined;
  forwardReleases?: number | undefined;
  estimateDepth?: number | undefined;
  /** 'all' (default): every pending job gets a reason; 'none': decisions only (fast simulation). */
  explain?: 'all' | 'none' | undefined;
  las?: { thresholds?: number[] | undefined; starvationFactor?: number | undefined } | undefined;
  multifactor?: Partial<Omit<MultifactorConfig, 'weights'>> & { weights?: Partial<MultifactorConfig['weights']> | undefined } | undefined;
  preemption?: Partial<Omit<PreemptionConfig, 'checkpoint'>> & { checkpoint?: Partial<PreemptionConfig['checkpoint']> | undefined } | undefined;
}

export interface Policy {
  name: OrderName;
  order: OrderPolicy;
  backfill: BackfillMode;
  queueDepth: number;
  scanDepth: number;
  forwardReleases: number;
  estimateDepth: number;
  explain: 'all' | 'none';
  preemption: PreemptionConfig;
  multifactor: MultifactorConfig;
  lasThresholds: readonly number[];
  /** Modelled checkpoint/restart cost of preempting a job of `devices` devices, in seconds. */
  restartCost(devices: number): number;
}

const num = z.number().finite().nonnegative();
const schema = z.strictObject({
  order: z.string(),
  backfill: z.enum(BACKFILL_MODES).optional(),
  queueDepth: z.number().int().positive().optional(),
  scanDepth: z.number().int().positive().optional(),
  forwardReleases: z.number().int().positive().optional(),
  estimateDepth: z.number().int().nonnegative().optional(),
  explain: z.enum(['all', 'none']).optional(),
  las: z.strictObject({ thresholds: z.array(num).optional(), starvationFactor: z.number().positive().optional() }).optional(),
  multifactor: z.strictObject({
    weights: z.strictObject({ age: num.optional(), fairShare: num.optional(), jobSize: num.optional(), qos: num.optional() }).optional(),
    maxAgeSeconds: z.number().positive().optional(),
    halfLifeSeconds: z.number().positive().optional(),
    favorSmall: z.boolean().optional(),
    qos: z.record(z.string(), num).optional(),
  }).optional(),
  preemption: z.strictObject({
    byPriority: z.boolean().optional(),
    reclaim: z.boolean().optional(),
    maxPerWindow: z.number().int().nonnegative().optional(),
    windowSeconds: num.optional(),
    minRunSeconds: num.optional(),
    checkpoint: z.strictObject({ baseSeconds: num.optional(), perDeviceSeconds: num.optional() }).optional(),
  }).optional(),
});

/** Validates a policy config (or just an order name) and builds the policy; throws `invalid_config`. */
export function makePolicy(config: PolicyConfig | string): Policy {
  const raw: unknown = typeof config === 'string' ? { order: config } : config;
  const orderName = (raw as { order?: unknown } | null)?.order;
  if (typeof orderName !== 'string' || !(ORDER_NAMES as readonly string[]).includes(orderName)) {
    throw new CheomdanError('invalid_config', `unknown scheduling policy ${JSON.stringify(orderName)}; valid policies: ${ORDER_NAMES.join(', ')}`, {
      errors: [{ path: 'order', message: `must be one of: ${ORDER_NAMES.join(', ')}` }],
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new CheomdanError('invalid_config', `invalid policy config: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, { errors });
  }
  const c = parsed.data;
  const thresholds = [...(c.las?.thresholds ?? DEFAULT_LAS_THRESHOLDS)];
  for (let i = 1; i < thresholds.length; i++) {
    if (thresholds[i]! <= thresholds[i - 1]!) {
      throw new CheomdanError('invalid_config', 'las.thresholds must be strictly increasing device-second values, e.g. [3600, 36000]');
    }
  }
  const mfIn = c.multifactor ?? {};
  const multifactor: MultifactorConfig = {
    weights: { ...DEFAULT_MULTIFACTOR.weights, ...stripUndefined(mfIn.weights ?? {}) },
    maxAgeSeconds: mfIn.maxAgeSeconds ?? DEFAULT_MULTIFACTOR.maxAgeSeconds,
    halfLifeSeconds: mfIn.halfLifeSeconds ?? DEFAULT_MULTIFACTOR.halfLifeSeconds,
    favorSmall: mfIn.favorSmall ?? DEFAULT_MULTIFACTOR.favorSmall,
    qos: mfIn.qos ?? DEFAULT_MULTIFACTOR.qos,
  };
  const name = orderName as OrderName;
  const order: OrderPolicy =
    name === 'fifo' ? fifo : name === 'fifo-backfill' ? fifoBackfill : name === 'sjf' ? sjf : name === 'srtf' ? srtf
      : name === 'las' ? makeLas(thresholds, c.las?.starvationFactor) : makeMultifactor(multifactor);
  const p = c.preemption ?? {};
  const preemption: PreemptionConfig = {
    byPriority: p.byPriority ?? order.preemptive,
    reclaim: p.reclaim ?? true,
    maxPerWindow: p.maxPerWindow ?? 3,
    windowSeconds: p.windowSeconds ?? 3600,
    minRunSeconds: p.minRunSeconds ?? 60,
    checkpoint: { baseSeconds: p.checkpoint?.baseSeconds ?? 30, perDeviceSeconds: p.checkpoint?.perDeviceSeconds ?? 2 },
  };
  return {
    name, order,
    backfill: c.backfill ?? order.defaultBackfill,
    queueDepth: c.queueDepth ?? 100,
    scanDepth: c.scanDepth ?? 1000,
    forwardReleases: c.forwardReleases ?? 5000,
    estimateDepth: c.estimateDepth ?? 50,
    explain: c.explain ?? 'all',
    preemption, multifactor, lasThresholds: thresholds,
    restartCost: (devices) => preemption.checkpoint.baseSeconds + preemption.checkpoint.perDeviceSeconds * devices,
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
