/**
 * The null system under test: answers every sample at once, either inline (on the issuing call, as
 * LoadGen's benchmark SUT does) or from a queue drained on the next turn of the event loop (the analogue
 * of a SUT with a worker thread). What a run against it measures is the generator's own cost.
 */
import type { Completion, SystemUnderTest } from './types.ts';

export class NullSut implements SystemUnderTest {
  readonly name: string;
  #complete: Completion = () => {};
  readonly #inline: boolean;
  // Deferred mode: a ring of query ranges, grown by doubling, drained by one setImmediate at a time.
  #ring = new Uint32Array(3 * 1024);
  #head = 0;
  #count = 0;
  #scheduled = false;
  readonly #drain = () => this.#drainQueue();

  constructor(opts: { inline?: boolean } = {}) {
    this.#inline = opts.inline ?? true;
    this.name = this.#inline ? 'null (inline)' : 'null (queued)';
  }

  start(complete: Completion): void {
    this.#complete = complete;
  }

  issue(query: number, _samples: Uint32Array, from: number, to: number): void {
    if (this.#inline) {
      for (let k = 0, n = to - from; k < n; k++) this.#complete(query, k, true);
      return;
    }
    const slots = this.#ring.length / 3;
    if (this.#count === slots) {
      const grown = new Uint32Array(this.#ring.length * 2);
      for (let i = 0; i < this.#count; i++) grown.set(this.#ring.subarray(((this.#head + i) % slots) * 3, ((this.#head + i) % slots) * 3 + 3), i * 3);
      this.#ring = grown;
      this.#head = 0;
    }
    const at = ((this.#head + this.#count) % (this.#ring.length / 3)) * 3;
    this.#ring[at] = query;
    this.#ring[at + 1] = to - from;
    this.#count++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  }

  #drainQueue(): void {
    this.#scheduled = false;
    const slots = this.#ring.length / 3;
    while (this.#count > 0) {
      const at = this.#head * 3;
      const q = this.#ring[at]!;
      const n = this.#ring[at + 1]!;
      this.#head = (this.#head + 1) % slots;
      this.#count--;
      for (let k = 0; k < n; k++) this.#complete(q, k, true);
    }
  }
}
