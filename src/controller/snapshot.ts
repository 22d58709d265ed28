/**
 * Builds the scheduler's snapshot from the controller's in-memory view of jobs and nodes. Pure: records in,
 * snapshot out (times converted from epoch milliseconds to seconds, as the scheduler counts them).
 */
import type { JobId, PartitionName, ProjectId, TenantId, AcceleratorTypeId, AllocationId } from '../core/ids.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingJobSnapshot, RunningJobSnapshot } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';

export const toSeconds = (ms: number) => ms / 1000;

export function pendingSnapshot(j: JobRecord): PendingJobSnapshot {
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
  };
}

export function runningSnapshot(j: JobRecord): RunningJobSnapshot {
  return {
    ...pendingSnapshot(j),
    startedAt: toSeconds(j.startedAt ?? j.updatedAt),
    placement: j.placement ?? [],
    acceleratorType: (j.acceleratorType ?? null) as AcceleratorTypeId | null,
  };
}

export function buildSnapshot(
  nodes: readonly NodeSnapshot[],
  pending: Iterable<JobRecord>,
  running: Iterable<JobRecord>,
): ClusterSnapshot {
  const p: PendingJobSnapshot[] = [];
  for (const j of pending) p.push(pendingSnapshot(j));
  const r: RunningJobSnapshot[] = [];
  for (const j of running) r.push(runningSnapshot(j));
  return { nodes, pending: p, running: r };
}
