/**
 * Reservations: a time window [start, end) that holds given whole nodes, or given devices on nodes, for one
 * tenant (a class, a demo). Rules:
 *   - a job that does not name the reservation may not use held capacity if its time limit would overlap
 *     the window (so a reservation starts on time: nothing else is still running on it) — the owner's other
 *     jobs included, as in Slurm, so every job on reserved capacity runs (and is charged) as reserved;
 *   - a job that names the reservation runs only on its nodes, waits (`reservation_not_active`) until the
 *     window opens, and must end inside it (`reservation_too_short`).
 * Held whole nodes are excluded from placement; held devices are masked by taking them (mutate-then-undo)
 * for the duration of one placement attempt.
 */
import type { Placement } from '../core/resources.ts';
import type { Assumptions } from './assume.ts';
import type { CapacityIndex } from './capacity.ts';
import type { PlaceOptions } from './placement.ts';
import type { PendingJobSnapshot, ReservationSnapshot, Seconds } from './types.ts';

export interface JobReservationView {
  options: PlaceOptions;
  /** Devices to mask (take) while placing this job. */
  masks: { placement: Placement; type: null | import('../core/ids.ts').AcceleratorTypeId }[];
  /** Whether any other tenant's reservation constrained this job. */
  constrained: boolean;
  /** The job's own reservation exists but has not started. */
  notActive: ReservationSnapshot | undefined;
  /** The job's own reservation cannot hold it for its whole time limit (it would outlast the window). */
  tooShort: ReservationSnapshot | undefined;
  unknown: boolean;
}

const EMPTY: JobReservationView = { options: {}, masks: [], constrained: false, notActive: undefined, tooShort: undefined, unknown: false };

export class Reservations {
  private readonly list: readonly ReservationSnapshot[];
  private readonly byId = new Map<string, ReservationSnapshot>();

  constructor(list: readonly ReservationSnapshot[] | undefined, private readonly idx: CapacityIndex, private readonly now: Seconds) {
    this.list = (list ?? []).filter((r) => r.end > now);
    for (const r of list ?? []) this.byId.set(r.id, r);
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  /** The placement constraints reservations put on this job. */
  viewFor(job: PendingJobSnapshot): JobReservationView {
    if (!this.any && job.reservation === undefined) return EMPTY;
    const end = this.now + job.request.timeLimitSeconds;
    const excluded = new Set<number>();
    const masks: JobReservationView['masks'] = [];
    let allowed: Set<number> | undefined;
    let notActive: ReservationSnapshot | undefined;
    let tooShort: ReservationSnapshot | undefined;
    let unknown = false;
    if (job.reservation !== undefined) {
      const own = this.byId.get(job.reservation);
      if (!own || own.end <= this.now) unknown = true;
      // A job in a reservation must end inside it: past its end the nodes may be another tenant's.
      else if (Math.max(this.now, own.start) + job.request.timeLimitSeconds > own.end) tooShort = own;
      else if (own.start > this.now) notActive = own;
      else {
        allowed = new Set<number>();
        for (const n of own.nodes) { const i = this.idx.nodeIndex.get(n); if (i !== undefined) allowed.add(i); }
        for (const d of own.devices ?? []) { const i = this.idx.nodeIndex.get(d.node); if (i !== undefined) allowed.add(i); }
      }
    }
    for (const r of this.list) {
      if (r.id === job.reservation) continue;
      if (!(r.start < end && this.now < r.end)) continue;
      for (const n of r.nodes) { const i = this.idx.nodeIndex.get(n); if (i !== undefined) excluded.add(i); }
      for (const d of r.devices ?? []) {
        const ni = this.idx.nodeIndex.get(d.node);
        if (ni === undefined) continue;
        for (const s of this.idx.nodeSlots[ni]!) {
          const devs = this.idx.slotDevices[s]!;
          const used = this.idx.slotUsed[s]!;
          const free = d.indices.filter((x) => { const k = devs.indexOf(x); return k >= 0 && !used[k]; });
          if (free.length) masks.push({ placement: [{ node: d.node, devices: free, tasks: 0, cpus: 0, memoryMb: 0 }], type: this.idx.slotType[s]! });
        }
      }
    }
    const constrained = excluded.size > 0 || masks.length > 0;
    return {
      options: { excludedNodes: excluded.size ? excluded : undefined, allowedNodes: allowed },
      masks, constrained, notActive, tooShort, unknown,
    };
  }

  /** Applies a view's masks; returns the mark to roll back to. */
  static mask(tx: Assumptions, view: JobReservationView): number {
    const m = tx.mark();
    for (const x of view.masks) tx.take(x.placement, x.type);
    return m;
  }
}
