/**
 * Job array specs, as `sbatch --array` reads them (sbatch(1), 22.05): a comma-separated list of indices and
 * ranges — `0-31`, `1,3,5-9`, `0-99:4` (a step) — optionally ending in `%N`, the most tasks that may run at
 * once. Pure.
 *
 * Invariants: indices are whole numbers from 0 to maxArraySize - 1 (Slurm: "the maximum value is one less
 * than the configuration parameter MaxArraySize"); a step is at least 1; a range's end is not below its start.
 * Duplicates and overlaps are allowed, as in Slurm, and count once.
 *
 * Trade-off: the spec is kept as its ranges, never as a list of indices, so a 100,000-task array costs a few
 * numbers until a task is actually needed (`arrayTaskAt`, `arrayIndices` walk it lazily). Counting distinct
 * indices merges the ranges once (O(r log r) in the number of ranges, not in the number of tasks) when
 * they overlap; the common case (disjoint ranges) is summed directly.
 */

/** Slurm's MaxArraySize default is 1,001; here tasks are not materialised, so the default is 100,001. */
export const DEFAULT_MAX_ARRAY_SIZE = 100_001;

/** One `start-end:step` piece; a single index is `start === end`, step 1. */
export interface ArrayRange {
  start: number;
  end: number;
  step: number;
}

export interface ArraySpec {
  /** The pieces as written, in order. */
  ranges: readonly ArrayRange[];
  /** `%N`: at most N tasks running at once; undefined = no limit. */
  maxRunning?: number;
  /** Distinct indices. */
  count: number;
  min: number;
  max: number;
  /**
   * SLURM_ARRAY_TASK_STEP: the step of a single range; 1 for anything else (Slurm sets 1 for lists).
   */
  step: number;
}

const ACCEPTS =
  'Slurm accepts a comma-separated list of indices and ranges with an optional step and %N limit, e.g. --array=0-31, --array=1,3,5-9, --array=0-99:4 or --array=0-15%4';

/** Parses an `--array` value; `maxArraySize` is the site's MaxArraySize (default 100,001). */
export function parseArraySpec(text: string, maxArraySize = DEFAULT_MAX_ARRAY_SIZE): ArraySpec | { error: string } {
  const s = text.trim();
  const bad = (why: string) => ({ error: `--array=${s}: ${why}; ${ACCEPTS}` });
  if (s === '') return bad('no indices given');
  let body = s;
  let maxRunning: number | undefined;
  const pct = s.indexOf('%');
  if (pct !== -1) {
    const limit = s.slice(pct + 1);
    body = s.slice(0, pct);
    if (!/^\d+$/.test(limit)) return bad(`"%${limit}" is not a limit of running tasks (give %N with N a whole number)`);
    maxRunning = Number(limit);
    if (maxRunning < 1) return bad('%0 would never run a task; give %1 or more');
  }
  const ranges: ArrayRange[] = [];
  const top = maxArraySize - 1;
  for (const piece of body.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(piece);
    if (!m) return bad(`"${piece}" is not an index or a range START-END[:STEP]`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (step === 0) return bad(`"${piece}" has a step of 0; a step is at least 1`);
    if (end < start) return bad(`"${piece}" ends before it starts`);
    if (end > top) {
      return bad(`"${piece}" goes past the largest index, ${top} (MaxArraySize is ${maxArraySize}; indices run from 0 to MaxArraySize-1)`);
    }
    // Trim the end to the last index the step reaches, so max and counts are exact.
    ranges.push({ start, end: start + Math.floor((end - start) / step) * step, step });
  }
  const count = countDistinct(ranges);
  const min = Math.min(...ranges.map((r) => r.start));
  const max = Math.max(...ranges.map((r) => r.end));
  const step = ranges.length === 1 ? (ranges[0] as ArrayRange).step : 1;
  return { ranges, ...(maxRunning !== undefined ? { maxRunning } : {}), count, min, max, step };
}

/** The number of distinct indices. Disjoint spans are summed; overlapping ones are counted exactly. */
function countDistinct(ranges: readonly ArrayRange[]): number {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let disjoint = true;
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as ArrayRange).start <= (sorted[i - 1] as ArrayRange).end) disjoint = false;
  }
  const size = (r: ArrayRange) => Math.floor((r.end - r.start) / r.step) + 1;
  if (disjoint) return sorted.reduce((n, r) => n + size(r), 0);
  // Overlaps are rare (a user writing 1-10,5); walking the indices is bounded by MaxArraySize.
  let n = 0;
  for (const _ of arrayIndices({ ranges })) n++;
  return n;
}

/** Every distinct index, ascending, generated lazily (a merge of the ranges). */
export function* arrayIndices(spec: Pick<ArraySpec, 'ranges'>): Generator<number> {
  const next = spec.ranges.map((r) => r.start);
  let last = -1;
  for (;;) {
    let best = -1;
    for (let i = 0; i < next.length; i++) {
      const v = next[i] as number;
      if (v <= (spec.ranges[i] as ArrayRange).end && (best === -1 || v < (next[best] as number))) best = i;
    }
    if (best === -1) return;
    const v = next[best] as number;
    next[best] = v + (spec.ranges[best] as ArrayRange).step;
    if (v !== last) yield v;
    last = v;
  }
}

/** Whether `index` is one of the spec's tasks. */
export function arrayHasIndex(spec: Pick<ArraySpec, 'ranges'>, index: number): boolean {
  return spec.ranges.some((r) => index >= r.start && index <= r.end && (index - r.start) % r.step === 0);
}

/** Formats the spec back into Slurm's syntax (`0-99:4%5`), as squeue shows a pending array's tasks. */
export function formatArraySpec(spec: Pick<ArraySpec, 'ranges' | 'maxRunning'>): string {
  const body = spec.ranges
    .map((r) => (r.start === r.end ? `${r.start}` : r.step === 1 ? `${r.start}-${r.end}` : `${r.start}-${r.end}:${r.step}`))
    .join(',');
  return spec.maxRunning === undefined ? body : `${body}%${spec.maxRunning}`;
}
