/**
 * sjf and srtf: clairvoyant baselines for simulation (they read `expectedDurationSeconds`, which only a
 * simulator knows). sjf orders by total run time and never preempts; srtf orders by remaining run time and
 * preempts a running job whose remaining time is longer than a blocked job's. Both skip blocked jobs
 * (greedy), the usual way these baselines are simulated.
 */
import type { OrderPolicy } from './order.ts';
import { attainedSeconds } from './order.ts';

const duration = (j: { expectedDurationSeconds?: number | undefined; request: { timeLimitSeconds: number } }) =>
  j.expectedDurationSeconds ?? j.request.timeLimitSeconds;

export const sjf: OrderPolicy = {
  name: 'sjf', clairvoyant: true, preemptive: false, defaultBackfill: 'greedy',
  rank: (j) => duration(j),
};

export const srtf: OrderPolicy = {
  name: 'srtf', clairvoyant: true, preemptive: true, defaultBackfill: 'greedy',
  rank: (j, ctx) => Math.max(0, duration(j) - attainedSeconds(j, ctx.now)),
  runningRank: (j, ctx) => Math.max(0, duration(j) - attainedSeconds(j, ctx.now)),
};
