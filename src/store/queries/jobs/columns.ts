/**
 * The mapping between `JobRecord` (camelCase, parsed JSON) and the `jobs` row (snake_case, JSON text).
 * One table, so that insert, update and reads cannot drift apart.
 */
import type { Insertable, Selectable } from 'kysely';
import type { AcceleratorTypeId, AllocationId, JobId, PartitionName, ProjectId, TenantId, UserId } from '../../../core/ids.ts';
import type { JobState } from '../../../core/jobState.ts';
import type { Placement, ResourceRequest } from '../../../core/resources.ts';
import type { JobDependency, JobPatch, JobRecord } from '../../records.ts';
import type { SlurmJobFacts } from '../../../core/slurm/jobEnvironment.ts';
import type { JobsTable } from '../../schema.ts';
import { parseJson } from '../context.ts';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export function rowToJob(r: Selectable<JobsTable>): JobRecord {
  return {
    id: r.id as JobId,
    seq: Number(r.seq),
    tenantId: r.tenant_id as TenantId,
    projectId: r.project_id as ProjectId,
    userId: r.user_id as UserId,
    name: r.name,
    partition: r.partition as PartitionName,
    state: r.state as JobState,
    script: r.script,
    workingDirectory: r.working_directory,
    environment: parseJson<Record<string, string>>(r.environment, 'jobs.environment'),
    request: parseJson<ResourceRequest>(r.request, 'jobs.request'),
    priority: Number(r.priority),
    qos: r.qos,
    submittedAt: Number(r.submitted_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    exitCode: num(r.exit_code),
    signal: r.signal,
    pendingReason: r.pending_reason,
    pendingMessage: r.pending_message,
    estimatedStart: num(r.estimated_start),
    placement: r.placement === null ? null : parseJson<Placement>(r.placement, 'jobs.placement'),
    acceleratorType: r.accelerator_type as AcceleratorTypeId | null,
    executor: r.executor,
    executorHandle: r.executor_handle,
    stdoutPath: r.stdout_path,
    stderrPath: r.stderr_path,
    warnings: parseJson<string[]>(r.warnings, 'jobs.warnings'),
    attempt: Number(r.attempt),
    preemptionCount: Number(r.preemption_count),
    failureReason: r.failure_reason,
    allocationId: r.allocation_id as AllocationId | null,
    reservationId: r.reservation_id ?? null,
    dependency: r.dependency === null || r.dependency === undefined ? null : parseJson<JobDependency>(r.dependency, 'jobs.dependency'),
    slurmFacts: r.slurm_facts === null || r.slurm_facts === undefined ? null : parseJson<SlurmJobFacts>(r.slurm_facts, 'jobs.slurm_facts'),
    updatedAt: Number(r.updated_at),
  };
}

type Column = keyof JobsTable;
type Mutable = keyof JobPatch;

/** Column and encoder of every field `jobs.update` may change. */
const PATCHABLE: { [K in Mutable]-?: [Column, (v: NonNullable<JobPatch[K]> | null) => unknown] } = {
  name: ['name', (v) => v],
  partition: ['partition', (v) => v],
  state: ['state', (v) => v],
  script: ['script', (v) => v],
  workingDirectory: ['working_directory', (v) => v],
  environment: ['environment', (v) => JSON.stringify(v ?? {})],
  request: ['request', (v) => JSON.stringify(v)],
  priority: ['priority', (v) => v],
  qos: ['qos', (v) => v],
  startedAt: ['started_at', (v) => v],
  endedAt: ['ended_at', (v) => v],
  exitCode: ['exit_code', (v) => v],
  signal: ['signal', (v) => v],
  pendingReason: ['pending_reason', (v) => v],
  pendingMessage: ['pending_message', (v) => v],
  estimatedStart: ['estimated_start', (v) => v],
  placement: ['placement', (v) => (v === null ? null : JSON.stringify(v))],
  acceleratorType: ['accelerator_type', (v) => v],
  executor: ['executor', (v) => v],
  executorHandle: ['executor_handle', (v) => v],
  stdoutPath: ['stdout_path', (v) => v],
  stderrPath: ['stderr_path', (v) => v],
  warnings: ['warnings', (v) => JSON.stringify(v ?? [])],
  attempt: ['attempt', (v) => v],
  preemptionCount: ['preemption_count', (v) => v],
  failureReason: ['failure_reason', (v) => v],
  allocationId: ['allocation_id', (v) => v],
  reservationId: ['reservation_id', (v) => v],
  dependency: ['dependency', (v) => (v === null ? null : JSON.stringify(v))],
  slurmFacts: ['slurm_facts', (v) => (v === null ? null : JSON.stringify(v))],
};

/** The row changes for a patch; `undefined` fields are left alone, `null` clears a nullable column. */
export function patchToRow(patch: JobPatch): Partial<Insertable<JobsTable>> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(patch) as Mutable[]) {
    const value = patch[key];
    if (value === undefined) continue;
    const spec = PATCHABLE[key];
    if (!spec) throw new Error(`store: jobs.update cannot change ${String(key)}`);
    const [column, encode] = spec as [Column, (v: unknown) => unknown];
    out[column] = encode(value);
  }
  return out as Partial<Insertable<JobsTable>>;
}
