/**
 * Earliest start by forward simulation on time limits (the third job_test question).
 *
 * From the state now, running jobs end at start + time limit; the given pending jobs are placed in order,
 * each at the first release event after which it fits, and then hold their capacity for their own time limit.
 * Time only moves forward, so this is one pass: O((running + jobs) · log) placements. It answers both the
 * EASY backfill shadow (the head's start and the nodes it will take) and the estimated start of every
 * pending job within the estimate depth. Quotas and reservations are not simulated; the estimate is what
 * the capacity allows. Everything is undone before it returns.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import type { Assumptions } from './assume.ts';
import { MinHeap } from './heap.ts';
import { findPlacement, type PlaceOptions, type PlaceResult } from './placement.ts';
import type { PendingJobSnapshot, Seconds } from './types.ts';

export interface Release {
  end: Seconds;
  placement: Placement;
  type: AcceleratorTypeId | null;
}

export interface Estimate {
  time: Seconds;
  place: PlaceResult;
}

export function forwardStarts(
  tx: Assumptions,
  jobs: readonly PendingJobSnapshot[],
  releases: readonly Release[],
  now: Seconds,
  options: (job: PendingJobSnapshot) => PlaceOptions = () => ({}),
): (Estimate | null)[] {
  const mark = tx.mark();
  const heap = new MinHeap<Release>();
  for (const r of releases) heap.push(Math.max(now, r.end), r);
  let t = now;
  const out: (Estimate | null)[] = [];
  for (const job of jobs) {
    const o = options(job);
    let place = findPlacement(tx.index, job.partition, job.request, o);
    while (!place && heap.size > 0) {
      t = Math.max(t, heap.peekKey()!);
      while (heap.size > 0 && heap.peekKey()! <= t) {
        const r = heap.pop()!;
        tx.free(r.placement, r.type);
      }
      place = findPlacement(tx.index, job.partition, job.request, o);
    }
    if (!place) {
      out.push(null);
      continue;
    }
    out.push({ time: t, place });
    tx.take(place.placement, place.type);
    heap.push(t + job.request.timeLimitSeconds, { end: t + job.request.timeLimitSeconds, placement: place.placement, type: place.type });
  }
  tx.rollback(mark);
  return out;
}
