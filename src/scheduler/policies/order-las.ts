/**
 * las: Tiresias-style discretised two-dimensional least attained service (Gu et al., NSDI 2019).
 * Non-clairvoyant: a job's service is devices × time it has run (both dimensions), and jobs are put in
 * queues by thresholds on it; a lower queue runs first, FIFO (by submission) within a queue. Discretising is
 * what keeps jobs of similar service from preempting each other over and over. Preemptive: a running job in a
 * worse queue yields to a blocked job of a better one (bounded by the preemption window).
 *
 * Starvation guard (Tiresias' STARVELIMIT, off unless `starvationFactor` is set): a preempted job that has
 * waited longer than `starvationFactor` × the time it has run goes back to the first queue while it waits.
 */
import type { OrderContext, OrderPolicy } from './order.ts';
import { attainedDeviceSeconds } from './order.ts';
import type { PendingJobSnapshot } from '../types.ts';

/** Default thresholds in device-seconds: 1 device-hour, 10 device-hours (Tiresias uses a few queues). */
export const DEFAULT_LAS_THRESHOLDS: readonly number[] = [3600, 36000];

/** Larger than any submission time in seconds (epoch seconds are ~1.8e9). */
const QUEUE_SPAN = 1e12;

export function lasQueue(service: number, thresholds: readonly number[]): number {
  let q = 0;
  while (q < thresholds.length && service >= thresholds[q]!) q++;
  return q;
}

export function makeLas(thresholds: readonly number[], starvationFactor?: number): OrderPolicy {
  const queue = (j: PendingJobSnapshot, ctx: OrderContext) => {
    const service = attainedDeviceSeconds(j, ctx.now);
    if (starvationFactor !== undefined && service > 0 && !('startedAt' in j)) {
      const ran = service / Math.max(1, j.request.tasks * j.request.devicesPerTask);
      const since = j.preemptions?.length ? j.preemptions[j.preemptions.length - 1]! : j.submittedAt;
      if (ctx.now - since >= starvationFactor * ran) return 0;
    }
    return lasQueue(service, thresholds);
  };
  return {
    name: 'las', clairvoyant: false, preemptive: true, defaultBackfill: 'greedy',
    // Queue first, then submission (FIFO within a queue); one number so the queue can be partially sorted.
    rank: (j, ctx) => queue(j, ctx) * QUEUE_SPAN + j.submittedAt,
    runningRank: queue,
    preemptRank: queue,
    worstPossibleRank: thresholds.length,
    factors: (j, ctx) => ({ attainedDeviceSeconds: attainedDeviceSeconds(j, ctx.now), queue: queue(j, ctx) }),
  };
}
