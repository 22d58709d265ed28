/** Projects: a tenant's unit of work; slugs are unique within a tenant. */
import type { Selectable } from 'kysely';
import type { ProjectId, TenantId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { NewProject, ProjectRecord } from '../records.ts';
import type { ProjectsTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toRecord = (r: Selectable<ProjectsTable>): ProjectRecord => ({
  id: r.id as ProjectId,
  tenantId: r.tenant_id as TenantId,
  slug: r.slug,
  name: r.name,
  description: r.description,
  createdAt: Number(r.created_at),
});

export async function createProject(ctx: QueryContext, p: NewProject): Promise<ProjectRecord> {
  const row = {
    id: p.id,
    tenant_id: p.tenantId,
    slug: p.slug,
    name: p.name,
    description: p.description ?? '',
    created_at: p.createdAt ?? ctx.clock(),
  };
  await guardWrite(() => ctx.db.insertInto('projects').values(row).execute());
  return toRecord(row);
}

export async function getProject(ctx: QueryContext, id: ProjectId): Promise<ProjectRecord | undefined> {
  const r = await ctx.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

export async function getProjectBySlug(ctx: QueryContext, tenantId: TenantId, slug: string): Promise<ProjectRecord | undefined> {
  const r = await ctx.db
    .selectFrom('projects').selectAll()
    .where('tenant_id', '=', tenantId).where('slug', '=', slug)
    .executeTakeFirst();
  return r && toRecord(r);
}

export async function listProjectsByTenant(ctx: QueryContext, tenantId: TenantId): Promise<ProjectRecord[]> {
  const rows = await ctx.db.selectFrom('projects').selectAll().where('tenant_id', '=', tenantId).orderBy('slug').execute();
  return rows.map(toRecord);
}
