/** Tenants: the organisations (startups, universities, hospitals…) that hold projects and allocations. */
import type { Selectable } from 'kysely';
import type { TenantId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { NewTenant, Sector, TenantKind, TenantRecord } from '../records.ts';
import type { TenantsTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toRecord = (r: Selectable<TenantsTable>): TenantRecord => ({
  id: r.id as TenantId,
  slug: r.slug,
  name: r.name,
  kind: r.kind as TenantKind,
  sector: r.sector as Sector,
  createdAt: Number(r.created_at),
});

export async function createTenant(ctx: QueryContext, t: NewTenant): Promise<TenantRecord> {
  const row = { id: t.id, slug: t.slug, name: t.name, kind: t.kind, sector: t.sector, created_at: t.createdAt ?? ctx.clock() };
  await guardWrite(() => ctx.db.insertInto('tenants').values(row).execute());
  return toRecord(row);
}

export async function getTenant(ctx: QueryContext, id: TenantId): Promise<TenantRecord | undefined> {
  const r = await ctx.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

export async function getTenantBySlug(ctx: QueryContext, slug: string): Promise<TenantRecord | undefined> {
  const r = await ctx.db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
  return r && toRecord(r);
}

/** All tenants by slug (there are hundreds, not millions: no paging). */
export async function listTenants(ctx: QueryContext): Promise<TenantRecord[]> {
  const rows = await ctx.db.selectFrom('tenants').selectAll().orderBy('slug').execute();
  return rows.map(toRecord);
}
