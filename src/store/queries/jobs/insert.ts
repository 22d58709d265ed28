/**
 * Inserts a submitted job and returns it with its `seq` (submission order).
 *
 * seq: PostgreSQL assigns it from the identity column; SQLite computes max(seq)+1 in the same statement.
 * That is safe because an SQLite write holds the database's write lock for the whole statement (and every
 * store transaction is BEGIN IMMEDIATE), and the unique index on seq makes max() a single index probe.
 */
import { sql } from 'kysely';
import { guardWrite } from '../../dbErrors.ts';
import type { JobRecord, NewJob } from '../../records.ts';
import type { QueryContext } from '../context.ts';

export async function insertJob(ctx: QueryContext, job: NewJob): Promise<JobRecord> {
  const now = ctx.clock();
  const record: Omit<JobRecord, 'seq'> = {
    id: job.id,
    tenantId: job.tenantId,
    projectId: job.projectId,
    userId: job.userId,
    name: job.name,
    partition: job.partition,
    state: job.state ?? 'pending',
    script: job.script,
    workingDirectory: job.workingDirectory,
    environment: job.environment ?? {},
    request: job.request,
    priority: job.priority ?? 0,
    qos: job.qos ?? null,
    submittedAt: job.submittedAt ?? now,
    startedAt: job.startedAt ?? null,
    endedAt: job.endedAt ?? null,
    exitCode: job.exitCode ?? null,
    signal: job.signal ?? null,
    pendingReason: job.pendingReason ?? null,
    pendingMessage: job.pendingMessage ?? null,
    estimatedStart: job.estimatedStart ?? null,
    placement: job.placement ?? null,
    acceleratorType: job.acceleratorType ?? null,
    executor: job.executor ?? null,
    executorHandle: job.executorHandle ?? null,
    stdoutPath: job.stdoutPath,
    stderrPath: job.stderrPath,
    warnings: job.warnings ?? [],
    attempt: job.attempt ?? 0,
    preemptionCount: job.preemptionCount ?? 0,
    failureReason: job.failureReason ?? null,
    allocationId: job.allocationId ?? null,
    reservationId: job.reservationId ?? null,
    dependency: job.dependency ?? null,
    slurmFacts: job.slurmFacts ?? null,
    updatedAt: now,
  };
  const row = {
    id: record.id,
    tenant_id: record.tenantId,
    project_id: record.projectId,
    user_id: record.userId,
    name: record.name,
    partition: record.partition,
    state: record.state,
    script: record.script,
    working_directory: record.workingDirectory,
    environment: JSON.stringify(record.environment),
    request: JSON.stringify(record.request),
    priority: record.priority,
    qos: record.qos,
    submitted_at: record.submittedAt,
    started_at: record.startedAt,
    ended_at: record.endedAt,
    exit_code: record.exitCode,
    signal: record.signal,
    pending_reason: record.pendingReason,
    pending_message: record.pendingMessage,
    estimated_start: record.estimatedStart,
    placement: record.placement === null ? null : JSON.stringify(record.placement),
    accelerator_type: record.acceleratorType,
    executor: record.executor,
    executor_handle: record.executorHandle,
    stdout_path: record.stdoutPath,
    stderr_path: record.stderrPath,
    warnings: JSON.stringify(record.warnings),
    attempt: record.attempt,
    preemption_count: record.preemptionCount,
    failure_reason: record.failureReason,
    allocation_id: record.allocationId,
    reservation_id: record.reservationId,
    dependency: record.dependency === null ? null : JSON.stringify(record.dependency),
    slurm_facts: record.slurmFacts === null ? null : JSON.stringify(record.slurmFacts),
    updated_at: record.updatedAt,
  };
  const values = ctx.dialect === 'sqlite'
    ? { ...row, seq: sql<number>`(select coalesce(max(seq), 0) + 1 from jobs)` }
    : row;
  const inserted = await guardWrite(() =>
    ctx.db.insertInto('jobs').values(values).returning('seq').executeTakeFirstOrThrow(),
  );
  return { ...record, seq: Number(inserted.seq) };
}
