/**
 * Order policies: which pending job goes first. Each is a narrow table of functions selected by name
 * (Slurm's priority plugin interface): `rank` (lower runs first; ties go to the earlier submission, then the
 * higher user priority, then the job id), optional `factors` (the breakdown shown to people), and flags that
 * say how the cycle treats blocked jobs and whether running jobs of a worse rank may be preempted.
 */
import type { PendingJobSnapshot, RunningJobSnapshot, Seconds, UsageSnapshot } from '../types.ts';

export const ORDER_NAMES = ['fifo', 'fifo-backfill', 'sjf', 'srtf', 'las', 'multifactor'] as const;
export type OrderName = (typeof ORDER_NAMES)[number];

/** What blocked jobs do to the jobs behind them in their partition. */
export const BACKFILL_MODES = ['none', 'easy', 'greedy'] as const;
export type BackfillMode = (typeof BACKFILL_MODES)[number];

export interface OrderContext {
  now: Seconds;
  usage: UsageSnapshot | undefined;
  /** Devices in the job's partition (all types), for the job-size factor. */
  partitionDevices: (partition: string) => number;
}

export interface OrderPolicy {
  name: OrderName;
  /** Uses the job's true duration (simulation baselines only). */
  clairvoyant: boolean;
  /** Running jobs of a worse rank may be preempted for a blocked job. */
  preemptive: boolean;
  defaultBackfill: BackfillMode;
  rank(job: PendingJobSnapshot, ctx: OrderContext): number;
  /** The rank of a running job, for preemption (service attained so far counts). */
  runningRank?(job: RunningJobSnapshot, ctx: OrderContext): number;
  /**
   * The rank preemption compares, for pending and running jobs alike, when it differs from the queue
   * rank (LAS: the queue alone, so jobs of one queue never preempt each other).
   */
  preemptRank?(job: PendingJobSnapshot, ctx: OrderContext): number;
  /** The largest preemption rank there can be (LAS: the last queue), so a scan for the worst can stop. */
  worstPossibleRank?: number;
  factors?(job: PendingJobSnapshot, ctx: OrderContext): Record<string, number>;
}

export const devicesOf = (j: PendingJobSnapshot): number => j.request.tasks * j.request.devicesPerTask;

/** Run time received so far, in seconds, counting the current run of a running job. */
export function attainedSeconds(j: PendingJobSnapshot, now: Seconds): number {
  const d = Math.max(1, devicesOf(j));
  const before = (j.attainedDeviceSeconds ?? 0) / d;
  return 'startedAt' in j ? before + Math.max(0, now - (j as RunningJobSnapshot).startedAt) : before;
}

/** Device-seconds received so far, counting the current run. */
export function attainedDeviceSeconds(j: PendingJobSnapshot, now: Seconds): number {
  const run = 'startedAt' in j ? Math.max(0, now - (j as RunningJobSnapshot).startedAt) * devicesOf(j) : 0;
  return (j.attainedDeviceSeconds ?? 0) + run;
}
