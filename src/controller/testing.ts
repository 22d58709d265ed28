/**
 * Test helpers for the controller's steps: an executor that runs nothing (a job runs until the test
 * finishes it, or fails to start when told to), and a step context over a real store.
 */
import pino from 'pino';
import { asAcceleratorType, asNodeName, asPartition } from '../core/ids.ts';
import type { Executor, LaunchSpec, Observation } from '../executors/types.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';
import type { Store } from '../store/index.ts';
import type { ControllerOptions, StepContext } from './options.ts';
import { createScheduler } from './schedulerAdapter.ts';
import { ControllerState } from './state.ts';

export class FakeExecutor implements Executor {
  readonly name = 'fake';
  private n = 0;
  readonly runs = new Map<string, { jobId: string; attempt: number; startedAt: number; endedAt?: number; exitCode?: number; cancelled?: boolean }>();
  readonly cancelled: string[] = [];
  /** Starts to refuse (each refused start takes one). */
  failStarts = 0;
  constructor(private readonly clock: () => number) {}
  async start(spec: LaunchSpec): Promise<string> {
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error('no such device');
    }
    const h = `fake-${++this.n}`;
    this.runs.set(h, { jobId: spec.jobId, attempt: spec.attempt ?? 1, startedAt: this.clock() });
    return h;
  }
  async cancel(h: string): Promise<void> {
    this.cancelled.push(h);
    const r = this.runs.get(h);
    if (r && r.endedAt === undefined) Object.assign(r, { endedAt: this.clock(), cancelled: true });
  }
  async observe(hs: readonly string[]): Promise<Observation[]> {
    return hs.map((handle) => {
      const r = this.runs.get(handle);
      if (!r) return { handle, state: 'lost', detail: 'unknown' };
      if (r.endedAt === undefined) return { handle, state: 'running', startedAt: r.startedAt };
      return { handle, state: 'exited', startedAt: r.startedAt, endedAt: r.endedAt, exitCode: r.cancelled ? null : r.exitCode ?? 0, signal: r.cancelled ? 'SIGTERM' : null, timedOut: false, cancelled: r.cancelled ?? false };
    });
  }
  async lookup(jobId: string, attempt: number): Promise<string[]> {
    return [...this.runs].filter(([, r]) => r.jobId === jobId && r.attempt === attempt).map(([h]) => h);
  }
  finish(jobId: string, at: number, exitCode = 0): void {
    for (const r of this.runs.values()) if (r.jobId === jobId && r.endedAt === undefined) Object.assign(r, { endedAt: at, exitCode });
  }
  async *logs(): AsyncIterable<Buffer> {}
  async close(): Promise<void> {}
}

export const aNode = (name: string, type: string, devices: number, partition = 'gpu'): NodeSnapshot => ({
  name: asNodeName(name), partition: asPartition(partition), cpus: 64, memoryMb: 512_000,
  devices: Array.from({ length: devices }, (_, index) => ({ index, type: asAcceleratorType(type) })), labels: {}, state: 'up', source: 'declared',
});

/** A step context over `store` with a fake executor and the fifo-backfill scheduler; `changes` records announcements. */
export function aStepContext(store: Store, clock: () => number, nodes: NodeSnapshot[], over: Partial<ControllerOptions> = {}) {
  const executor = new FakeExecutor(clock);
  const changes: { jobId: string; state: string }[] = [];
  const o: ControllerOptions = {
    store, executor, scheduler: createScheduler('fifo-backfill'), nodes, defaultPartition: 'gpu', clock,
    log: pino({ level: 'silent' }), ...over,
  };
  const c: StepContext = { o, state: new ControllerState(nodes, o.scheduler.halfLifeSeconds), changed: (job, state) => changes.push({ jobId: job.id, state }) };
  return { c, executor, changes };
}
