/**
 * Earliest start by forward simulation on time limits (the third job_test question).
 *
 * From the state now, running jobs end at start + time limit; the given pending jobs are placed in order,
 * each at the first release event after which it fits, and then hold their capacity for their own time limit.
 * Time only moves forward, so this is one pass. It answers both the EASY backfill shadow (the head's start
 * and the nodes it will take) and the estimated start of every pending job within the estimate depth.
 * Quotas and reservations are not simulated; the estimate is what the capacity allows. Everything is undone
 * before it returns.
 *
 * Budget: at most `maxReleases` release events are simulated (Slurm's bf_window plays this part); a job
 * that does not fit by then gets a lower bound (`place: null`) and the jobs after it no estimate.
 *
 * Cost: the release times go into a heap built in O(R) (typed arrays, no per-job objects) and are popped
 * only until the jobs fit, so a partition with 50,000 running jobs costs ~1 ms, not a sort.
 */
import type { AcceleratorTypeId, JobId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import type { Assumptions } from './assume.ts';
import { candidateGroups, findPlacement, type PlaceOptions, type PlaceResult } from './placement.ts';
import type { PendingJobSnapshot, RunningJobSnapshot, Seconds } from './types.ts';
import type { ReleaseCalendar } from './calendar.ts';
import { TimeHeap } from './heap.ts';

export interface Release {
  end: Seconds;
  placement: Placement;
  type: AcceleratorTypeId | null;
}

export interface Estimate {
  time: Seconds;
  /** Null when the job did not fit within the release budget: `time` is then only a lower bound. */
  place: PlaceResult | null;
}

export interface ReleaseSources {
  /** The partition's release calendar, when the index keeps one (then `running` is not scanned). */
  calendar?: ReleaseCalendar | undefined;
  running: readonly RunningJobSnapshot[];
  /** Running jobs already gone in this what-if (preempted). */
  skip?: ReadonlySet<JobId> | undefined;
  /** Capacity taken in this cycle, released at its `end`. */
  extra: readonly Release[];
}


export function forwardStarts(
  tx: Assumptions,
  jobs: readonly PendingJobSnapshot[],
  sources: ReleaseSources,
  now: Seconds,
  options: (job: PendingJobSnapshot) => PlaceOptions = () => ({}),
  maxReleases = Infinity,
): (Estimate | null)[] {
  // Works on the index directly with its own undo list (released items, planned starts), so releasing
  // tens of thousands of running jobs allocates nothing per job; everything is put back before returning.
  const index = tx.index;
  const { running, skip, extra, calendar } = sources;
  // Item numbers: [0, R) running jobs (or calendar handles), then [R, R + E) extra, then planned starts.
  const R = calendar ? calendar.entries.length : running.length;
  const E = extra.length;
  const planned: Release[] = [];
  let heap: TimeHeap;
  if (calendar) {
    heap = new TimeHeap(0, calendar.copy(E + jobs.length));
    for (let k = 0; k < E; k++) heap.push(Math.max(now, extra[k]!.end), R + k);
  } else {
    heap = new TimeHeap(R + E + jobs.length);
    for (let k = 0; k < R; k++) {
      const r = running[k]!;
      if (skip && skip.size && skip.has(r.id)) continue;
      heap.add(Math.max(now, r.startedAt + r.request.timeLimitSeconds), k);
    }
    for (let k = 0; k < E; k++) heap.add(Math.max(now, extra[k]!.end), R + k);
    heap.heapify();
  }
  const released: number[] = [];
  const take = (item: number, on: boolean) => {
    let p: Placement;
    let ty: AcceleratorTypeId | null;
    if (item < R) {
      if (calendar) { const c = calendar.entries[item]!; p = c.placement; ty = c.type; }
      else { const r = running[item]!; p = r.placement; ty = r.acceleratorType; }
    } else {
      const x = item < R + E ? extra[item - R]! : planned[item - R - E]!;
      p = x.placement; ty = x.type;
    }
    if (on) index.allocate(p, ty); else index.release(p, ty);
  };
  // A calendar entry already released in this what-if (a preempted victim) is skipped when popped.
  const skipped = (item: number) => calendar !== undefined && item < R && skip !== undefined && skip.size > 0 && skip.has(calendar.entries[item]!.id as never);
  let t = now;
  const out: (Estimate | null)[] = [];
  try {
    for (const job of jobs) {
      const o = options(job);
      const groups = candidateGroups(index, job.partition, job.request);
      let place = findPlacement(index, job.partition, job.request, o, groups);
      while (!place && heap.length > 0 && released.length < maxReleases) {
        t = Math.max(t, heap.peekTime());
        while (heap.length > 0 && heap.peekTime() <= t) {
          const item = heap.pop();
          if (skipped(item)) continue;
          take(item, false);
          released.push(item);
        }
        place = findPlacement(index, job.partition, job.request, o, groups);
      }
      if (!place) {
        // Out of budget: a lower bound, and the jobs after it cannot be estimated either.
        if (heap.length > 0) { out.push({ time: t, place: null }); while (out.length < jobs.length) out.push(null); break; }
        out.push(null);
        continue;
      }
      out.push({ time: t, place });
      index.allocate(place.placement, place.type);
      const end = t + job.request.timeLimitSeconds;
      planned.push({ end, placement: place.placement, type: place.type });
      heap.push(end, R + E + planned.length - 1);
    }
  } finally {
    // Undo: planned starts that were not released again, then re-take everything released, in reverse.
    const releasedSet = new Set(released);
    for (let k = planned.length - 1; k >= 0; k--) if (!releasedSet.has(R + E + k)) take(R + E + k, false);
    for (let k = released.length - 1; k >= 0; k--) if (released[k]! < R + E) take(released[k]!, true);
  }
  return out;
}
