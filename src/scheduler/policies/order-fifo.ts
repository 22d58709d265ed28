/** fifo: submission order with strict head-of-line blocking; fifo-backfill: the same order with EASY backfill. */
import type { OrderPolicy } from './order.ts';

export const fifo: OrderPolicy = {
  name: 'fifo', clairvoyant: false, preemptive: false, defaultBackfill: 'none',
  rank: (j) => j.submittedAt,
};

export const fifoBackfill: OrderPolicy = { ...fifo, name: 'fifo-backfill', defaultBackfill: 'easy' };
