/**
 * The usage (metering) record: one row per job attempt per device, opened when the job starts and closed
 * with the executor's recorded end time.
 *
 * Both operations are idempotent so that recovery after a crash can simply redo them: `open` ignores rows
 * that already exist (the original start time stands), `close` only sets `ended_at` where it is still null
 * (the first recorded end stands). A crash between start and close therefore neither loses the interval
 * (the row is open and is closed on recovery) nor doubles it (a second close changes nothing).
 */
import { sql, type Expression } from 'kysely';
import type { AcceleratorTypeId, JobId, NodeName, ProjectId, TenantId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { NewUsage, UsageFilter, UsageRecord, UsageSum } from '../records.ts';
import type { QueryContext } from './context.ts';

/** Opens usage rows; rows that already exist are left unchanged. Returns how many were new. */
export async function openUsage(ctx: QueryContext, rows: readonly NewUsage[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map((r) => ({
    job_id: r.jobId,
    attempt: r.attempt,
    node: r.node,
    device_idx: r.deviceIdx,
    accelerator_type: r.acceleratorType,
    started_at: r.startedAt,
    ended_at: null,
  }));
  const result = await guardWrite(() =>
    ctx.db
      .insertInto('usage').values(values)
      .onConflict((oc) => oc.columns(['job_id', 'attempt', 'node', 'device_idx']).doNothing())
      .executeTakeFirst(),
  );
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Closes the open rows of one attempt at `endedAt`; returns how many were closed (0 on a repeat). */
export async function closeUsage(ctx: QueryContext, jobId: JobId, attempt: number, endedAt: number): Promise<number> {
  const r = await ctx.db
    .updateTable('usage').set({ ended_at: endedAt })
    .where('job_id', '=', jobId).where('attempt', '=', attempt).where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function listUsageByJob(ctx: QueryContext, jobId: JobId): Promise<UsageRecord[]> {
  const rows = await ctx.db
    .selectFrom('usage').selectAll().where('job_id', '=', jobId)
    .orderBy('attempt').orderBy('node').orderBy('device_idx')
    .execute();
  return rows.map((r) => ({
    jobId: r.job_id as JobId,
    attempt: Number(r.attempt),
    node: r.node as NodeName,
    deviceIdx: Number(r.device_idx),
    acceleratorType: r.accelerator_type as AcceleratorTypeId | null,
    startedAt: Number(r.started_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  }));
}

/**
 * Sums usage intervals in seconds, clipped to [from, to) when given; open rows count up to `now`
 * (default: the store's clock). Device rows and CPU-only rows (deviceIdx -1) are summed separately.
 */
export async function sumUsageSeconds(ctx: QueryContext, filter: UsageFilter = {}): Promise<UsageSum> {
  const now = filter.now ?? ctx.clock();
  const greatest = sql.raw(ctx.dialect === 'sqlite' ? 'max' : 'greatest');
  const least = sql.raw(ctx.dialect === 'sqlite' ? 'min' : 'least');

  let start: Expression<number> = sql<number>`u.started_at`;
  if (filter.from !== undefined) start = sql<number>`${greatest}(u.started_at, ${filter.from})`;
  let end: Expression<number> = sql<number>`coalesce(u.ended_at, ${now})`;
  if (filter.to !== undefined) end = sql<number>`${least}(coalesce(u.ended_at, ${now}), ${filter.to})`;
  const duration = sql<number>`${greatest}(${end} - ${start}, 0)`;
  const cpuOnly = sql<number>`case when u.device_idx < 0 then 1 else 0 end`;

  let q = ctx.db
    .selectFrom('usage as u')
    .select([
      'u.accelerator_type',
      cpuOnly.as('cpu_only'),
      sql<number>`sum(${duration})`.as('ms'),
    ])
    .groupBy(['u.accelerator_type', cpuOnly]);
  if (filter.tenantId !== undefined || filter.projectId !== undefined) {
    let sub = ctx.db.selectFrom('jobs').select('jobs.id');
    if (filter.tenantId !== undefined) sub = sub.where('jobs.tenant_id', '=', filter.tenantId);
    if (filter.projectId !== undefined) sub = sub.where('jobs.project_id', '=', filter.projectId);
    q = q.where('u.job_id', 'in', sub);
  }
  if (filter.jobId !== undefined) q = q.where('u.job_id', '=', filter.jobId);
  if (filter.acceleratorType !== undefined) q = q.where('u.accelerator_type', '=', filter.acceleratorType);
  if (filter.from !== undefined) q = q.where(sql<boolean>`coalesce(u.ended_at, ${now}) > ${filter.from}`);
  if (filter.to !== undefined) q = q.where('u.started_at', '<', filter.to);

  const out: UsageSum = { deviceSeconds: 0, byAcceleratorType: {}, cpuOnlySeconds: 0 };
  for (const r of await q.execute()) {
    const seconds = Number(r.ms ?? 0) / 1000;
    if (Number(r.cpu_only) === 1) {
      out.cpuOnlySeconds += seconds;
    } else {
      out.deviceSeconds += seconds;
      const type = r.accelerator_type ?? 'unknown';
      out.byAcceleratorType[type] = (out.byAcceleratorType[type] ?? 0) + seconds;
    }
  }
  return out;
}

/**
 * Device intervals that ended at or after `since` (ms), with the organization and project of their job:
 * what fair share decays (scheduler/fairshare.ts DecayedUsage). One row per device (CPU-only rows excluded),
 * oldest first.
 */
export async function listClosedDeviceUsage(ctx: QueryContext, since: number): Promise<{ tenantId: TenantId; projectId: ProjectId; startedAt: number; endedAt: number }[]> {
  const rows = await ctx.db
    .selectFrom('usage as u').innerJoin('jobs as j', 'j.id', 'u.job_id')
    .select(['j.tenant_id', 'j.project_id', 'u.started_at', 'u.ended_at'])
    .where('u.ended_at', 'is not', null).where('u.ended_at', '>=', since).where('u.device_idx', '>=', 0)
    .orderBy('u.ended_at')
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id as TenantId, projectId: r.project_id as ProjectId, startedAt: Number(r.started_at), endedAt: Number(r.ended_at) }));
}
