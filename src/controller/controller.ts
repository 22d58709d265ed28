/**
 * The controller: the live loop that turns scheduling decisions into effects, composed of its steps.
 *
 * Each tick (tick()):
 *   1. collect  — observe started jobs; record exits (collect.ts)
 *   2. snapshot — nodes + pending + running from memory (state.ts), with reservations, quotas and fair-share
 *                 inputs; the store is written through, never re-read
 *   3. decide   — the scheduler's pure cycle(); explanations only every so often with a long queue
 *   4. apply    — starts (assume, persist, start via the executor, roll back) and preemptions (apply.ts)
 *   5. explain  — persist each pending job's reason and estimated start when they change (explain.ts)
 * Ticks are paced by pacing.ts; start() recovers unfinished jobs first (recovery.ts).
 *
 * The services never see this class: they get the small interfaces they declare (JobControl, LiveCluster),
 * which the composition root (src/server/start.ts) builds from it.
 *
 * Invariants: usage rows are opened once per attempt and closed once (idempotently) — a crash at any point
 * neither loses nor doubles a usage second, because the end time comes from the executor, not from when we
 * noticed.
 */
import * as jobState from '../core/jobState.ts';
import type { NodeState } from '../core/inventory.ts';
import type { ResourceRequest } from '../core/resources.ts';
import type { LogOptions } from '../executors/types.ts';
import type { FeasibilityResult, NodeSnapshot } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import { applyDecisions } from './apply.ts';
import { collect } from './collect.ts';
import { evaluateDependencies, type EndedJobs } from './dependencies.ts';
import { explain } from './explain.ts';
import type { ControllerOptions, StepContext } from './options.ts';
import { TickPacer } from './pacing.ts';
import { recover } from './recovery.ts';
import { toSeconds } from './snapshot.ts';
import { ControllerState } from './state.ts';

export type { ControllerOptions, Scheduler } from './options.ts';

/**
 * An explaining cycle runs at most once per this many times its own duration (so explaining takes ≤ 0.5%
 * of the time, and fewer than 1% of requests wait behind one): 0.2 ms with 100 queued jobs → every tick;
 * 30 ms with 40,000 → every 5 s (the cap). Set from bench/api-submit.ts --rate=2500: factor 100 and 256
 * writes per tick gave p99 23 ms, 200 and 128 gave 17–25 ms (bench/RESULTS.md).
 */
const EXPLAIN_EVERY_FACTOR = 200;

export class Controller {
  private readonly state: ControllerState;
  private readonly steps: StepContext;
  private readonly pacer: TickPacer;
  private lastExplainAt = -Infinity;
  private lastExplainMs = 0;
  /** Ended jobs that dependencies name (dependencies.ts). */
  private readonly endedTargets: EndedJobs = new Map();

  constructor(private readonly o: ControllerOptions) {
    this.state = new ControllerState(o.nodes, o.scheduler.halfLifeSeconds);
    this.steps = { o, state: this.state, changed: (job, state) => o.onJobChange?.({ jobId: job.id, tenantId: job.tenantId, state }) };
    this.pacer = new TickPacer(() => this.tick(), o.intervalMs ?? 500, o.log);
  }

  /** Loads unfinished jobs from the store (recovery after a restart) and starts ticking. */
  async start(): Promise<void> {
    await recover(this.steps);
    this.pacer.start();
  }

  /** Stops ticking and waits for the tick in flight. Running jobs keep running. */
  stop(): Promise<void> {
    return this.pacer.stop();
  }

  /** Something changed (a submission hands its job over): tick soon (pacing.ts). */
  wake(job?: JobRecord): void {
    if (job && job.state === 'pending') this.state.pending.set(job);
    this.pacer.wake();
  }

  /** A pending job was cancelled by the job service: forget it. */
  forget(jobId: string): void {
    this.state.dropPending(jobId);
  }

  nodeList(): readonly NodeSnapshot[] {
    return this.state.nodes;
  }

  setNodes(nodes: NodeSnapshot[]): void {
    this.state.setNodes(nodes);
    this.wake();
  }

  setNodeState(name: string, state: NodeState): void {
    this.state.setNodes(this.state.nodes.map((n) => (n.name === name ? { ...n, state } : n)));
    this.wake();
  }

  runningJobs(): readonly JobRecord[] {
    return [...this.state.activeJobs()];
  }

  /** A tenant's decayed usage for fair share now, in device-seconds (what `sprio` reads). */
  decayedUsage(tenantId: string): number {
    return this.state.usage.decayedAt(tenantId, this.o.clock() / 1000);
  }

  feasibility(request: ResourceRequest, partition: string): FeasibilityResult {
    return this.o.scheduler.feasibility(request, partition, this.state.nodes);
  }

  /**
   * Stops a starting or running job. The request is remembered: a job still being started (no handle yet)
   * is cancelled as soon as the executor hands one back, and a user's cancel wins over a preemption in
   * flight (the job ends `cancelled`, not requeued).
   */
  async cancel(job: JobRecord): Promise<void> {
    this.state.cancelRequested.add(job.id);
    const live = this.state.activeJob(job.id);
    if (live?.executorHandle) await this.o.executor.cancel(live.executorHandle);
    this.wake();
  }

  async *logs(job: JobRecord, opts: LogOptions): AsyncIterable<Buffer> {
    let current = job;
    while (!current.executorHandle) {
      if (!opts.follow || jobState.isTerminal(current.state) || opts.signal?.aborted) return;
      await new Promise((r) => setTimeout(r, 200));
      current = (await this.o.store.jobs.get(job.id)) ?? current;
    }
    yield* this.o.executor.logs(current.executorHandle!, current, opts);
  }

  /** One tick, run directly (tests, and the pacer). */
  async tick(): Promise<void> {
    const t0 = performance.now();
    const now = this.o.clock();
    await collect(this.steps, now);
    await evaluateDependencies(this.steps, this.endedTargets, now);
    const { tenantShares, ...accounting } = this.o.accounting?.snapshotInputs(now) ?? {};
    const snapshot = { ...this.state.snapshot(tenantShares), reservations: this.o.reservations?.(), ...accounting, ...this.o.quotas?.(now) };
    // Explanations are for people: with a long queue they cost most of a tick, so they are refreshed at
    // most every EXPLAIN_EVERY_FACTOR × (their last cost), capped at 5 s; with a short queue, every tick.
    const c0 = performance.now();
    const explainNow = c0 - this.lastExplainAt >= Math.min(5000, EXPLAIN_EVERY_FACTOR * this.lastExplainMs);
    const result = this.o.scheduler.cycle(snapshot, toSeconds(now), explainNow);
    if (explainNow) {
      this.lastExplainAt = c0;
      this.lastExplainMs = performance.now() - c0;
    }
    const started = await applyDecisions(this.steps, result.decisions, now);
    await explain(this.steps, result.pending);
    this.o.onCycle?.({ durationMs: performance.now() - t0, started, pending: this.state.pending.size, running: this.state.activeCount });
  }
}
