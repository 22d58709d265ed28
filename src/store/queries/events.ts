/** Job events: the history a user reads ("pending: quota; started on gpu-3; exited 0"), append-only. */
import type { JobId } from '../../core/ids.ts';
import type { JobState } from '../../core/jobState.ts';
import { guardWrite } from '../dbErrors.ts';
import type { JobEventKind, JobEventRecord, NewJobEvent } from '../records.ts';
import type { QueryContext } from './context.ts';

export async function appendEvent(ctx: QueryContext, e: NewJobEvent): Promise<JobEventRecord> {
  const row = {
    job_id: e.jobId,
    at: e.at ?? ctx.clock(),
    kind: e.kind,
    from_state: e.fromState ?? null,
    to_state: e.toState ?? null,
    message: e.message,
  };
  const { id } = await guardWrite(() =>
    ctx.db.insertInto('job_events').values(row).returning('id').executeTakeFirstOrThrow(),
  );
  return {
    id: Number(id), jobId: e.jobId, at: row.at, kind: e.kind,
    fromState: row.from_state, toState: row.to_state, message: e.message,
  };
}

/** A job's events in the order they were appended; `afterId` returns only newer ones (for tailing). */
export async function listEvents(ctx: QueryContext, jobId: JobId, opts: { afterId?: number } = {}): Promise<JobEventRecord[]> {
  let q = ctx.db.selectFrom('job_events').selectAll().where('job_id', '=', jobId);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    jobId: r.job_id as JobId,
    at: Number(r.at),
    kind: r.kind as JobEventKind,
    fromState: r.from_state as JobState | null,
    toState: r.to_state as JobState | null,
    message: r.message,
  }));
}
