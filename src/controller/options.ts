/**
 * What the controller is built from, and what each of its steps (recovery, collect, apply, explain) is
 * handed: the options, the in-memory scheduling state, and the one way to announce a job's change. Its own
 * module so the steps and the controller that composes them share these types without importing each other.
 */
import type { Logger } from 'pino';
import type { ResourceRequest } from '../core/resources.ts';
import type { Executor, JobOwner } from '../executors/types.ts';
import type { ClusterSnapshot, CycleResult, FeasibilityResult, NodeSnapshot, ReservationSnapshot } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import type { Store } from '../store/index.ts';
import type { AccountingHooks } from './hooks.ts';
import type { ControllerState } from './state.ts';

export interface Scheduler {
  /** `explain`: also give every pending job its reason and estimate (costlier with a long queue). */
  cycle(snapshot: ClusterSnapshot, now: number, explain: boolean): CycleResult;
  feasibility(request: ResourceRequest, partition: string, nodes: readonly NodeSnapshot[]): FeasibilityResult;
  /** Fair share's half-life, from the policy configuration (multifactor.halfLifeSeconds). */
  readonly halfLifeSeconds: number;
}

export interface ControllerOptions {
  store: Store;
  executor: Executor;
  scheduler: Scheduler;
  nodes: NodeSnapshot[];
  defaultPartition: string;
  clock: () => number;
  log: Logger;
  /** Timer period for observing running jobs, ms (default 500). */
  intervalMs?: number | undefined;
  /** Failed starts before a job is failed instead of requeued (default 3). */
  maxStartAttempts?: number;
  onCycle?: (info: { durationMs: number; started: number; pending: number; running: number }) => void;
  /** Allocation holds and settlements, quotas and fair share (issue 4); absent: nothing is charged. */
  accounting?: AccountingHooks;
  /** Reservations in force or to come (services/reservations.ts); absent: none. */
  reservations?: () => readonly ReservationSnapshot[];
  /** Quotas, from services/quotas.ts (explicit quotas, and those allocations imply); absent: accounting's. */
  quotas?: (now: number) => Pick<ClusterSnapshot, 'quotas'>;
  /**
   * The Unix account a job runs as (services/unixAccounts.ts, when the server is root); absent or
   * undefined: the executor's own account (single-user mode). A failure fails the start like any other.
   */
  ownerOf?: (job: JobRecord) => Promise<JobOwner | undefined>;
  /**
   * Readies what a job needs on disk before it starts (its datasets, services/datasets/mounts.ts) and
   * returns environment variables that say where; a failure fails the start like any other.
   */
  prepare?: (job: JobRecord, owner: JobOwner | undefined) => Promise<Readonly<Record<string, string>>>;
  /** Called after a job's state change is persisted (live views). */
  onJobChange?: (change: { jobId: string; tenantId: string; state: string }) => void;
}

/** What every step of the controller is handed. */
export interface StepContext {
  readonly o: ControllerOptions;
  readonly state: ControllerState;
  /** A job's state change was persisted: tell the live views. */
  changed(job: JobRecord, state: string): void;
}

/** Message prefixes of the 'info' events that record stop requests (read back by recovery.ts). */
export const PREEMPTING = 'preempting (';
export const CANCEL_REQUESTED = 'cancel requested by ';
