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
