/**
 * The Slurm executor: Cheomdan decides, Slurm runs. Each Cheomdan job is one Slurm batch job pinned to the
 * nodes Cheomdan chose; its handle is the Slurm job id.
 *
 *   start    submit as the job's Linux user (REST with a JWT minted for that user; sbatch when slurmrestd
 *            is down), then wait until Slurm runs it. A job Slurm keeps pending for a reason that cannot
 *            clear (a node down, a bad partition) or longer than `startTimeoutMs` is cancelled and start()
 *            throws with Slurm's reason, so the controller requeues it with that reason.
 *   observe  one listing of Slurm's jobs per call, mapped by states.ts; a job Slurm does not know is lost.
 *   cancel   Slurm's SIGCONT/SIGTERM/KillWait/SIGKILL sequence; idempotent.
 *   preempt  a cancel remembered as a preemption (the controller requeues or cancels as its policy says).
 *   logs     the --output/--error files on the shared filesystem.
 *
 * Time limits: Slurm counts whole minutes and checks them every ~30 s, so the executor enforces the exact
 * limit itself (a timer per running job, and a deadline check in observe() that survives a restart because
 * the limit is stored in the Slurm job's comment); Slurm's rounded-up limit is the backstop.
 * Grace period: Slurm's KillWait (cluster-wide) separates SIGTERM and SIGKILL; `gracePeriodSeconds` of a
 * spec is not honoured per job.
 */
import { dirname, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { JobId } from '../../core/ids.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { Executor, ExecutorHandle, LaunchSpec, LogOptions, Observation } from '../types.ts';
import { SlurmError, type SlurmClient, type SlurmJob } from './client.ts';
import { tailFile } from './logs.ts';
import { prepareOwnerOutput } from './ownerOutput.ts';
import { isActive, isRequeued, baseState, lostObservation, observationOf, type Markers, type SlurmObservation } from './states.ts';
import { StartWaiter } from './startWait.ts';
import { buildSubmission, parseComment } from './submission.ts';

export interface SlurmExecutorCoreOptions {
  client: SlurmClient;
  /** Linux user a job runs as. Default: spec.owner.userName (the owner's mapped account), else spec.user, else `defaultUser`. */
  mapUser?: ((spec: LaunchSpec) => string | undefined) | undefined;
  defaultUser?: string | undefined;
  partition?: string | undefined;
  /** Slurm account to charge: fixed, or per job (e.g. from the tenant). */
  account?: string | ((spec: LaunchSpec) => string | undefined) | undefined;
  /** Cheomdan accelerator type -> Slurm gres type for submissions (`gpu:TYPE:N`); default untyped `gpu:N`. */
  gresTypeFor?: ((acceleratorType: string) => string | undefined) | undefined;
  /** How long start() waits for Slurm to run a submitted job, ms. Default 30 000. */
  startTimeoutMs?: number | undefined;
  /** How often start() looks whether its jobs run, ms. Default 100 (slurmctld schedules in ~0.3-0.6 s). */
  startPollMs?: number | undefined;
  clock?: (() => number) | undefined;
  /**
   * Check, before submitting, that the working directory exists (this host must see the cluster's shared
   * file system, as it does to read logs) and that the Linux user exists (this host must see the cluster's
   * users: LDAP/SSSD, as login nodes do). Default true. Slurm itself would run the job in /tmp instead, and
   * accept a job for an unknown user as "nobody", fail to launch it and hold it.
   */
  checkPaths?: boolean | undefined;
  /**
   * The directory the server keeps job logs under (CHEOMDAN_HOME): a job run as its owner gets its log
   * directory, and traversal up to here, never above (executors/slurm/ownerOutput.ts). Default: the
   * directory above the job's log directory.
   */
  outputRoot?: string | undefined;
}

/** A job Slurm runs that no Cheomdan handle names: reported, never touched. */
export interface ForeignJob {
  slurmJobId: number;
  name: string;
  user: string | undefined;
  partition: string | undefined;
  state: string;
  /** The Cheomdan job id when Cheomdan submitted it (e.g. a job whose record was lost), else null. */
  cheomdanJobId: string | null;
}

/** How many jobs' cancel/timeout markers and start times are remembered in memory. */
const MAX_REMEMBERED = 100_000;
/** How far past start + limit the watchdog cancels (Slurm's times are whole seconds). */
const WATCHDOG_MARGIN_MS = 250;

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  readonly #c: SlurmClient;
  readonly #now: () => number;
  readonly #markers = new Map<ExecutorHandle, Markers>();
  readonly #watchdogs = new Map<ExecutorHandle, NodeJS.Timeout>();
  /** Start times seen by start(), for a job Slurm later requeues (Slurm then overwrites its start_time). */
  readonly #startedAt = new Map<ExecutorHandle, number>();
  #closed = false;

  readonly #starts: StartWaiter;

  constructor(private readonly opts: SlurmExecutorCoreOptions) {
    this.#c = opts.client;
    this.#now = opts.clock ?? Date.now;
    this.#starts = new StartWaiter(opts.client, {
      timeoutMs: opts.startTimeoutMs ?? 30_000, pollMs: opts.startPollMs ?? 100, now: this.#now,
    });
  }

  get client(): SlurmClient {
    return this.#c;
  }

  async start(spec: LaunchSpec): Promise<ExecutorHandle> {
    const user = (this.opts.mapUser ? this.opts.mapUser(spec) : undefined) ?? spec.owner?.userName ?? spec.user ?? this.opts.defaultUser;
    if (!user) throw new CheomdanError('executor_failed', `job ${spec.jobId} names no Linux user to run as: set spec.owner, spec.user, mapUser or defaultUser`);
    if (this.opts.checkPaths !== false) {
      await checkPaths(spec);
      if (spec.owner) await prepareOwnerOutput([spec.stdoutPath, spec.stderrPath], spec.owner, { root: this.opts.outputRoot ?? dirname(dirname(resolve(spec.stdoutPath))) });
      await this.#checkUser(user);
    }
    const account = typeof this.opts.account === 'function' ? this.opts.account(spec) : this.opts.account;
    const req = buildSubmission(spec, {
      partition: this.opts.partition, account, gresType: this.opts.gresTypeFor, nonce: randomBytes(6).toString('hex'),
    });
    let id: number;
    try {
      id = await this.#c.submit(user, req);
    } catch (e) {
      throw asExecutorError(e, `Slurm did not accept job ${spec.jobId} (as user "${user}")`);
    }
    const handle = String(id);
    let job: SlurmJob | null;
    try {
      job = await this.#starts.wait(id, user, req.nodeList ?? []);
    } catch (e) {
      await this.#c.cancel(id).catch(() => undefined);
      throw asExecutorError(e, `Slurm job ${id} for ${spec.jobId} did not start`);
    }
    // job === null: Slurm accepted the job but could not be asked since; observe() will tell.
    if (job?.start_time) {
      this.#startedAt.set(handle, job.start_time * 1000);
      if (this.#startedAt.size > MAX_REMEMBERED) this.#startedAt.delete(this.#startedAt.keys().next().value as string);
    }
    if (job && isActive(job)) this.#armWatchdog(handle, (job.start_time ?? 0) * 1000, spec.timeLimitSeconds);
    return handle;
  }

  async cancel(handle: ExecutorHandle): Promise<void> {
    const id = parseHandle(handle);
    if (id === null) throw new CheomdanError('not_found', `"${handle}" is not a Slurm job handle (a Slurm job id)`);
    this.#marker(handle).cancelled = true;
    this.#disarm(handle);
    try {
      await this.#c.cancel(id);
    } catch (e) {
      throw asExecutorError(e, `could not cancel Slurm job ${handle}`);
    }
  }

  /** Ends the job for a preemption: a cancel that observe() reports with `preempted: true`. */
  async preempt(handle: ExecutorHandle): Promise<void> {
    this.#marker(handle).preempted = true;
    await this.cancel(handle);
  }

  async observe(handles: readonly ExecutorHandle[]): Promise<Observation[]> {
    if (handles.length === 0) return [];
    let byId: Map<number, SlurmJob>;
    try {
      byId = await this.#fetch(handles.map(parseHandle).filter((id): id is number => id !== null));
    } catch (e) {
      throw asExecutorError(e, 'could not list Slurm jobs');
    }
    const out: SlurmObservation[] = [];
    for (const handle of handles) {
      const id = parseHandle(handle);
      const job = id === null ? undefined : byId.get(id);
      if (!job) {
        out.push(id === null
          ? { handle, state: 'lost', detail: `"${handle}" is not a Slurm job handle (a Slurm job id)` }
          : lostObservation(handle));
        continue;
      }
      if (isRequeued(job)) {
        out.push(await this.#requeuedBySlurm(handle, job));
        continue;
      }
      const limit = parseComment(job.comment)?.timeLimitSeconds;
      const markers = this.#markersFor(handle, job, limit);
      const obs = observationOf(handle, job, markers);
      out.push(obs);
      if (obs.state === 'running' && baseState(job.job_state) === 'RUNNING' && limit !== undefined
        && !this.#watchdogs.has(handle) && !markers.timedOut) {
        // after a restart: the watchdog is re-armed from the limit kept in Slurm
        this.#armWatchdog(handle, obs.startedAt, limit);
      }
    }
    return out;
  }

  logs(handle: ExecutorHandle, spec: Pick<LaunchSpec, 'stdoutPath' | 'stderrPath'>, opts: LogOptions): AsyncIterable<Buffer> {
    const path = opts.stream === 'stderr' ? spec.stderrPath : spec.stdoutPath;
    return tailFile(path, {
      offset: opts.offset, follow: opts.follow, signal: opts.signal,
      isDone: async () => (await this.observe([handle]))[0]?.state !== 'running',
    });
  }

  /**
   * Every Slurm job Cheomdan submitted for `jobId` (found by the job id kept in its comment), oldest first.
   * Only jobs slurmctld still holds: finished ones are forgotten after MinJobAge (default 300 s).
   * With `attempt`, only jobs whose comment names that attempt.
   */
  async lookup(jobId: JobId, attempt?: number): Promise<ExecutorHandle[]> {
    let jobs: SlurmJob[];
    try {
      jobs = await this.#c.jobs();
    } catch (e) {
      throw asExecutorError(e, 'could not list Slurm jobs');
    }
    return jobs.filter((j) => {
      const c = parseComment(j.comment);
      return c?.jobId === jobId && (attempt === undefined || c.attempt === attempt);
    }).map((j) => j.job_id).sort((a, b) => a - b).map(String);
  }

  /** Slurm jobs (active, in our partition when one is set) that none of `known` names. Never touched. */
  async foreignJobs(known: readonly ExecutorHandle[]): Promise<ForeignJob[]> {
    const knownIds = new Set(known.map(parseHandle));
    const jobs = await this.#c.jobs();
    return jobs
      .filter((j) => isActive(j) && !knownIds.has(j.job_id) && (!this.opts.partition || j.partition === this.opts.partition))
      .map((j) => ({
        slurmJobId: j.job_id, name: j.name, user: j.user_name, partition: j.partition,
        state: baseState(j.job_state), cheomdanJobId: parseComment(j.comment)?.jobId ?? null,
      }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#watchdogs.values()) clearTimeout(t);
    this.#watchdogs.clear();
    this.#starts.close();
  }

  /**
   * Slurm requeued a job Cheomdan started (a node failed under it, or its launch failed; Slurm's
   * JobRequeue=1 default does this even for jobs submitted with requeue off through REST v0.0.38).
   * Cheomdan, not Slurm, decides where jobs run: the Slurm job is cancelled and reported failed with the
   * reason, and the controller requeues the Cheomdan job by its own policy.
   */
  async #requeuedBySlurm(handle: ExecutorHandle, job: SlurmJob): Promise<SlurmObservation> {
    await this.#c.cancel(job.job_id).catch(() => undefined);
    this.#disarm(handle);
    const startedAt = this.#startedAt.get(handle) ?? (job.submit_time ?? 0) * 1000;
    return {
      handle, state: 'exited', startedAt, endedAt: Math.max(startedAt, this.#now()), exitCode: null, signal: null,
      timedOut: false, cancelled: false, slurmState: baseState(job.job_state),
      detail: `Slurm requeued job ${job.job_id} after it failed under it (reason: ${job.state_reason}, restarts: ${job.restart_cnt}); the Slurm job was cancelled so that Cheomdan re-decides its placement`,
    };
  }

  #fetch(ids: readonly number[]): Promise<Map<number, SlurmJob>> {
    return ids.length === 0 ? Promise.resolve(new Map()) : this.#c.jobsById(ids);
  }

  readonly #knownUsers = new Map<string, number>();

  async #checkUser(user: string): Promise<void> {
    const seen = this.#knownUsers.get(user);
    if (seen !== undefined && this.#now() - seen < 300_000) return;
    const ok = await new Promise<boolean>((resolve) => {
      execFile('id', ['-u', '--', user], { timeout: 5000 }, (err) => resolve(!err));
    });
    if (!ok) {
      throw new CheomdanError('executor_failed', `Linux user "${user}" does not exist (the job would run as "nobody"): create it on the cluster, or fix the user mapping`);
    }
    this.#knownUsers.set(user, this.#now());
  }

  #marker(handle: ExecutorHandle): Markers {
    let m = this.#markers.get(handle);
    if (!m) {
      this.#markers.set(handle, (m = { cancelled: false, timedOut: false, preempted: false }));
      // bounded: the oldest go first (slurmctld forgets jobs after MinJobAge anyway)
      if (this.#markers.size > MAX_REMEMBERED) this.#markers.delete(this.#markers.keys().next().value as string);
    }
    return m;
  }

  /**
   * Our markers, or, for a job this process did not cancel (e.g. after a restart), an inference: a
   * CANCELLED job that ran at least its time limit was ended by a watchdog.
   */
  #markersFor(handle: ExecutorHandle, job: SlurmJob, limitSeconds: number | undefined): Markers {
    const m = this.#markers.get(handle);
    if (m && (m.cancelled || m.timedOut)) return m;
    const ran = (job.end_time ?? 0) - (job.start_time ?? 0);
    const inferredTimeout = baseState(job.job_state) === 'CANCELLED' && limitSeconds !== undefined && ran >= limitSeconds;
    return { cancelled: false, preempted: false, timedOut: inferredTimeout };
  }

  #armWatchdog(handle: ExecutorHandle, startedAtMs: number, limitSeconds: number): void {
    if (this.#closed || this.#watchdogs.has(handle)) return;
    // Slurm keeps whole seconds and floors them: a cancel sent a millisecond before start + limit is
    // recorded a second short (a 3 s limit read back as 2 s). Fire just past the recorded second.
    const delay = Math.max(0, startedAtMs + limitSeconds * 1000 + WATCHDOG_MARGIN_MS - this.#now());
    // setTimeout fires at once beyond ~24.8 days; observe() arms it once the limit is nearer
    if (delay > 2_000_000_000) return;
    const t = setTimeout(() => {
      this.#watchdogs.delete(handle);
      const m = this.#marker(handle);
      if (m.cancelled) return;
      m.timedOut = true;
      this.#c.cancel(Number(handle)).catch(() => {
        // Slurm unreachable: observe() re-arms from the comment and tries again
        m.timedOut = false;
      });
    }, delay);
    t.unref();
    this.#watchdogs.set(handle, t);
  }

  #disarm(handle: ExecutorHandle): void {
    const t = this.#watchdogs.get(handle);
    if (t) clearTimeout(t);
    this.#watchdogs.delete(handle);
  }
}

/** The Slurm job id a handle names, or null for a malformed handle. */
function parseHandle(handle: ExecutorHandle): number | null {
  if (!/^[1-9]\d{0,9}$/.test(handle)) return null;
  return Number(handle);
}

async function checkPaths(spec: LaunchSpec): Promise<void> {
  const st = await stat(spec.workingDirectory).catch(() => null);
  if (!st?.isDirectory()) {
    throw new CheomdanError('executor_failed', `the working directory ${spec.workingDirectory} does not exist (or is not a directory) on the shared file system`);
  }
}

function asExecutorError(e: unknown, what: string): CheomdanError {
  if (e instanceof CheomdanError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const kind = e instanceof SlurmError ? e.kind : 'unavailable';
  return new CheomdanError('executor_failed', `${what}: ${msg}`, { cause: e, extra: { slurm: kind } });
}
