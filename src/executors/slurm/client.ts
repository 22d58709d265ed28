/**
 * One interface over the two ways of talking to Slurm: slurmrestd (REST, JWT per user) and the CLI
 * (sbatch / squeue --json / sinfo --json / scancel). Both return records in the REST API v0.0.38 schema
 * (`squeue --json` and `sinfo --json` print the same schema), so everything above this layer is shared.
 *
 * Errors are classified once, here, because the REST daemon answers almost every error with HTTP 500:
 *   unavailable - Slurm could not be reached (slurmrestd or slurmctld down); safe to retry later
 *   rejected    - Slurm understood the request and refused it (bad node, bad partition, bad user)
 *   not_found   - no such job
 */

/** A batch job to submit, independent of transport. Times in seconds, memory in MiB. */
export interface SlurmJobRequest {
  name: string;
  /** Free text stored with the job; we keep the Cheomdan job id, time limit and a nonce here. */
  comment: string;
  partition?: string | undefined;
  account?: string | undefined;
  /** Exact nodes (Slurm's --nodelist); `nodes` is their count. */
  nodeList?: readonly string[] | undefined;
  nodes: number;
  tasks: number;
  tasksPerNode?: number | undefined;
  cpusPerTask?: number | undefined;
  /** `gpu:N` or `gpu:type:N` per node; omitted for CPU-only jobs. */
  gresPerNode?: string | undefined;
  memoryPerNodeMb?: number | undefined;
  timeLimitMinutes: number;
  workingDirectory: string;
  stdoutPath: string;
  stderrPath: string;
  /** The job's whole environment (Slurm adds its SLURM_* variables). */
  environment: Readonly<Record<string, string>>;
  script: string;
}

/** The fields of a v0.0.38 job record that Cheomdan reads. */
export interface SlurmJob {
  job_id: number;
  name: string;
  comment?: string;
  user_name?: string;
  partition?: string;
  job_state: string;
  state_reason?: string;
  state_description?: string;
  exit_code?: number | null;
  derived_exit_code?: number | null;
  submit_time?: number;
  start_time?: number;
  end_time?: number;
  /** Hostlist expression of the allocated nodes. */
  nodes?: string;
  gres_detail?: string[];
  batch_host?: string;
  restart_cnt?: number;
}

/** The fields of a v0.0.38 node record that Cheomdan reads. */
export interface SlurmNode {
  name: string;
  state: string;
  state_flags?: string[];
  cpus: number;
  real_memory: number;
  /** `gpu:4`, `gpu:h100:8`, `gpu:h100:8(S:0-1)`, or several comma-separated. */
  gres: string;
  partitions?: string[];
  reason?: string;
  features?: string;
}

export type SlurmErrorKind = 'unavailable' | 'rejected' | 'not_found';

export class SlurmError extends Error {
  constructor(
    readonly kind: SlurmErrorKind,
    message: string,
    opts: { cause?: unknown; code?: number | undefined; where?: 'slurmrestd' | 'slurmctld' | undefined } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SlurmError';
    this.code = opts.code;
    this.where = opts.where;
  }
  /** Slurm's error number, when it gave one. */
  readonly code: number | undefined;
  /** For `unavailable`: which daemon did not answer (slurmrestd down: the CLI may still work). */
  readonly where: 'slurmrestd' | 'slurmctld' | undefined;
}

/** Keeps the jobs with the wanted ids, by id. */
export function pickJobs(jobs: readonly SlurmJob[], ids: readonly number[]): Map<number, SlurmJob> {
  const wanted = new Set(ids);
  return new Map(jobs.filter((j) => wanted.has(j.job_id)).map((j) => [j.job_id, j]));
}

export const isUnavailable = (e: unknown): boolean => e instanceof SlurmError && e.kind === 'unavailable';

/**
 * Slurm error numbers (slurm_errno.h): 1000-1999 and 5000-5999 are communication failures
 * (SLURM_COMMUNICATIONS_*, SLURMCTLD_COMMUNICATIONS_*, SLURM_PROTOCOL_SOCKET_*), worth a retry.
 * ESLURM_INVALID_JOB_ID (2017) and ESLURM_ALREADY_DONE (2021) mean the job is gone or finished.
 */
export function classifySlurmErrno(code: number): SlurmErrorKind {
  if ((code >= 1000 && code < 2000) || (code >= 5000 && code < 6000)) return 'unavailable';
  if (code === 2017) return 'not_found';
  return 'rejected';
}

export interface SlurmClient {
  readonly kind: string;
  /** Submits as `user` (a Linux user on the cluster); returns the Slurm job id. */
  submit(user: string, req: SlurmJobRequest): Promise<number>;
  /** Every job slurmctld still holds (finished ones for MinJobAge seconds). */
  jobs(): Promise<SlurmJob[]>;
  /**
   * The jobs with these ids that slurmctld holds (a job it does not hold - never existed, or ended longer
   * than MinJobAge ago - is simply absent from the map).
   */
  jobsById(ids: readonly number[]): Promise<Map<number, SlurmJob>>;
  /** Ends the job: Slurm's own SIGCONT, SIGTERM, KillWait, SIGKILL sequence. Finished jobs are fine. */
  cancel(jobId: number): Promise<void>;
  nodes(): Promise<SlurmNode[]>;
}
