/**
 * Quotas and cohorts. A quota is keyed by (organization, project or '', resource); setting one that exists
 * replaces its limits in place (one row, its id kept). Removing a cohort that quotas name is refused by the
 * foreign key (the service says so first).
 */
import type { ProjectId, TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { CohortRecord, QuotaRecord } from '../records.ts';
import type { CohortsTable, QuotasTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toQuota = (r: QuotasTable): QuotaRecord => ({
  id: r.id, tenantId: r.tenant_id as TenantId, projectId: r.project_id === '' ? null : (r.project_id as ProjectId), resource: r.resource,
  guaranteed: Number(r.guaranteed), borrowLimit: r.borrow_limit === null ? null : Number(r.borrow_limit),
  lendLimit: r.lend_limit === null ? null : Number(r.lend_limit), cohort: r.cohort, updatedBy: r.updated_by as UserId | null,
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

const toCohort = (r: CohortsTable): CohortRecord => ({ name: r.name, description: r.description, createdBy: r.created_by as UserId | null, createdAt: Number(r.created_at) });

/** Inserts the quota, or replaces the limits of the one with the same owner and resource; returns the row. */
export async function putQuota(ctx: QueryContext, q: QuotaRecord): Promise<QuotaRecord> {
  const values = {
    guaranteed: q.guaranteed, borrow_limit: q.borrowLimit, lend_limit: q.lendLimit, cohort: q.cohort, updated_by: q.updatedBy, updated_at: q.updatedAt,
  };
  await guardWrite(() => ctx.db.insertInto('quotas').values({
    id: q.id, tenant_id: q.tenantId, project_id: q.projectId ?? '', resource: q.resource, created_at: q.createdAt, ...values,
  }).onConflict((oc) => oc.columns(['tenant_id', 'project_id', 'resource']).doUpdateSet(values)).execute());
  const row = await ctx.db.selectFrom('quotas').selectAll()
    .where('tenant_id', '=', q.tenantId).where('project_id', '=', q.projectId ?? '').where('resource', '=', q.resource).executeTakeFirstOrThrow();
  return toQuota(row);
}

export async function getQuota(ctx: QueryContext, id: string): Promise<QuotaRecord | undefined> {
  const r = await ctx.db.selectFrom('quotas').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toQuota(r) : undefined;
}

export async function listQuotas(ctx: QueryContext, f: { tenantId?: TenantId; cohort?: string } = {}): Promise<QuotaRecord[]> {
  let q = ctx.db.selectFrom('quotas').selectAll();
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.cohort !== undefined) q = q.where('cohort', '=', f.cohort);
  return (await q.orderBy('tenant_id').orderBy('project_id').orderBy('resource').execute()).map(toQuota);
}

export async function deleteQuota(ctx: QueryContext, id: string): Promise<boolean> {
  const r = await guardWrite(() => ctx.db.deleteFrom('quotas').where('id', '=', id).executeTakeFirst());
  return Number(r.numDeletedRows) > 0;
}

export async function createCohort(ctx: QueryContext, c: CohortRecord): Promise<CohortRecord> {
  await guardWrite(() => ctx.db.insertInto('cohorts').values({ name: c.name, description: c.description, created_by: c.createdBy, created_at: c.createdAt }).execute());
  return c;
}

export async function getCohort(ctx: QueryContext, name: string): Promise<CohortRecord | undefined> {
  const r = await ctx.db.selectFrom('cohorts').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toCohort(r) : undefined;
}

export async function listCohorts(ctx: QueryContext): Promise<CohortRecord[]> {
  return (await ctx.db.selectFrom('cohorts').selectAll().orderBy('name').execute()).map(toCohort);
}

export async function deleteCohort(ctx: QueryContext, name: string): Promise<boolean> {
  const r = await guardWrite(() => ctx.db.deleteFrom('cohorts').where('name', '=', name).executeTakeFirst());
  return Number(r.numDeletedRows) > 0;
}
