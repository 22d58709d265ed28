/**
 * Queue order with a scan depth. Ranking every pending job is O(n); sorting all of them is not needed when
 * only the first `depth` are examined in a cycle (Slurm's default_queue_depth / bf_max_job_test idea): the
 * `depth`-th smallest rank is found by quickselect (O(n)), only the jobs at or below it are sorted, and the
 * rest keep their input order and get a cheap reason. Ties are broken by submission, user priority and id,
 * so the order is total and the result deterministic.
 *
 * The depth is per partition (`orderQueueByPartition`): partitions are separate queues, and a long backlog
 * in one must not hide another's jobs from the cycle.
 */
import type { PendingJobSnapshot } from './types.ts';

export interface Ranked {
  job: PendingJobSnapshot;
  rank: number;
}

export function compareRanked(a: Ranked, b: Ranked): number {
  return a.rank - b.rank || a.job.submittedAt - b.job.submittedAt || b.job.priority - a.job.priority
    || (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0);
}

/** The k-th smallest value (0-based) of `xs`; reorders `xs`. */
export function quickselect(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) { const t = xs[i]!; xs[i] = xs[j]!; xs[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

/**
 * The first `depth` jobs in rank order (sorted), and the others (input order). `ranks[i]` is the rank of
 * `pending[i]`.
 */
export function orderQueue(pending: readonly PendingJobSnapshot[], ranks: Float64Array, depth: number): { head: Ranked[]; rest: Ranked[] } {
  const n = pending.length;
  if (n <= depth) {
    const all: Ranked[] = new Array(n);
    for (let i = 0; i < n; i++) all[i] = { job: pending[i]!, rank: ranks[i]! };
    all.sort(compareRanked);
    return { head: all, rest: [] };
  }
  const threshold = quickselect(Float64Array.from(ranks), depth - 1);
  const cand: Ranked[] = [];
  const rest: Ranked[] = [];
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (r <= threshold) cand.push({ job: pending[i]!, rank: r });
  }
  cand.sort(compareRanked);
  const head = cand.slice(0, depth);
  const cut = new Set(cand.slice(depth).map((x) => x.job.id as string));
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (r > threshold || (cut.size > 0 && cut.has(pending[i]!.id))) rest.push({ job: pending[i]!, rank: r });
  }
  return { head, rest };
}

/** `orderQueue` per partition (each its own `depth`), the examined jobs merged in rank order. */
export function orderQueueByPartition(pending: readonly PendingJobSnapshot[], ranks: Float64Array, depth: number): { head: Ranked[]; rest: Ranked[] } {
  let mixed = false;
  const first = pending[0]?.partition;
  for (let i = 1; i < pending.length && !mixed; i++) mixed = pending[i]!.partition !== first;
  if (!mixed || pending.length <= depth) return orderQueue(pending, ranks, depth);
  const byPartition = new Map<string, number[]>();
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!.partition as string;
    const l = byPartition.get(p);
    if (l) l.push(i); else byPartition.set(p, [i]);
  }
  if (byPartition.size <= 1) return orderQueue(pending, ranks, depth);
  const head: Ranked[] = [];
  const rest: Ranked[] = [];
  for (const idx of byPartition.values()) {
    const sub = idx.map((i) => pending[i]!);
    const subRanks = Float64Array.from(idx, (i) => ranks[i]!);
    const o = orderQueue(sub, subRanks, depth);
    for (const x of o.head) head.push(x);
    for (const x of o.rest) rest.push(x);
  }
  head.sort(compareRanked);
  return { head, rest };
}

/**
 * The queue walked lazily: one binary heap of pending indices per partition (built in O(n)), merged by
 * taking the best top across open partitions. A cycle pops only as many jobs as it examines, and closes a
 * partition once nothing more can start there (strict FIFO blocked, attempts used up, scan depth reached),
 * so an event in a simulation with a deep queue costs O(pending) for ranks plus O(examined · log) — not a
 * sort. Pops come in exactly `compareRanked` order.
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
  remaining(): Ranked[] {
    const left = new Uint8Array(this.pending.length);
    for (const q of this.heaps) for (let k = 0; k < q.size; k++) left[q.h[k]!] = 1;
    const out: Ranked[] = [];
    for (let i = 0; i < this.pending.length; i++) if (left[i]) out.push({ job: this.pending[i]!, rank: this.ranks[i]! });
    return out;
  }
}
