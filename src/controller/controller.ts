/**
 * The controller: the one place where scheduling decisions become effects.
 *
 * Each tick:
 *   1. collect — observe started jobs; record exits (state, exit code, usage closed at the executor's end time)
 *   2. snapshot — nodes + pending + running, from memory (the store is written through, never re-read)
 *   3. decide — the scheduler's pure cycle()
 *   4. apply — for each start: assume in memory, persist `starting`, ask the executor, persist `running` and
 *      open usage; on failure roll back to `pending` with the reason. For each preemption: ask the executor to
 *      stop the job; its exit is recorded as `preempted` and it goes back to the queue.
 *   5. explain — persist each pending job's reason and estimated start when they change.
 *
 * Ticks never overlap; `wake()` asks for one as soon as the current one ends (submissions do this, so a job
 * starts within milliseconds), and a timer ticks every `intervalMs` regardless to observe running jobs.
 *
 * Recovery (start()): jobs the store says are running are re-adopted by handle and observed on the first
 * tick, so jobs that ended while the server was down are collected with their real exit time; a job caught
 * in `starting` without a handle adopts the executor's run of that attempt, or is requeued when there is
 * none; a `preempted` one is requeued.
 *
 * Invariants: usage rows are opened once per attempt and closed once (idempotently) — a crash at any point
 * neither loses nor doubles a usage second, because the end time comes from the executor, not from when we
 * noticed.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { coerceError, isCheomdanError } from '../core/errors.ts';
import * as jobState from '../core/jobState.ts';
import type { NodeState } from '../core/inventory.ts';
import type { ResourceRequest } from '../core/resources.ts';
import type { Executor, LogOptions, Observation } from '../executors/types.ts';
import type { CycleResult, Decision, FeasibilityResult, NodeSnapshot, PendingExplanation, ReservationSnapshot } from '../scheduler/types.ts';
import type { JobPatch, JobRecord } from '../store/records.ts';
import type { Store } from '../store/index.ts';
import type { AccountingHooks } from './hooks.ts';
import { outcomeOf } from './outcome.ts';
import { buildSnapshot, PendingJobs, runningSnapshot, toSeconds } from './snapshot.ts';
import { CapacityIndex } from '../scheduler/index.ts';

export interface Scheduler {
  /** `explain`: also give every pending job its reason and estimate (costlier with a long queue). */
  cycle(snapshot: ReturnType<typeof buildSnapshot>, now: number, explain: boolean): CycleResult;
  feasibility(request: ResourceRequest, partition: string, nodes: readonly NodeSnapshot[]): FeasibilityResult;
}

export interface ControllerOptions {
  store: Store;
  executor: Executor;
  scheduler: Scheduler;
  nodes: NodeSnapshot[];
  defaultPartition: string;
  clock: () => number;
  log: Logger;
  /** Timer period for observing running jobs, ms. */
  intervalMs?: number;
  /** Failed starts before a job is failed instead of requeued. */
  maxStartAttempts?: number;
  onCycle?: (info: { durationMs: number; started: number; pending: number; running: number }) => void;
  /** Allocation holds and settlements, quotas and fair share (issue 4); absent: nothing is charged. */
  accounting?: AccountingHooks;
  /** Reservations in force or to come (services/reservations.ts); absent: none. */
  reservations?: () => readonly ReservationSnapshot[];
  /** Called after a job's state change is persisted (live views). */
  onJobChange?: (change: { jobId: string; tenantId: string; state: string }) => void;
}

/**
 * Pending explanations persisted per tick. 48 updates + events take 2–5 ms on SQLite here (128 took up to
 * 30 ms on a busy server); a burst of thousands of submissions is explained over many ticks instead of in
 * one long transaction that every submission would queue behind (bench/RESULTS.md, API submissions).
 */
const EXPLAIN_WRITES_PER_TICK = 48;

/**
 * An explaining cycle runs at most once per this many times its own duration (so explaining takes ≤ 0.5%
 * of the time, and fewer than 1% of requests wait behind one): 0.2 ms with 100 queued jobs → every tick;
 * 30 ms with 40,000 → every 5 s (the cap). Set from bench/api-submit.ts --rate=2500: factor 100 and 256
 * writes per tick gave p99 23 ms, 200 and 128 gave 17–25 ms (bench/RESULTS.md).
 */
const EXPLAIN_EVERY_FACTOR = 200;

/** Persist a changed estimate only when it moved by more than this (ms), to keep writes down. */
const ESTIMATE_SLACK_MS = 30_000;

export class Controller {
  private readonly pending = new PendingJobs();
  private readonly active = new Map<string, JobRecord>();
  /**
   * The scheduler's free-capacity index, kept across ticks and updated as jobs start and stop (rebuilding
   * it every tick costs ~150 ms at 10,000 nodes; docs/scheduler.md). Dropped when the nodes change and
   * rebuilt on the next tick. Invariant: it tracks exactly the jobs in `active`.
   */
  private index: CapacityIndex | undefined;
  private readonly preempting = new Set<string>();
  private readonly cancelRequested = new Set<string>();
  private readonly explained = new Map<string, PendingExplanation>();
  private readonly startFailures = new Map<string, number>();
  private nodes: NodeSnapshot[];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private deferred: NodeJS.Timeout | undefined;
  private lastTickEnd = 0;
  private lastExplainAt = -Infinity;
  private lastExplainMs = 0;
  private lastTickMs = 0;
  private readonly intervalMs: number;

  constructor(private readonly o: ControllerOptions) {
    this.nodes = o.nodes;
    this.intervalMs = o.intervalMs ?? 500;
  }

  /** Loads unfinished jobs from the store (recovery after a restart) and starts ticking. */
  async start(): Promise<void> {
    const { store, clock } = this.o;
    const jobs = await store.jobs.listByStates(['pending', 'starting', 'running', 'preempted']);
    for (const j of jobs) {
      if (j.state === 'pending') this.pending.set(j);
      else if (j.state === 'running' || (j.state === 'starting' && j.executorHandle)) {
        this.setActive(j);
        await this.recoverIntents(j);
      } else if (j.state === 'starting') await this.recoverStarting(j);
      else await this.requeue(j, clock(), 'requeued after preemption');
    }
    this.o.log.info({ pending: this.pending.size, running: this.active.size }, 'controller recovered jobs');
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.intervalMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Stop requests for a running job outlive the server through the events written when they were made
   * (preemptJob's "preempting (…)", the job service's "cancel requested by …"), so that its exit is still
   * recorded as `preempted` (and requeued) or `cancelled`. Only requests since the job's last state change
   * count. The stop is sent again (cancel is idempotent): the server may have died before sending it.
   */
  private async recoverIntents(j: JobRecord): Promise<void> {
    const events = await this.o.store.events.list(j.id);
    let since = 0;
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i]!.kind === 'state') {
        since = i + 1;
        break;
      }
    }
    const infos = events.slice(since).filter((e) => e.kind === 'info');
    const preempting = infos.some((e) => e.message.startsWith(PREEMPTING));
    const cancelled = infos.some((e) => e.message.startsWith(CANCEL_REQUESTED));
    if (preempting) this.preempting.add(j.id);
    if (cancelled) this.cancelRequested.add(j.id); // a user's cancel wins over a preemption (recordExit)
    if ((preempting || cancelled) && j.executorHandle) {
      await this.o.executor.cancel(j.executorHandle).catch((err) => this.o.log.error({ jobId: j.id, err }, 'could not resend a stop request after a restart'));
    }
  }

  /**
   * A job caught in `starting` with no handle: the server died between asking the executor and recording
   * the answer. If the executor knows a run of this attempt, adopt it (it is running, or its exit will be
   * collected); otherwise nothing was started and the job is requeued.
   */
  private async recoverStarting(j: JobRecord): Promise<void> {
    const now = this.o.clock();
    // The run of this very attempt, recorded with it at start (LaunchSpec.attempt). Counting runs would be
    // wrong: an attempt whose start failed before anything ran leaves no run, yet counts as an attempt.
    const handles = (await this.o.executor.lookup?.(j.id, j.attempt)) ?? [];
    const handle = handles[handles.length - 1];
    if (!handle) {
      await this.requeue(j, now, 'the server restarted before the job started');
      return;
    }
    for (const extra of handles.slice(0, -1)) {
      // Never expected (one start per attempt), but a second run of one attempt would be unmetered.
      await this.o.executor.cancel(extra).catch((err) => this.o.log.error({ jobId: j.id, handle: extra, err }, 'could not stop a duplicate run'));
    }
    const startedAt = j.updatedAt;
    const running: JobRecord = { ...j, state: 'running', executorHandle: handle, startedAt };
    const adopted = await this.o.store.transaction(async (tx) => {
      if (!(await tx.jobs.update(j.id, { state: 'running', executorHandle: handle, startedAt }, { expectState: 'starting' }))) return false;
      await tx.usage.open(usageRows(running, startedAt));
      await tx.events.append({ jobId: j.id, at: now, kind: 'state', fromState: 'starting', toState: 'running', message: 'adopted after a server restart during start' });
      return true;
    });
    if (!adopted) {
      // The job changed meanwhile (another server adopted or cancelled it). A run nobody records must not
      // keep its devices: stop it unless the job now names it.
      const current = await this.o.store.jobs.get(j.id);
      if (current?.executorHandle !== handle) {
        this.o.log.warn({ jobId: j.id, handle, state: current?.state }, 'job changed during recovery; stopping the run of its interrupted start');
        await this.o.executor.cancel(handle).catch((err) => this.o.log.error({ jobId: j.id, err }, 'could not stop an unrecorded run'));
      }
      return;
    }
    this.setActive(running);
  }

  /** Stops ticking and waits for the tick in flight. Running jobs keep running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = undefined;
    await this.ticking;
  }

  /**
   * A job was submitted (or anything else changed): tick as soon as possible — but never closer than
   * `gapMs()` after the previous tick ended, so that a burst of submissions against a long queue does not
   * spend the whole CPU re-planning it (each tick serves every submission that arrived meanwhile).
   */
  wake(job?: JobRecord): void {
    if (job && job.state === 'pending') this.pending.set(job);
    if (this.stopped) return;
    if (this.ticking || this.deferred) {
      this.again = true;
      return;
    }
    const wait = this.lastTickEnd + this.gapMs() - performance.now();
    if (wait > 0) {
      this.deferred = setTimeout(() => {
        this.deferred = undefined;
        this.ticking = this.tickLoop();
      }, wait);
      return;
    }
    this.ticking = this.tickLoop();
  }

  /**
   * Pause between ticks: twice the last tick's duration (so ticking takes at most a third of the CPU), at
   * least 1 ms and at most 250 ms. With a short queue a tick takes well under a millisecond, so a job
   * submitted alone starts at once; with 10,000 queued jobs ticks are spaced out instead of back to back.
   */
  private gapMs(): number {
    return Math.min(250, Math.max(1, 2 * this.lastTickMs));
  }

  /** A pending job was cancelled by the job service: forget it. */
  forget(jobId: string): void {
    this.pending.delete(jobId);
    this.explained.delete(jobId);
  }

  nodeList(): readonly NodeSnapshot[] {
    return this.nodes;
  }

  setNodes(nodes: NodeSnapshot[]): void {
    this.nodes = nodes;
    this.index = undefined;
    this.wake();
  }

  setNodeState(name: string, state: NodeState): void {
    this.nodes = this.nodes.map((n) => (n.name === name ? { ...n, state } : n));
    this.index = undefined;
    this.wake();
  }

  runningJobs(): readonly JobRecord[] {
    return [...this.active.values()];
  }

  feasibility(request: ResourceRequest, partition: string): FeasibilityResult {
    return this.o.scheduler.feasibility(request, partition, this.nodes);
  }

  /**
   * Stops a starting or running job. The request is remembered: a job still being started (no handle yet)
   * is cancelled as soon as the executor hands one back, and a user's cancel wins over a preemption in
   * flight (the job ends `cancelled`, not requeued).
   */
  async cancel(job: JobRecord): Promise<void> {
    this.cancelRequested.add(job.id);
    const live = this.active.get(job.id);
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

  /** One tick, run directly (tests, and the loop below). */
  async tick(): Promise<void> {
    const t0 = performance.now();
    const now = this.o.clock();
    await this.collect(now);
    const base = buildSnapshot(this.nodes, this.pending.snapshots(), this.active.values());
    this.index ??= CapacityIndex.build(this.nodes, base.running);
    const snapshot = { ...base, index: this.index, reservations: this.o.reservations?.(), ...this.o.accounting?.snapshotInputs(now) };
    // Explanations are for people: with a long queue they cost most of a tick, so they are refreshed at
    // most every EXPLAIN_EVERY_FACTOR × (their last cost), capped at 5 s; with a short queue, every tick.
    const c0 = performance.now();
    const explainNow = c0 - this.lastExplainAt >= Math.min(5000, EXPLAIN_EVERY_FACTOR * this.lastExplainMs);
    const result = this.o.scheduler.cycle(snapshot, toSeconds(now), explainNow);
    if (explainNow) {
      this.lastExplainAt = c0;
      this.lastExplainMs = performance.now() - c0;
    }
    let started = 0;
    for (const d of result.decisions) {
      if (d.kind === 'start') started += (await this.startJob(d, now)) ? 1 : 0;
      else await this.preemptJob(d);
    }
    await this.explain(result.pending);
    this.o.onCycle?.({ durationMs: performance.now() - t0, started, pending: this.pending.size, running: this.active.size });
  }

  private async tickLoop(): Promise<void> {
    try {
      this.again = false;
      const t0 = performance.now();
      try {
        await this.tick();
      } catch (e) {
        this.o.log.error({ err: coerceError(e) }, 'controller tick failed');
      }
      this.lastTickEnd = performance.now();
      this.lastTickMs = this.lastTickEnd - t0;
    } finally {
      this.ticking = undefined;
    }
    if (this.again && !this.stopped) this.wake();
  }

  private setActive(job: JobRecord): void {
    if (this.index && this.active.has(job.id)) this.index.untrackRunning(job.id);
    this.active.set(job.id, job);
    this.index?.trackRunning(runningSnapshot(job));
  }

  private unsetActive(jobId: string): void {
    if (this.active.delete(jobId)) this.index?.untrackRunning(jobId);
  }

  private changed(job: JobRecord, state: string): void {
    this.o.onJobChange?.({ jobId: job.id, tenantId: job.tenantId, state });
  }

  // 1. collect ------------------------------------------------------------------------------------------------
  private async collect(now: number): Promise<void> {
    const byHandle = new Map<string, JobRecord>();
    for (const j of this.active.values()) if (j.executorHandle) byHandle.set(j.executorHandle, j);
    if (byHandle.size === 0) return;
    const observations = await this.o.executor.observe([...byHandle.keys()]);
    for (const obs of observations) {
      const job = byHandle.get(obs.handle);
      if (!job || obs.state === 'running') continue;
      try {
        await this.recordExit(job, obs, now);
      } catch (e) {
        // One job's failure to record must not stop the others; it is retried next tick.
        this.o.log.error({ jobId: job.id, err: coerceError(e) }, 'recording a job exit failed');
      }
    }
  }

  private async recordExit(job: JobRecord, obs: Exclude<Observation, { state: 'running' }>, now: number): Promise<void> {
    {
      const out = outcomeOf(obs, this.preempting.has(job.id) && !this.cancelRequested.has(job.id), now, job.startedAt);
      const endedAt = out.endedAt ?? now;
      const to = out.state === 'preempted' ? jobState.preempt(job.state)
        : out.state === 'cancelled' ? jobState.cancel(job.state)
        : out.state === 'timed_out' ? jobState.timeOut(job.state)
        : out.state === 'succeeded' ? jobState.finish(job.state)
        : jobState.fail(job.state);
      const patch: JobPatch = {
        state: to, endedAt, exitCode: out.exitCode, signal: out.signal, failureReason: out.failureReason,
      };
      await this.o.store.transaction(async (tx) => {
        await tx.jobs.update(job.id, patch, { expectState: job.state });
        await tx.usage.close(job.id, job.attempt, endedAt);
        await this.o.accounting?.settle(tx, { ...job, ...patch }, endedAt);
        await tx.events.append({
          jobId: job.id, at: now, kind: 'state', fromState: job.state, toState: to,
          message: out.failureReason ?? (out.exitCode !== null ? `exited with code ${out.exitCode}` : to),
        });
      });
      this.unsetActive(job.id);
      this.preempting.delete(job.id);
      this.cancelRequested.delete(job.id);
      this.changed(job, to);
      if (to === 'preempted') {
        await this.requeue({ ...job, ...patch, preemptionCount: job.preemptionCount + 1 }, now, 'requeued after preemption');
      }
    }
  }

  // 4. apply --------------------------------------------------------------------------------------------------
  private async startJob(d: Extract<Decision, { kind: 'start' }>, now: number): Promise<boolean> {
    const job = this.pending.get(d.jobId);
    if (!job) return false;
    const { store, executor } = this.o;
    const attempt = job.attempt + 1;
    let starting: JobRecord = {
      ...job, state: jobState.start(job.state), placement: d.placement, acceleratorType: d.acceleratorType,
      attempt, executor: executor.name, executorHandle: null, pendingReason: null, pendingMessage: null,
      estimatedStart: null, updatedAt: now,
    };
    // Assume: the capacity is taken in memory before anything is awaited.
    this.pending.delete(job.id);
    this.explained.delete(job.id);
    this.setActive(starting);
    let persisted: boolean;
    try {
      persisted = await store.transaction(async (tx) => {
        const ok = await tx.jobs.update(job.id, {
          state: 'starting', placement: d.placement, acceleratorType: d.acceleratorType, attempt,
          executor: executor.name, pendingReason: null, pendingMessage: null, estimatedStart: null,
        }, { expectState: 'pending' });
        if (ok) {
          const charged = await this.o.accounting?.hold(tx, starting, now);
          if (charged?.allocationId && charged.allocationId !== starting.allocationId) starting = { ...starting, allocationId: charged.allocationId };
          const where = d.placement.map((p) => `${p.node}[${p.devices.join(',')}]`).join(' ');
          await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: 'pending', toState: 'starting', message: `placed on ${where}` });
        }
        return ok;
      });
    } catch (e) {
      // Accounting refused the hold (the allocation cannot cover the job, or is inactive): the transaction
      // rolled back, so the job is still pending; it stays so with the reason, and no start attempt counts.
      this.unsetActive(job.id);
      if (!isCheomdanError(e) || e.code !== 'insufficient_balance') {
        this.pending.set(job); // nothing was persisted: still pending, tried again next tick
        throw e;
      }
      await this.leaveBlocked(job, e.extra.reason === 'allocation_inactive' ? 'allocation_inactive' : 'allocation_exhausted', e.message, now);
      return false;
    }
    if (!persisted) {
      this.unsetActive(job.id); // cancelled meanwhile
      return false;
    }
    if (this.active.get(job.id) !== starting) this.setActive(starting); // with the allocation hold() charged it to
    let handle: string | undefined;
    try {
      // The job's own directory (logs, and the default working directory); a working directory the user
      // named must already exist — the server does not create directories where users point it.
      await mkdir(dirname(job.stdoutPath), { recursive: true });
      await mkdir(dirname(job.stderrPath), { recursive: true });
      handle = await executor.start({
        jobId: job.id as never, script: job.script, workingDirectory: job.workingDirectory,
        environment: job.environment, placement: d.placement, acceleratorType: d.acceleratorType,
        tasks: job.request.tasks, timeLimitSeconds: job.request.timeLimitSeconds,
        stdoutPath: job.stdoutPath, stderrPath: job.stderrPath, attempt,
      });
      const startedAt = this.o.clock();
      const running: JobRecord = { ...starting, state: jobState.run('starting'), executorHandle: handle, startedAt, updatedAt: startedAt };
      const started = handle;
      await store.transaction(async (tx) => {
        await tx.jobs.update(job.id, { state: 'running', executorHandle: started, startedAt }, { expectState: 'starting' });
        await tx.usage.open(usageRows(running, startedAt));
        await tx.events.append({ jobId: job.id, at: startedAt, kind: 'state', fromState: 'starting', toState: 'running', message: `started by the ${executor.name} executor` });
      });
      this.setActive(running);
      this.startFailures.delete(job.id);
      this.changed(job, 'running');
      // Cancelled while it was starting: stop it now; its exit is recorded as cancelled.
      if (this.cancelRequested.has(job.id)) await executor.cancel(started);
      return true;
    } catch (e) {
      // Roll back: give the capacity back and requeue with the reason (or fail after repeated failures).
      // If the executor did start it (recording that failed), stop that run first: an untracked process
      // would hold devices the scheduler believes free, unmetered.
      if (handle) await executor.cancel(handle).catch((err) => this.o.log.error({ jobId: job.id, err }, 'could not stop an unrecorded run'));
      this.unsetActive(job.id);
      const err = coerceError(e);
      const failures = (this.startFailures.get(job.id) ?? 0) + 1;
      this.startFailures.set(job.id, failures);
      this.o.log.warn({ jobId: job.id, err }, 'start failed');
      if (failures >= (this.o.maxStartAttempts ?? 3)) {
        await store.transaction(async (tx) => {
          await tx.jobs.update(job.id, { state: 'failed', endedAt: now, failureReason: `could not start: ${err.message}` }, { expectState: 'starting' });
          await this.o.accounting?.settle(tx, starting, now); // releases the hold: nothing ran
          await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: 'starting', toState: 'failed', message: `could not start after ${failures} attempts: ${err.message}` });
        });
        this.startFailures.delete(job.id);
        this.changed(job, 'failed');
      } else {
        await this.requeue({ ...starting, pendingReason: 'start_failed' }, now, `start failed: ${err.message}`, 'start_failed');
      }
      return false;
    }
  }

  private async preemptJob(d: Extract<Decision, { kind: 'preempt' }>): Promise<void> {
    const job = this.active.get(d.jobId);
    if (!job?.executorHandle || this.preempting.has(job.id)) return;
    this.preempting.add(job.id);
    await this.o.store.events.append({
      jobId: job.id, at: this.o.clock(), kind: 'info', fromState: null, toState: null,
      message: `${PREEMPTING}${d.reason}) for job ${d.forJob}`,
    });
    await this.o.executor.cancel(job.executorHandle);
  }

  private async requeue(job: JobRecord, now: number, message: string, reason: 'start_failed' | 'not_yet_scheduled' = 'not_yet_scheduled'): Promise<void> {
    // A user cancelled it meanwhile (while it started, or was being preempted): it ends here instead.
    const cancelled = this.cancelRequested.delete(job.id);
    const to = cancelled ? jobState.cancel(job.state) : jobState.requeue(job.state);
    if (cancelled) message = 'cancelled by its user before it could run again';
    const patch: JobPatch = cancelled ? { state: to, endedAt: now, pendingReason: null, pendingMessage: null } : {
      state: to, placement: null, acceleratorType: null, executorHandle: null, startedAt: null, endedAt: null,
      exitCode: null, signal: null, pendingReason: reason, pendingMessage: message, preemptionCount: job.preemptionCount,
    };
    const requeued = await this.o.store.transaction(async (tx) => {
      // The guard fails when the job changed meanwhile (a user cancelled the preempted job): leave it be.
      if (!(await tx.jobs.update(job.id, patch, { expectState: job.state }))) return false;
      // Releases the hold of an attempt that never ran (a failed or interrupted start); a no-op when the
      // attempt's exit was settled already (settle is idempotent per attempt).
      await this.o.accounting?.settle(tx, job, now);
      await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: job.state, toState: to, message });
      return true;
    });
    if (!requeued) return;
    if (!cancelled) this.pending.set({ ...job, ...patch, updatedAt: now });
    this.changed(job, to);
  }

  /** Leaves a job pending because accounting refused its start (allocation_exhausted / allocation_inactive). */
  private async leaveBlocked(job: JobRecord, reason: 'allocation_exhausted' | 'allocation_inactive', message: string, now: number): Promise<void> {
    const ok = await this.o.store.jobs.update(job.id, { pendingReason: reason, pendingMessage: message, estimatedStart: null }, { expectState: 'pending' });
    if (!ok) return; // cancelled meanwhile
    if (job.pendingReason !== reason) {
      await this.o.store.events.append({ jobId: job.id, at: now, kind: 'reason', fromState: null, toState: null, message: `${reason}: ${message}` });
    }
    this.pending.set({ ...job, pendingReason: reason, pendingMessage: message, estimatedStart: null });
    this.explained.set(job.id, { jobId: job.id, reason, message, estimatedStart: null });
  }

  // 5. explain ------------------------------------------------------------------------------------------------
  private async explain(pending: readonly PendingExplanation[]): Promise<void> {
    const changed: PendingExplanation[] = [];
    for (const p of pending) {
      const before = this.explained.get(p.jobId);
      const estMs = p.estimatedStart === null ? null : Math.round(p.estimatedStart * 1000);
      const beforeMs = before?.estimatedStart == null ? null : Math.round(before.estimatedStart * 1000);
      const estMoved = (estMs === null) !== (beforeMs === null) || (estMs !== null && beforeMs !== null && Math.abs(estMs - beforeMs) > ESTIMATE_SLACK_MS);
      if (!before || before.reason !== p.reason || before.message !== p.message || estMoved) changed.push(p);
      // Bounded per tick: the transaction holds the (single SQLite) connection, and submissions wait behind
      // it. The rest are written by the next ticks (they stay unexplained in memory until then).
      if (changed.length >= EXPLAIN_WRITES_PER_TICK) break;
    }
    if (changed.length === 0) return;
    const now = this.o.clock();
    await this.o.store.transaction(async (tx) => {
      for (const p of changed) {
        const job = this.pending.get(p.jobId);
        if (!job) continue;
        const estimatedStart = p.estimatedStart === null ? null : Math.round(p.estimatedStart * 1000);
        const ok = await tx.jobs.update(p.jobId, { pendingReason: p.reason, pendingMessage: p.message, estimatedStart }, { expectState: 'pending' });
        if (!ok) continue;
        const prev = this.explained.get(p.jobId);
        if (!prev || prev.reason !== p.reason) {
          await tx.events.append({ jobId: p.jobId, at: now, kind: 'reason', fromState: null, toState: null, message: `${p.reason}: ${p.message}` });
        }
        this.pending.set({ ...job, pendingReason: p.reason, pendingMessage: p.message, estimatedStart });
      }
    });
    for (const p of changed) if (this.pending.has(p.jobId)) this.explained.set(p.jobId, p);
  }
}

/** Message prefixes of the 'info' events that record stop requests (read back by recoverIntents). */
const PREEMPTING = 'preempting (';
const CANCEL_REQUESTED = 'cancel requested by ';


/** One usage row per device of the placement (device -1 for a node without devices). */
function usageRows(job: JobRecord, startedAt: number) {
  const rows = [];
  for (const a of job.placement ?? []) {
    const devices = a.devices.length > 0 ? a.devices : [-1];
    for (const d of devices) {
      rows.push({ jobId: job.id, attempt: job.attempt, node: a.node, deviceIdx: d, acceleratorType: d >= 0 ? job.acceleratorType : null, startedAt, endedAt: null });
    }
  }
  return rows;
}
