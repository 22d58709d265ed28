/**
 * The release calendar: when each running job's capacity comes back (start + time limit), per partition,
 * kept incrementally by whoever keeps the capacity index (the simulator, a live controller). The forward
 * simulation (estimate.ts) then pops releases in time order from a copy of the heap's arrays — a memcpy — and
 * touches only the jobs it releases, instead of scanning every running job each cycle.
 *
 * An indexed binary min-heap on typed arrays: O(log n) add and remove (by handle), deterministic ties (by
 * handle). Handles are reused after removal.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import { TypedTimeHeap } from './heap.ts';

export interface CalendarEntry {
  id: string;
  end: number;
  placement: Placement;
  type: AcceleratorTypeId | null;
}

export class ReleaseCalendar extends TypedTimeHeap {
  /** Position in the heap of each handle, −1 when free. */
  private pos = new Int32Array(64).fill(-1);
  readonly entries: (CalendarEntry | null)[] = [];
  private readonly freeHandles: number[] = [];

  constructor() { super(new Float64Array(64), new Int32Array(64), 0); }

  add(e: CalendarEntry): number {
    const handle = this.freeHandles.length ? this.freeHandles.pop()! : this.entries.length;
    if (handle === this.entries.length) this.entries.push(e); else this.entries[handle] = e;
    if (this.size === this.t.length || handle >= this.pos.length) this.grow();
    const k = this.size++;
    this.t[k] = e.end;
    this.h[k] = handle;
    this.pos[handle] = k;
    this.up(k);
    return handle;
  }

  remove(handle: number): void {
    const k = this.pos[handle]!;
    if (k < 0) throw new Error(`release calendar: handle ${handle} is not in the calendar`);
    this.entries[handle] = null;
    this.pos[handle] = -1;
    this.freeHandles.push(handle);
    const last = --this.size;
    if (k !== last) {
      this.t[k] = this.t[last]!;
      this.h[k] = this.h[last]!;
      this.pos[this.h[k]!] = k;
      this.up(k);
      this.down(k);
    }
  }

  /** A copy of the heap (times and handles), with room for `extra` more items. */
  copy(extra: number): { t: Float64Array; h: Int32Array; size: number } {
    const t = new Float64Array(this.size + extra);
    const h = new Int32Array(this.size + extra);
    t.set(this.t.subarray(0, this.size));
    h.set(this.h.subarray(0, this.size));
    return { t, h, size: this.size };
  }

  private grow(): void {
    const n = Math.max(this.t.length, this.pos.length) * 2;
    const t = new Float64Array(n); t.set(this.t); this.t = t;
    const h = new Int32Array(n); h.set(this.h); this.h = h;
    const p = new Int32Array(n).fill(-1); p.set(this.pos); this.pos = p;
  }

  /** Keeps each handle's position as items move. */
  protected override swap(a: number, b: number): void {
    super.swap(a, b);
    this.pos[this.h[a]!] = a;
    this.pos[this.h[b]!] = b;
  }
}
