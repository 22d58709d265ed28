/**
 * The scheduler's contract: a snapshot in, decisions out.
 *
 *   cycle(snapshot, policy, now) -> CycleResult
 *
 * Everything the scheduler knows is in the snapshot; it has no clock (time is `now`, in seconds), no
 * randomness, no I/O. The live controller and the simulator build snapshots and apply decisions; the
 * scheduler only decides. Read-only views end in `Snapshot` (Kueue's vocabulary).
 */
import type {
  AcceleratorTypeId, AllocationId, JobId, NodeName, PartitionName, ProjectId, ReservationId, TenantId,
} from '../core/ids.ts';
import type { InventoryNode } from '../core/inventory.ts';
import type { Placement, ResourceRequest } from '../core/resources.ts';
import type { CapacityIndex } from './capacity.ts';

/** Seconds; an epoch time in the live system, a virtual time in the simulator. */
export type Seconds = number;

export type NodeSnapshot = InventoryNode;

export interface PendingJobSnapshot {
  id: JobId;
  tenant: TenantId;
  project: ProjectId;
  partition: PartitionName;
  /** The allocation the job is charged to; quotas come from it. */
  allocation?: AllocationId | undefined;
  request: ResourceRequest;
  submittedAt: Seconds;
  /** User/admin priority (Slurm's nice inverted): higher runs first among equals. 0 by default. */
  priority: number;
  /** QOS name; multifactor weights it. */
  qos?: string | undefined;
  /** Clairvoyant run time, known only in simulation (sjf/srtf baselines). */
  expectedDurationSeconds?: Seconds | undefined;
  /** Service already received before (LAS), in device-seconds, and times preempted (with when). */
  attainedDeviceSeconds?: number | undefined;
  preemptions?: readonly Seconds[] | undefined;
  /** Only run inside this reservation. */
  reservation?: ReservationId | undefined;
  /**
   * The job's --dependency, evaluated by the caller (core/slurm/dependency.ts `dependencyState`) against the
   * jobs it names: `pending` holds it with reason `dependency`, `never` with `dependency_never_satisfied`.
   * Absent (or satisfied) when it has none or it is satisfied.
   */
  dependency?: { state: 'pending' | 'never'; spec: string } | undefined;
  /**
   * Running jobs are being preempted for it (live: their exits are not collected yet). Its quota use counts
   * already (on its first requested type), so the capacity freed for it is not lent to another job meanwhile.
   */
  preempting?: boolean | undefined;
}

export interface RunningJobSnapshot extends PendingJobSnapshot {
  startedAt: Seconds;
  placement: Placement;
  acceleratorType: AcceleratorTypeId | null;
}

export interface ReservationSnapshot {
  id: ReservationId;
  tenant: TenantId;
  start: Seconds;
  end: Seconds;
  /** Whole nodes, or devices on nodes, held for the tenant during [start, end). */
  nodes: readonly NodeName[];
  devices?: readonly { node: NodeName; indices: readonly number[] }[] | undefined;
}

/**
 * A quota (scheduler/quotas.ts): an organization's — or one project's — guaranteed devices of one type or a
 * type group, its borrowing limit, its lending limit and its cohort.
 */
export interface QuotaSnapshot {
  tenant: TenantId;
  /** A project's quota: a cap inside its organization's, lending nothing. Absent: the organization's. */
  project?: ProjectId | undefined;
  /** The type it covers (the first of `acceleratorTypes` for a group). */
  acceleratorType: AcceleratorTypeId;
  /** A type group's members (core/accelerators.ts TYPE_GROUPS); absent: `acceleratorType` alone. */
  acceleratorTypes?: readonly AcceleratorTypeId[] | undefined;
  /** What people call it in messages: the group's name or the type's id (default). */
  label?: string | undefined;
  guaranteedDevices: number;
  /** Extra devices it may borrow beyond its guarantee (0 = none; Infinity = no limit). */
  borrowLimitDevices: number;
  /** Of its idle guarantee, at most this many may be lent to its cohort (absent: all of it). */
  lendLimitDevices?: number | undefined;
  /** Quotas of one cohort on the same types lend to each other; absent: borrows any idle capacity. */
  cohort?: string | undefined;
}

/** Decayed historical usage for fair share, in device-seconds, per tenant and per project. */
export interface UsageSnapshot {
  byTenant: Readonly<Record<string, number>>;
  byProject: Readonly<Record<string, number>>;
  /** Relative shares (fair-share weight from allocations); a tenant missing here has share 1. */
  tenantShares?: Readonly<Record<string, number>> | undefined;
}

export interface ClusterSnapshot {
  nodes: readonly NodeSnapshot[];
  pending: readonly PendingJobSnapshot[];
  running: readonly RunningJobSnapshot[];
  reservations?: readonly ReservationSnapshot[] | undefined;
  quotas?: readonly QuotaSnapshot[] | undefined;
  usage?: UsageSnapshot | undefined;
  /** Pending jobs whose allocation is exhausted or suspended: left pending with that reason. */
  blockedAllocations?: Readonly<Record<string, 'allocation_exhausted' | 'allocation_inactive'>> | undefined;
  /**
   * A free-capacity index already consistent with `nodes` and `running`, kept alive by a caller that
   * applies starts and finishes to it (the simulator). Optional: the cycle builds one when absent. The cycle
   * changes it only with mutate-then-undo and leaves it exactly as it found it.
   */
  index?: CapacityIndex | undefined;
}

/**
 * Why a job is still pending. Machine-readable; `message` on the explanation is for people. This is the one
 * list: the contract's enum is built from it, so the API never refuses a reason the scheduler gives.
 *   priority                behind a job of higher priority (head-of-line blocking, or backfill would delay it)
 *   resources               not enough free devices/CPUs/memory of an acceptable type right now
 *   quota                   would exceed a quota (its guarantee + borrowing limit, or what its cohort lends)
 *   reservation             the capacity it needs is held by a reservation for another tenant
 *   reservation_not_active  the job belongs to a reservation that has not started yet
 *   partition_too_small     can never fit: larger than its partition
 *   no_such_accelerator     can never fit: no node of the partition has an acceptable type
 *   nodes_unavailable       would fit, but nodes that could hold it are down or draining
 *   preemption_backoff      recently preempted too often; waiting out the bound
 *   preempting              running jobs are being preempted for it; it starts when they have stopped
 *   reservation_unknown     names a reservation that does not exist or has ended
 *   reservation_too_short   its time limit outlasts what is left of its reservation (it must end inside it)
 *   allocation_exhausted    its allocation cannot cover it
 *   allocation_inactive     its allocation is suspended or expired
 */
export const PENDING_REASONS = [
  'priority', 'resources', 'quota', 'reservation', 'reservation_not_active', 'partition_too_small',
  'no_such_accelerator', 'nodes_unavailable', 'preemption_backoff', 'preempting', 'reservation_unknown',
  'allocation_exhausted', 'allocation_inactive', 'reservation_too_short', 'dependency', 'dependency_never_satisfied',
] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

export interface PendingExplanation {
  jobId: JobId;
  reason: PendingReason;
  message: string;
  /** Earliest start by forward simulation on time limits, where computable; null where not. */
  estimatedStart: Seconds | null;
}

export type Decision =
  | { kind: 'start'; jobId: JobId; placement: Placement; acceleratorType: AcceleratorTypeId | null }
  | {
      kind: 'preempt';
      jobId: JobId;
      reason: 'priority' | 'reclaim' | 'srtf' | 'las';
      /** The job the capacity is freed for. */
      forJob: JobId;
    };

/** A job's priority with the factors it came from (Slurm's sprio), so people can see why it ranks there. */
export interface PriorityBreakdown {
  jobId: JobId;
  priority: number;
  factors: Readonly<Record<string, number>>;
}

export interface CycleResult {
  /**
   * In the order they must be applied: a start that follows preempt decisions runs on the capacity those
   * preemptions free (stop the victims, then start it).
   */
  decisions: readonly Decision[];
  pending: readonly PendingExplanation[];
  /** The jobs examined this cycle (within the scan depth), with their factors; the rest on demand. */
  priorities: readonly PriorityBreakdown[];
}

/** Can this job ever run on these nodes? The answer for submit-time rejection. */
export type FeasibilityResult =
  | { ok: true }
  | { ok: false; reason: 'partition_too_small' | 'no_such_accelerator'; message: string };
