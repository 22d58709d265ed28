/**
 * Builds the scheduler's snapshot from the controller's in-memory view of jobs and nodes. Pure: records in,
 * snapshot out (times converted from epoch milliseconds to seconds, as the scheduler counts them).
 */
import type { JobId, PartitionName, ProjectId, TenantId, AcceleratorTypeId, AllocationId, ReservationId } from '../core/ids.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingJobSnapshot, RunningJobSnapshot } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import { formatDependencySpec } from '../core/slurm/dependency.ts';

type DependencyHold = NonNullable<PendingJobSnapshot['dependency']>;

export const toSeconds = (ms: number) => ms / 1000;

/**
 * The controller's pending jobs: records by id (in arrival order) with their scheduler snapshots kept beside
 * them. A snapshot is rebuilt only when a field the scheduler reads changes (a new explanation replaces the
 * record, not its snapshot), and the array handed to the scheduler is rebuilt only when the set changed:
 * with 40,000 queued jobs, building their snapshots every tick was a third of the tick (bench/RESULTS.md).
 */
export class PendingJobs {
  private readonly records = new Map<string, JobRecord>();
  private readonly snaps = new Map<string, PendingJobSnapshot>();
  private list: PendingJobSnapshot[] | undefined;
  /** Jobs with a --dependency, and where each stands (dependencies.ts evaluates them every tick). */
  readonly dependent = new Set<string>();
  private readonly holds = new Map<string, DependencyHold>();

  get size(): number { return this.records.size; }
  get(id: string): JobRecord | undefined { return this.records.get(id); }
  has(id: string): boolean { return this.records.has(id); }
  values(): IterableIterator<JobRecord> { return this.records.values(); }

  set(record: JobRecord): void {
    const old = this.records.get(record.id);
    this.records.set(record.id, record);
    if (record.dependency) {
      this.dependent.add(record.id);
      // Held until its dependency is first evaluated, so it cannot start in a cycle that comes before that.
      if (!this.holds.has(record.id)) this.holds.set(record.id, { state: 'pending', spec: formatDependencySpec(record.dependency.spec) });
    }
    if (old && sameForScheduling(old, record)) return;
    this.snaps.set(record.id, this.snapshotOf(record));
    this.list = undefined;
  }

  delete(id: string): void {
    if (!this.records.delete(id)) return;
    this.snaps.delete(id);
    this.dependent.delete(id);
    this.holds.delete(id);
    this.list = undefined;
  }

  /** Where a pending job's dependency stands: held (`pending`/`never`), or free to start (undefined). */
  hold(id: string, hold: DependencyHold | undefined): void {
    const old = this.holds.get(id);
    if (old?.state === hold?.state) return;
    if (hold) this.holds.set(id, hold);
    else this.holds.delete(id);
    const record = this.records.get(id);
    if (!record) return;
    this.snaps.set(id, this.snapshotOf(record));
    this.list = undefined;
  }

  private snapshotOf(record: JobRecord): PendingJobSnapshot {
    const hold = this.holds.get(record.id);
    return hold ? { ...toPendingSnapshot(record), dependency: hold } : toPendingSnapshot(record);
  }

  /** The scheduler's view, in arrival order; the same array until the set changes (never mutate it). */
  snapshots(): readonly PendingJobSnapshot[] {
    return (this.list ??= Array.from(this.snaps.values()));
  }
}

/** Whether two records of one job give the same PendingJobSnapshot (the fields toPendingSnapshot reads). */
function sameForScheduling(a: JobRecord, b: JobRecord): boolean {
  return a.request === b.request && a.priority === b.priority && a.qos === b.qos && a.partition === b.partition
    && a.allocationId === b.allocationId && a.submittedAt === b.submittedAt && a.tenantId === b.tenantId
    && a.projectId === b.projectId && a.reservationId === b.reservationId
    && (a.pendingReason === 'preempting') === (b.pendingReason === 'preempting');
}

function toPendingSnapshot(j: JobRecord): PendingJobSnapshot {
  return {
    id: j.id as JobId,
    tenant: j.tenantId as TenantId,
    project: j.projectId as ProjectId,
    partition: j.partition as PartitionName,
    allocation: (j.allocationId ?? undefined) as AllocationId | undefined,
    request: j.request,
    submittedAt: toSeconds(j.submittedAt),
    priority: j.priority,
    qos: j.qos ?? undefined,
    reservation: (j.reservationId ?? undefined) as ReservationId | undefined,
    ...(j.pendingReason === 'preempting' ? { preempting: true } : {}),
  };
}

export function runningSnapshot(j: JobRecord): RunningJobSnapshot {
  return {
    ...toPendingSnapshot(j),
    startedAt: toSeconds(j.startedAt ?? j.updatedAt),
    placement: j.placement ?? [],
    acceleratorType: (j.acceleratorType ?? null) as AcceleratorTypeId | null,
  };
}

export function buildSnapshot(
  nodes: readonly NodeSnapshot[],
  pending: readonly PendingJobSnapshot[],
  running: Iterable<JobRecord>,
): ClusterSnapshot {
  const r: RunningJobSnapshot[] = [];
  for (const j of running) r.push(runningSnapshot(j));
  return { nodes, pending, running: r };
}
