/**
 * Queue order with a scan depth. Every pending job is ranked (O(n)), but the queue is not sorted: each
 * partition's jobs go into a binary heap (built in O(n)), and the cycle pops them in rank order only as far
 * as it looks — at most `scanDepth` per partition (Slurm's default_queue_depth / bf_max_job_test idea), less
 * when a partition can start nothing more. Ties are broken by submission, user priority and id, so the order
 * is total and the result deterministic. Partitions are separate queues: a long backlog in one never hides
 * another's jobs.
 */
import type { PendingJobSnapshot } from './types.ts';

export interface Ranked {
  job: PendingJobSnapshot;
  rank: number;
}

/**
 * The queue walked lazily: one binary heap of pending indices per partition (built in O(n)), merged by
 * taking the best top across open partitions. A cycle pops only as many jobs as it examines, and closes a
 * partition once nothing more can start there (strict FIFO blocked, attempts used up, scan depth reached),
 * so an event in a simulation with a deep queue costs O(pending) for ranks plus O(examined · log) — not a
 * sort. Pops come in rank order, ties by submission, user priority (higher first) and id.
 */
export class LazyQueue {
  private readonly heaps: { partition: string; h: Int32Array; size: number; open: boolean; popped: number }[] = [];
  private readonly byName = new Map<string, number>();

  constructor(private readonly pending: readonly PendingJobSnapshot[], private readonly ranks: Float64Array) {
    const lists = new Map<string, Int32Array | number[]>();
    let mixed = false;
    const first = pending[0]?.partition as string | undefined;
    for (let i = 1; i < pending.length && !mixed; i++) mixed = pending[i]!.partition !== first;
    if (!mixed && first !== undefined) {
      const all = new Int32Array(pending.length);
      for (let i = 0; i < all.length; i++) all[i] = i;
      lists.set(first, all);
    } else {
      for (let i = 0; i < pending.length; i++) {
        const p = pending[i]!.partition as string;
        const l = lists.get(p) as number[] | undefined;
        if (l) l.push(i); else lists.set(p, [i]);
      }
    }
    for (const [partition, l] of lists) {
      const h = l instanceof Int32Array ? l : Int32Array.from(l);
      const heap = { partition, h, size: h.length, open: true, popped: 0 };
      for (let k = (heap.size >> 1) - 1; k >= 0; k--) this.down(heap, k);
      this.byName.set(partition, this.heaps.length);
      this.heaps.push(heap);
    }
  }

  private less(a: number, b: number): boolean {
    const ra = this.ranks[a]!;
    const rb = this.ranks[b]!;
    if (ra !== rb) return ra < rb;
    const ja = this.pending[a]!;
    const jb = this.pending[b]!;
    if (ja.submittedAt !== jb.submittedAt) return ja.submittedAt < jb.submittedAt;
    if (ja.priority !== jb.priority) return ja.priority > jb.priority;
    return ja.id < jb.id;
  }

  private down(q: { h: Int32Array; size: number }, k: number): void {
    const h = q.h;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < q.size && this.less(h[l]!, h[m]!)) m = l;
      if (r < q.size && this.less(h[r]!, h[m]!)) m = r;
      if (m === k) return;
      const t = h[k]!; h[k] = h[m]!; h[m] = t;
      k = m;
    }
  }

  /** The next job in rank order among open partitions, or undefined. */
  next(): Ranked | undefined {
    let best = -1;
    for (let p = 0; p < this.heaps.length; p++) {
      const q = this.heaps[p]!;
      if (!q.open || q.size === 0) continue;
      if (best < 0 || this.less(q.h[0]!, this.heaps[best]!.h[0]!)) best = p;
    }
    if (best < 0) return undefined;
    const q = this.heaps[best]!;
    const i = q.h[0]!;
    q.size--;
    if (q.size > 0) { q.h[0] = q.h[q.size]!; this.down(q, 0); }
    q.popped++;
    return { job: this.pending[i]!, rank: this.ranks[i]! };
  }

  /** Jobs popped so far from this partition. */
  popped(partition: string): number {
    const p = this.byName.get(partition);
    return p === undefined ? 0 : this.heaps[p]!.popped;
  }

  /** No more jobs from this partition (its remaining ones go to `remaining()`). */
  close(partition: string): void {
    const p = this.byName.get(partition);
    if (p !== undefined) this.heaps[p]!.open = false;
  }

  /** Every job never popped, in input order. */
  remaining(): PendingJobSnapshot[] {
    const left = new Uint8Array(this.pending.length);
    for (const q of this.heaps) for (let k = 0; k < q.size; k++) left[q.h[k]!] = 1;
    const out: PendingJobSnapshot[] = [];
    for (let i = 0; i < this.pending.length; i++) if (left[i]) out.push(this.pending[i]!);
    return out;
  }
}
