/**
 * Tick pacing: ticks never overlap; `wake()` asks for one as soon as the current one ends (submissions do
 * this, so a job starts within milliseconds), but never closer than `gapMs()` after the previous tick ended,
 * so a burst of submissions against a long queue shares one tick instead of re-planning per request; a timer
 * wakes every `intervalMs` regardless, to observe running jobs.
 */
import type { Logger } from 'pino';
import { coerceError } from '../core/errors.ts';

export class TickPacer {
  private timer: NodeJS.Timeout | undefined;
  private deferred: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private lastTickEnd = 0;
  private lastTickMs = 0;

  constructor(private readonly tick: () => Promise<void>, private readonly intervalMs: number, private readonly log: Logger) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.intervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops ticking and waits for the tick in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = undefined;
    await this.ticking;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.ticking || this.deferred) {
      this.again = true;
      return;
    }
    const wait = this.lastTickEnd + this.gapMs() - performance.now();
    if (wait > 0) {
      this.deferred = setTimeout(() => {
        this.deferred = undefined;
        this.ticking = this.loop();
      }, wait);
      return;
    }
    this.ticking = this.loop();
  }

  /**
   * Pause between ticks: twice the last tick's duration (so ticking takes at most a third of the CPU), at
   * least 1 ms and at most 250 ms. With a short queue a tick takes well under a millisecond, so a job
   * submitted alone starts at once; with 10,000 queued jobs ticks are spaced out instead of back to back.
   */
  gapMs(): number {
    return Math.min(250, Math.max(1, 2 * this.lastTickMs));
  }

  private async loop(): Promise<void> {
    try {
      this.again = false;
      const t0 = performance.now();
      try {
        await this.tick();
      } catch (e) {
        this.log.error({ err: coerceError(e) }, 'controller tick failed');
      }
      this.lastTickEnd = performance.now();
      this.lastTickMs = this.lastTickEnd - t0;
    } finally {
      this.ticking = undefined;
    }
    if (this.again && !this.stopped) this.wake();
  }
}
