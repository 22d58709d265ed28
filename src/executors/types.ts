/**
 * The executor contract. An executor runs what the controller decided and reports what happened; it never
 * decides. Only the controller calls executors (a test enforces this).
 *
 *   start(spec)      -> handle           the job's processes exist (or the start failed: throws)
 *   cancel(handle)   -> void             SIGTERM, grace, SIGKILL of everything the job started; idempotent
 *   observe(handles) -> observations     what each job is doing now; finished jobs report their exit
 *   logs(handle)     -> readable stream  stdout/stderr from an offset, optionally following
 *
 * Rules every executor keeps (and the conformance suite, executors/conformance.ts, checks):
 * - start() throws a CheomdanError (`validation_failed` for a spec it cannot honour, `executor_failed` for
 *   anything else, e.g. a working directory that does not exist) and then leaves nothing running.
 * - A handle stays valid across restarts of the server: a new executor instance with the same
 *   configuration observes, cancels and reads the logs of jobs an earlier instance started.
 * - observe() answers every handle, in order, and never throws for an unknown or malformed handle: that
 *   job is `lost`, with a detail saying why.
 * - cancel() returns once the job has been told to stop (the SIGKILL after the grace period still happens
 *   if the caller goes away); observe() reports the end. Cancelling a finished or unknown job does nothing;
 *   a malformed handle throws `not_found`.
 * - The job sees the environment described in JOB_ENVIRONMENT, whatever the executor.
 * - close() never stops a job.
 * - lookup(), where implemented, finds a started job's handles by job id alone.
 */
import type { JobId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import type { SlurmJobFacts } from '../core/slurm/jobEnvironment.ts';

export interface LaunchSpec {
  jobId: JobId;
  /** A shell script (run by /bin/bash); a command submitted as argv is turned into one by the service. */
  script: string;
  workingDirectory: string;
  /** Extra environment for the job; the executor adds CHEOMDAN_* and device variables. */
  environment: Readonly<Record<string, string>>;
  placement: Placement;
  /** Accelerator type of the devices in the placement (null for CPU-only jobs). */
  acceleratorType: string | null;
  tasks: number;
  timeLimitSeconds: number;
  /** Absolute paths for the job's logs. */
  stdoutPath: string;
  stderrPath: string;
  /**
   * Linux user name to run as (Slurm), when no `owner` is given; kept for callers that predate `owner`.
   */
  user?: string | undefined;
  /**
   * The Unix account the job runs as: its owner's mapped account (services/unixAccounts.ts). The local
   * executor runs the job under this uid/gid and supplementary groups, in a private output directory (mode
   * 0700, owned by the account) with umask 077, which needs a server running as root; the Slurm executor
   * submits as `userName`. Absent: the server's own account (embedded single-user mode, and tests).
   */
  owner?: JobOwner | undefined;
  /** Seconds between SIGTERM and SIGKILL when the time limit is reached or the job is cancelled. */
  gracePeriodSeconds?: number | undefined;
  /**
   * The job's start attempt (1, 2, ...). Recorded with the run, so that `lookup(jobId, attempt)` finds the
   * run of this attempt after a crash. Attempts are not runs: a start that failed before anything ran
   * still counts as an attempt.
   */
  attempt?: number | undefined;
  /**
   * What the job asked for as sbatch saw it (name, partition, account, submit directory, which of -n,
   * --ntasks-per-node, -c, --mem were given, array task): the SLURM_* variables Slurm sets only then
   * (core/slurm/jobEnvironment.ts). Absent: only the variables derived from the placement are set.
   */
  slurm?: SlurmJobFacts | undefined;
}

/** A job's Unix identity, resolved by the controller from the job's owner before start(). */
export interface JobOwner {
  /** The account's login name (`chd-<short id>` for accounts the server created). */
  userName: string;
  uid: number;
  gid: number;
  /** Supplementary group ids (the account's groups besides `gid`); default none. */
  groups?: readonly number[] | undefined;
  /** The account's home directory, the job's HOME; default the job's private output directory. */
  home?: string | undefined;
}

/**
 * Variables every executor sets for a job (the spec's `environment` cannot override them):
 * CHEOMDAN_JOB_ID, CHEOMDAN_NODE (the node the script runs on, as named in the placement), CHEOMDAN_NODES
 * (all nodes of the placement, comma-joined), CHEOMDAN_TASKS, CHEOMDAN_ACCELERATOR_TYPE ("" for CPU-only),
 * CHEOMDAN_DEVICES and CUDA_VISIBLE_DEVICES (device indices of that node's allocation, comma-joined; ""
 * when it has none, which hides every GPU from CUDA), NVIDIA_VISIBLE_DEVICES (same indices, "none" when
 * there are none) and CHEOMDAN_TIME_LIMIT_SECONDS.
 */
export const JOB_ENVIRONMENT = [
  'CHEOMDAN_JOB_ID', 'CHEOMDAN_NODE', 'CHEOMDAN_NODES', 'CHEOMDAN_TASKS', 'CHEOMDAN_ACCELERATOR_TYPE',
  'CHEOMDAN_DEVICES', 'CHEOMDAN_TIME_LIMIT_SECONDS', 'CUDA_VISIBLE_DEVICES', 'NVIDIA_VISIBLE_DEVICES',
] as const;

/** An executor's own id for a started job (a pid and start time, a Slurm job id). Opaque to the controller. */
export type ExecutorHandle = string;

export type Observation =
  | { handle: ExecutorHandle; state: 'running'; startedAt: number }
  | {
      handle: ExecutorHandle;
      state: 'exited';
      startedAt: number;
      endedAt: number;
      /**
       * Exactly one of exitCode / signal is set when the script ran ("SIGTERM", "SIGKILL", ...; a shell's
       * status 128+N counts as signal N); both are null when the job was cancelled before it ran.
       */
      exitCode: number | null;
      signal: string | null;
      /** Ended because its time limit was reached. */
      timedOut: boolean;
      /** Ended because cancel() was called. */
      cancelled: boolean;
    }
  /** The executor has no trace of the job (its supervisor vanished, Slurm forgot it). */
  | {
      handle: ExecutorHandle;
      state: 'lost';
      detail: string;
      /**
       * The latest time (ms since the epoch) the executor has evidence the job was still alive (its last
       * output, a mark left while it was seen running, capped at the host's boot when it rebooted since);
       * absent without evidence. The controller ends a lost job's usage there, not when it noticed.
       */
      lastSeenAt?: number | undefined;
    };

export interface LogOptions {
  stream: 'stdout' | 'stderr';
  /** Byte offset to start from. */
  offset?: number | undefined;
  /**
   * Keep the stream open and deliver new output until the job has ended and everything it wrote has been
   * delivered, or `signal` aborts (the stream then just ends, without an error).
   */
  follow?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface Executor {
  readonly name: string;
  start(spec: LaunchSpec): Promise<ExecutorHandle>;
  cancel(handle: ExecutorHandle): Promise<void>;
  observe(handles: readonly ExecutorHandle[]): Promise<Observation[]>;
  logs(handle: ExecutorHandle, spec: Pick<LaunchSpec, 'stdoutPath' | 'stderrPath'>, opts: LogOptions): AsyncIterable<Buffer>;
  /**
   * Optional. Handles of every run of this job the executor knows (running or ended), oldest first; [] for
   * a job it never started. For recovery: a job caught in `starting` without a persisted handle (the server
   * died between start() returning and the handle being stored) may be running; the controller adopts or
   * cancels what this returns instead of starting a second copy beside an unaccounted first one.
   * With `attempt`, only the runs started with that `LaunchSpec.attempt` (runs recorded without one are
   * never returned then).
   */
  lookup?(jobId: JobId, attempt?: number): Promise<ExecutorHandle[]>;
  /** Releases timers and connections; running jobs keep running. */
  close(): Promise<void>;
}
