/**
 * Reading jobs: by id, listings with keyset pagination (newest first, by seq), the controller's view of
 * every non-terminal job, and counts per state.
 *
 * Keyset, not offset: a page costs the same however deep it is, and jobs submitted while a user pages do
 * not shift the pages. The cursor is the seq of the last job returned, as an opaque string.
 */
import { CheomdanError } from '../../../core/errors.ts';
import type { JobId, TenantId, UserId } from '../../../core/ids.ts';
import { JOB_STATES, type JobState } from '../../../core/jobState.ts';
import type { JobListFilter, JobPage, JobRecord } from '../../records.ts';
import type { QueryContext } from '../context.ts';
import { rowToJob } from './columns.ts';

export const DEFAULT_JOB_PAGE = 50;
export const MAX_JOB_PAGE = 1000;

export async function getJob(ctx: QueryContext, id: JobId): Promise<JobRecord | undefined> {
  const r = await ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && rowToJob(r);
}

const encodeCursor = (seq: number): string => `s${seq}`;
function decodeCursor(cursor: string): number {
  const m = /^s(\d{1,15})$/.exec(cursor);
  if (!m?.[1]) {
    throw new CheomdanError('validation_failed', `cursor "${cursor.slice(0, 40)}" is not one this server issued; pass the nextCursor of the previous page, or omit it for the first page`, {
      errors: [{ path: 'cursor', message: 'not a cursor this server issued' }],
    });
  }
  return Number(m[1]);
}

export async function listJobs(ctx: QueryContext, filter: JobListFilter = {}): Promise<JobPage> {
  const limit = filter.limit ?? DEFAULT_JOB_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOB_PAGE) {
    throw new CheomdanError('validation_failed', `limit must be an integer from 1 to ${MAX_JOB_PAGE}, got ${limit}`, {
      errors: [{ path: 'limit', message: `must be 1..${MAX_JOB_PAGE}` }],
    });
  }
  let q = ctx.db.selectFrom('jobs').selectAll();
  if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.states !== undefined) {
    if (filter.states.length === 0) return { jobs: [], nextCursor: null };
    q = q.where('state', 'in', filter.states);
  }
  if (filter.cursor) q = q.where('seq', '<', decodeCursor(filter.cursor));
  const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
  const jobs = rows.slice(0, limit).map(rowToJob);
  const last = jobs[jobs.length - 1];
  return { jobs, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
}

/** Every job in one of `states`, oldest first: the controller's working set (pending, starting, running). */
export async function listJobsByStates(ctx: QueryContext, states: readonly JobState[]): Promise<JobRecord[]> {
  if (states.length === 0) return [];
  const rows = await ctx.db.selectFrom('jobs').selectAll().where('state', 'in', states).orderBy('seq').execute();
  return rows.map(rowToJob);
}

/** Number of jobs in each state (zero for states with none), optionally for one tenant. */
export async function countJobsByState(ctx: QueryContext, filter: { tenantId?: TenantId } = {}): Promise<Record<JobState, number>> {
  let q = ctx.db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state');
  if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
  const rows = await q.execute();
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const r of rows) counts[r.state as JobState] = Number(r.n);
  return counts;
}

/** Jobs of a user, or of an organization, in `states` (indexes of migration 0014). */
export async function countJobsOf(ctx: QueryContext, who: { userId: UserId } | { tenantId: TenantId }, states: readonly JobState[]): Promise<number> {
  let q = ctx.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', [...states]);
  q = 'userId' in who ? q.where('user_id', '=', who.userId) : q.where('tenant_id', '=', who.tenantId);
  return Number((await q.executeTakeFirst())?.n ?? 0);
}
