/**
 * The controller's scheduling state, in memory: the pending queue, the jobs it started (starting or running),
 * the free-capacity index over them, the node list, and the stop requests and explanations in flight. The
 * store is written through and never re-read during a tick; this is what the scheduler's snapshot is built
 * from.
 *
 * Invariant: the capacity index, when built, tracks exactly the jobs in `active` (setActive / unsetActive
 * keep both); it is dropped when the nodes change and rebuilt at the next snapshot (rebuilding it every
 * tick cost ~150 ms at 10,000 nodes; docs/scheduler.md).
 */
import { CapacityIndex, DecayedUsage } from '../scheduler/index.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingExplanation } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import { buildSnapshot, PendingJobs, runningSnapshot } from './snapshot.ts';

export class ControllerState {
  readonly pending = new PendingJobs();
  /** Stop requests in flight: a preemption (its exit is recorded `preempted`), a user's cancel (wins). */
  readonly preempting = new Set<string>();
  readonly cancelRequested = new Set<string>();
  /** The last explanation persisted per pending job (only changes are written). */
  readonly explained = new Map<string, PendingExplanation>();
  /** Failed starts per job, for maxStartAttempts. */
  readonly startFailures = new Map<string, number>();
  /** Fair share's decayed usage, fed by each attempt's device interval when it ends (collect.ts, recovery.ts). */
  readonly usage: DecayedUsage;
  private readonly active = new Map<string, JobRecord>();
  private index: CapacityIndex | undefined;
  private nodeList: readonly NodeSnapshot[];

  constructor(nodes: readonly NodeSnapshot[], halfLifeSeconds: number) {
    this.nodeList = nodes;
    this.usage = new DecayedUsage(halfLifeSeconds);
  }

  /** An attempt that held `devices` from `startedAt` to `endedAt` (epoch ms) counts for fair share. */
  recordUsage(job: Pick<JobRecord, 'tenantId' | 'projectId'>, devices: number, startedAt: number, endedAt: number): void {
    this.usage.addInterval(job.tenantId, job.projectId, devices, startedAt / 1000, endedAt / 1000);
  }

  get nodes(): readonly NodeSnapshot[] { return this.nodeList; }
  get activeCount(): number { return this.active.size; }
  activeJob(id: string): JobRecord | undefined { return this.active.get(id); }
  activeJobs(): IterableIterator<JobRecord> { return this.active.values(); }

  setNodes(nodes: readonly NodeSnapshot[]): void {
    this.nodeList = nodes;
    this.index = undefined;
  }

  /** A job was started (or its record changed while it runs): its capacity is taken. */
  setActive(job: JobRecord): void {
    if (this.index && this.active.has(job.id)) this.index.untrackRunning(job.id);
    this.active.set(job.id, job);
    this.index?.trackRunning(runningSnapshot(job));
  }

  /** A job stopped (or its start was rolled back): its capacity is free again. */
  unsetActive(jobId: string): void {
    if (this.active.delete(jobId)) this.index?.untrackRunning(jobId);
  }

  /** A pending job left the queue (started, cancelled): forget its explanation too. */
  dropPending(jobId: string): void {
    this.pending.delete(jobId);
    this.explained.delete(jobId);
  }

  /**
   * The scheduler's snapshot of nodes, pending and running jobs, with the capacity index kept alive, and the
   * decayed usage (tenant shares: from allocations' fair-share weights, when accounting gives them).
   */
  snapshot(tenantShares?: Readonly<Record<string, number>>): ClusterSnapshot {
    const base = buildSnapshot(this.nodeList, this.pending.snapshots(), this.active.values());
    this.index ??= CapacityIndex.build(this.nodeList, base.running);
    return { ...base, index: this.index, usage: { byTenant: this.usage.byTenant, byProject: this.usage.byProject, tenantShares } };
  }
}
