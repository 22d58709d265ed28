/** A binary min-heap on a numeric key, ties broken by insertion order (so results are deterministic). */
export class MinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(key: number, item: T): void {
    this.keys.push(key);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0];
    this.swap(0, n - 1);
    this.keys.pop();
    this.seqs.pop();
    this.items.pop();
    if (n > 1) this.down(0);
    return top;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/**
 * The sift-up/sift-down of a binary min-heap of (time, item) pairs on typed arrays; ties by item, so the
 * order is deterministic. Shared by TimeHeap (below; the forward simulation's releases) and ReleaseCalendar
 * (calendar.ts, which also tracks where each item sits).
 */
export abstract class TypedTimeHeap {
  protected t: Float64Array;
  protected h: Int32Array;
  size = 0;

  protected constructor(t: Float64Array, h: Int32Array, size: number) {
    this.t = t;
    this.h = h;
    this.size = size;
  }

  protected less(a: number, b: number): boolean {
    return this.t[a]! < this.t[b]! || (this.t[a] === this.t[b] && this.h[a]! < this.h[b]!);
  }
  protected swap(a: number, b: number): void {
    const t = this.t[a]!; this.t[a] = this.t[b]!; this.t[b] = t;
    const h = this.h[a]!; this.h[a] = this.h[b]!; this.h[b] = h;
  }
  protected up(k: number): void {
    while (k > 0) { const p = (k - 1) >> 1; if (!this.less(k, p)) return; this.swap(k, p); k = p; }
  }
  protected down(k: number): void {
    for (;;) {
      const l = 2 * k + 1; const r = l + 1; let m = k;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === k) return;
      this.swap(k, m); k = m;
    }
  }
}

/** A min-heap of (time, item index), fixed capacity, or started from a copy of a release calendar's arrays. */
export class TimeHeap extends TypedTimeHeap {
  constructor(capacity: number, from?: { t: Float64Array; h: Int32Array; size: number }) {
    super(from?.t ?? new Float64Array(capacity), from?.h ?? new Int32Array(capacity), from?.size ?? 0);
  }
  get length(): number { return this.size; }
  /** Appends without ordering; call heapify() after a batch of adds. */
  add(time: number, item: number): void { this.t[this.size] = time; this.h[this.size++] = item; }
  heapify(): void { for (let k = (this.size >> 1) - 1; k >= 0; k--) this.down(k); }
  push(time: number, item: number): void { this.add(time, item); this.up(this.size - 1); }
  peekTime(): number { return this.t[0]!; }
  pop(): number {
    const top = this.h[0]!;
    this.size--;
    if (this.size > 0) { this.t[0] = this.t[this.size]!; this.h[0] = this.h[this.size]!; this.down(0); }
    return top;
  }
}
