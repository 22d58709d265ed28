/** Datasets (migration 0010) and who else may read them: organizations they are shared with, users granted a restricted one. */
import type { ProjectId, TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { DatasetAccessRecord, DatasetRecord } from '../records.ts';
import type { DatasetsTable } from '../schema.ts';
import { affected, type QueryContext } from './context.ts';

const toRecord = (r: DatasetsTable): DatasetRecord => ({
  id: r.id, tenantId: r.tenant_id as TenantId, projectId: r.project_id as ProjectId | null, name: r.name, description: r.description,
  domain: r.domain, licence: r.licence, sensitivity: r.sensitivity as DatasetRecord['sensitivity'],
  visibility: r.visibility as DatasetRecord['visibility'], createdBy: r.created_by as UserId, createdAt: Number(r.created_at),
  deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

/** `conflict` when the organization has a live dataset of that name. */
export async function createDataset(ctx: QueryContext, d: DatasetRecord): Promise<DatasetRecord> {
  await guardWrite(() => ctx.db.insertInto('datasets').values({
    id: d.id, tenant_id: d.tenantId, project_id: d.projectId, name: d.name, description: d.description, domain: d.domain,
    licence: d.licence, sensitivity: d.sensitivity, visibility: d.visibility, created_by: d.createdBy, created_at: d.createdAt, deleted_at: d.deletedAt,
  }).execute());
  return d;
}

export async function getDataset(ctx: QueryContext, id: string): Promise<DatasetRecord | undefined> {
  const r = await ctx.db.selectFrom('datasets').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

export async function getDatasetByName(ctx: QueryContext, tenantId: TenantId, name: string): Promise<DatasetRecord | undefined> {
  const r = await ctx.db.selectFrom('datasets').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name)
    .where('deleted_at', 'is', null).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/**
 * Live datasets `tenantId` can see: its own, public ones and those shared with it; every live one when
 * `tenantId` is null (operators). Ordered by name, then organization.
 */
export async function listDatasets(ctx: QueryContext, tenantId: TenantId | null): Promise<DatasetRecord[]> {
  let q = ctx.db.selectFrom('datasets').selectAll().where('deleted_at', 'is', null);
  if (tenantId !== null) {
    q = q.where((eb) => eb.or([
      eb('tenant_id', '=', tenantId),
      eb('visibility', '=', 'public'),
      eb('id', 'in', eb.selectFrom('dataset_access').select('dataset_id').where('kind', '=', 'tenant').where('subject_id', '=', tenantId)),
    ]));
  }
  return (await q.orderBy('name').orderBy('tenant_id').execute()).map(toRecord);
}

export async function updateDataset(ctx: QueryContext, id: string, patch: Partial<Pick<DatasetRecord, 'description' | 'licence' | 'visibility' | 'domain'>>): Promise<void> {
  const set: Partial<DatasetsTable> = {};
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.licence !== undefined) set.licence = patch.licence;
  if (patch.visibility !== undefined) set.visibility = patch.visibility;
  if (patch.domain !== undefined) set.domain = patch.domain;
  if (Object.keys(set).length > 0) await guardWrite(() => ctx.db.updateTable('datasets').set(set).where('id', '=', id).execute());
}

export async function deleteDataset(ctx: QueryContext, id: string, at: number): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.updateTable('datasets').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst())) > 0;
}

const toAccess = (r: { dataset_id: string; kind: string; subject_id: string; created_by: string; created_at: number }): DatasetAccessRecord => ({
  datasetId: r.dataset_id, kind: r.kind as DatasetAccessRecord['kind'], subjectId: r.subject_id, createdBy: r.created_by as UserId, createdAt: Number(r.created_at),
});

/** Adds a share or grant; adding one that exists is a no-op. */
export async function addDatasetAccess(ctx: QueryContext, a: DatasetAccessRecord): Promise<void> {
  await guardWrite(() => ctx.db.insertInto('dataset_access').values({
    dataset_id: a.datasetId, kind: a.kind, subject_id: a.subjectId, created_by: a.createdBy, created_at: a.createdAt,
  }).onConflict((oc) => oc.columns(['dataset_id', 'kind', 'subject_id']).doNothing()).execute());
}

export async function removeDatasetAccess(ctx: QueryContext, datasetId: string, kind: DatasetAccessRecord['kind'], subjectId: string): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.deleteFrom('dataset_access').where('dataset_id', '=', datasetId).where('kind', '=', kind)
    .where('subject_id', '=', subjectId).executeTakeFirst())) > 0;
}

export async function listDatasetAccess(ctx: QueryContext, datasetId: string): Promise<DatasetAccessRecord[]> {
  return (await ctx.db.selectFrom('dataset_access').selectAll().where('dataset_id', '=', datasetId).orderBy('kind').orderBy('subject_id').execute()).map(toAccess);
}

export async function hasDatasetAccess(ctx: QueryContext, datasetId: string, kind: DatasetAccessRecord['kind'], subjectId: string): Promise<boolean> {
  return (await ctx.db.selectFrom('dataset_access').select('dataset_id').where('dataset_id', '=', datasetId).where('kind', '=', kind)
    .where('subject_id', '=', subjectId).executeTakeFirst()) !== undefined;
}
