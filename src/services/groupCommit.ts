/**
 * Group commit: writes that arrive in the same turn of the event loop share one transaction, and each
 * caller's promise settles only when that transaction has committed — so an acknowledgement still means
 * "durable", but a burst of 32 concurrent submissions costs one BEGIN/COMMIT instead of 32 (on SQLite the
 * commit, with its WAL append, was the largest single cost of a submission; see bench/RESULTS.md).
 *
 * If a batch fails, each of its writes is retried alone, so one bad write cannot fail the others.
 */
import type { Store } from '../store/index.ts';

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly write: (tx: Store, item: I) => Promise<O>,
    /**
     * Most writes in one transaction. Every caller in a batch waits for the whole batch, so a server that
     * fell behind answered its backlog of ~250 in one 20–30 ms transaction; 48 keeps one under ~7 ms.
     */
    private readonly maxBatch = 48,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const out = await this.store.transaction(async (tx) => {
          const results: O[] = [];
          for (const p of batch) results.push(await this.write(tx, p.item));
          return results;
        });
        batch.forEach((p, i) => p.resolve(out[i]!));
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        else {
          for (const p of batch) {
            await this.store.transaction((tx) => this.write(tx, p.item)).then(p.resolve, p.reject);
          }
        }
      }
    }
  }
}
