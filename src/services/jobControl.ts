/**
 * What the job service needs from the controller, as an interface: services never call executors; the
 * controller does (DESIGN.md). The server wires the live controller in; tests can wire a real controller
 * over a temp store and the local executor.
 */
import type { LogOptions } from '../executors/types.ts';
import type { JobRecord } from '../store/records.ts';
import type { NodeSnapshot, FeasibilityResult } from '../scheduler/types.ts';
import type { ResourceRequest } from '../core/resources.ts';

export interface JobControl {
  /** Something changed: run a scheduling cycle soon. A newly submitted job is handed over with it. */
  wake(job?: JobRecord): void;
  /** A pending job was cancelled: drop it from the queue. */
  forget(jobId: string): void;
  /** Ask the executor to stop a starting/running job; the observed exit then records it as cancelled. */
  cancel(job: JobRecord): Promise<void>;
  /** The job's output from an offset; follows until the job ends when asked. */
  logs(job: JobRecord, opts: LogOptions): AsyncIterable<Buffer>;
  /** The nodes the scheduler sees now (for submit-time feasibility). */
  nodes(): readonly NodeSnapshot[];
  /** Could this request ever run in that partition? */
  feasibility(request: ResourceRequest, partition: string): FeasibilityResult;
  /** Partitions that exist, and the default. */
  partitions(): { names: readonly string[]; default: string };
}
