/**
 * Job changes as an in-process feed, for live views (the portal's SSE stream). Producers (the job service,
 * the controller) call `publish` after a change is persisted; subscribers get batches of changes, at most
 * one batch per `flushMs`, so a burst of thousands of submissions costs one message per subscriber.
 * In-process only: with several API replicas each serves the changes its own controller and API made.
 */
import type { Actor } from './actor.ts';

export interface JobChange {
  jobId: string;
  tenantId: string;
  state: string;
}

export type ChangeListener = (batch: readonly JobChange[]) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private buffer: JobChange[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly flushMs = 250) {}

  publish(change: JobChange): void {
    if (this.listeners.size === 0) return;
    this.buffer.push(change);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  subscribe(fn: ChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Only the changes `actor` may see (tenant isolation): operators all, tenant users their own tenant's. */
  subscribeFor(actor: Actor, fn: ChangeListener): () => void {
    return this.subscribe((batch) => {
      const visible = actor.isOperator ? batch : batch.filter((c) => c.tenantId === actor.tenantId);
      if (visible.length > 0) fn(visible);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    for (const l of this.listeners) l(batch);
  }
}
