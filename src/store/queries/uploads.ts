/**
 * tus upload resources (migration 0010): what an upload is for (dataset version and path), how long it
 * is, how far it has come (`offset`, moved only by the one writer that holds it: the update checks the
 * offset it started from) and the chunks it has completed.
 */
import type { TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { ChunkRef, UploadRecord } from '../records.ts';
import type { UploadsTable } from '../schema.ts';
import { affected, parseJson, type QueryContext } from './context.ts';

const toRecord = (r: UploadsTable): UploadRecord => ({
  id: r.id, tenantId: r.tenant_id as TenantId, userId: r.user_id as UserId, datasetId: r.dataset_id, versionId: r.version_id, path: r.path,
  length: Number(r.length), offset: Number(r.offset_bytes), sha256: r.sha256, metadata: parseJson<Record<string, string>>(r.metadata, 'uploads.metadata'),
  chunks: parseJson<ChunkRef[]>(r.chunks, 'uploads.chunks'), state: r.state as UploadRecord['state'], createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at), expiresAt: Number(r.expires_at),
});

export async function createUpload(ctx: QueryContext, u: UploadRecord): Promise<UploadRecord> {
  await guardWrite(() => ctx.db.insertInto('uploads').values({
    id: u.id, tenant_id: u.tenantId, user_id: u.userId, dataset_id: u.datasetId, version_id: u.versionId, path: u.path, length: u.length,
    offset_bytes: u.offset, sha256: u.sha256, metadata: JSON.stringify(u.metadata), chunks: JSON.stringify(u.chunks), state: u.state,
    created_at: u.createdAt, updated_at: u.updatedAt, expires_at: u.expiresAt,
  }).execute());
  return u;
}

export async function getUpload(ctx: QueryContext, id: string): Promise<UploadRecord | undefined> {
  const r = await ctx.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Moves an upload from `fromOffset` to a new offset with its chunks; false when someone else moved it first. */
export async function advanceUpload(ctx: QueryContext, id: string, fromOffset: number, to: { offset: number; chunks: readonly ChunkRef[]; state: UploadRecord['state'] }, at: number): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.updateTable('uploads')
    .set({ offset_bytes: to.offset, chunks: JSON.stringify(to.chunks), state: to.state, updated_at: at })
    .where('id', '=', id).where('offset_bytes', '=', fromOffset).where('state', '=', 'open').executeTakeFirst())) > 0;
}

export async function deleteUpload(ctx: QueryContext, id: string): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst())) > 0;
}

/** Uploads into one version (a commit waits for none to be open). */
export async function listUploadsOfVersion(ctx: QueryContext, versionId: string): Promise<UploadRecord[]> {
  return (await ctx.db.selectFrom('uploads').selectAll().where('version_id', '=', versionId).orderBy('created_at').execute()).map(toRecord);
}

/** Every upload (garbage collection keeps their chunks; expired ones are removed). */
export async function listUploads(ctx: QueryContext): Promise<UploadRecord[]> {
  return (await ctx.db.selectFrom('uploads').selectAll().execute()).map(toRecord);
}

/** Bytes that open uploads of an organization have announced but not yet sent (quota is reserved for them). */
export async function reservedUploadBytes(ctx: QueryContext, tenantId: TenantId): Promise<number> {
  const r = await ctx.db.selectFrom('uploads').select((eb) => [eb.fn.sum('length').as('len'), eb.fn.sum('offset_bytes').as('off')])
    .where('tenant_id', '=', tenantId).where('state', '=', 'open').executeTakeFirst();
  return Number(r?.len ?? 0) - Number(r?.off ?? 0);
}
