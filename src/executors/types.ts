/**
 * The executor contract. An executor runs what the controller decided and reports what happened; it never
 * decides. Only the controller calls executors (a test enforces this).
 *
 *   start(spec)      -> handle           the job's processes exist (or the start failed: throws)
 *   cancel(handle)   -> void             SIGTERM, grace, SIGKILL of everything the job started; idempotent
 *   observe(handles) -> observations     what each job is doing now; finished jobs report their exit
 *   logs(handle)     -> readable stream  stdout/stderr from an offset, optionally following
 *
 * Every executor passes the same conformance suite (executors/conformance.ts).
 */
import type { JobId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';

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
  /** Linux user to run as (Slurm); the local executor runs as the server's own user. */
  user?: string | undefined;
  /** Seconds between SIGTERM and SIGKILL when the time limit is reached or the job is cancelled. */
  gracePeriodSeconds?: number | undefined;
}

/** An executor's own id for a started job (a pid and start time, a Slurm job id). Opaque to the controller. */
export type ExecutorHandle = string;

export type Observation =
  | { handle: ExecutorHandle; state: 'running'; startedAt: number }
  | {
      handle: ExecutorHandle;
      state: 'exited';
      startedAt: number;
      endedAt: number;
      exitCode: number | null;
      signal: string | null;
      /** Ended because its time limit was reached. */
      timedOut: boolean;
      /** Ended because cancel() was called. */
      cancelled: boolean;
    }
  /** The executor has no trace of the job (its supervisor vanished, Slurm forgot it). */
  | { handle: ExecutorHandle; state: 'lost'; detail: string };

export interface LogOptions {
  stream: 'stdout' | 'stderr';
  /** Byte offset to start from. */
  offset?: number | undefined;
  /** Keep the stream open and deliver new output until the job ends or `signal` aborts. */
  follow?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface Executor {
  readonly name: string;
  start(spec: LaunchSpec): Promise<ExecutorHandle>;
  cancel(handle: ExecutorHandle): Promise<void>;
  observe(handles: readonly ExecutorHandle[]): Promise<Observation[]>;
  logs(handle: ExecutorHandle, spec: Pick<LaunchSpec, 'stdoutPath' | 'stderrPath'>, opts: LogOptions): AsyncIterable<Buffer>;
  /** Releases timers and connections; running jobs keep running. */
  close(): Promise<void>;
}
