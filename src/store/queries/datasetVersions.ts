/**
 * Dataset versions and their files (migration 0010). A version is open while it is written, committed
 * once (one row update, which is the whole commit: its files were written before), then only ever
 * soft-deleted. Files of an open version may be replaced or removed; a committed version's never.
 */
import { sql } from 'kysely';
import type { JobId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { ChunkRef, DatasetFileRecord, DatasetVersionRecord } from '../records.ts';
import type { DatasetFilesTable, DatasetVersionsTable } from '../schema.ts';
import { affected, parseJson, type QueryContext } from './context.ts';

const toVersion = (r: DatasetVersionsTable): DatasetVersionRecord => ({
  id: r.id, datasetId: r.dataset_id, number: Number(r.number), parentId: r.parent_id, state: r.state as DatasetVersionRecord['state'],
  message: r.message, fileCount: Number(r.file_count), totalBytes: Number(r.total_bytes), newBytes: Number(r.new_bytes),
  sourceJobId: r.source_job_id as JobId | null, createdBy: r.created_by as UserId, createdAt: Number(r.created_at),
  committedAt: r.committed_at === null ? null : Number(r.committed_at), deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

const toFile = (r: DatasetFilesTable): DatasetFileRecord => ({
  versionId: r.version_id, path: r.path, size: Number(r.size), sha256: r.sha256, chunks: parseJson<ChunkRef[]>(r.chunks, 'dataset_files.chunks'),
});

/** `conflict` when the number is taken (two versions started at once: the caller retries with the next). */
export async function createVersion(ctx: QueryContext, v: DatasetVersionRecord): Promise<DatasetVersionRecord> {
  await guardWrite(() => ctx.db.insertInto('dataset_versions').values({
    id: v.id, dataset_id: v.datasetId, number: v.number, parent_id: v.parentId, state: v.state, message: v.message, file_count: v.fileCount,
    total_bytes: v.totalBytes, new_bytes: v.newBytes, source_job_id: v.sourceJobId, created_by: v.createdBy, created_at: v.createdAt,
    committed_at: v.committedAt, deleted_at: v.deletedAt,
  }).execute());
  return v;
}

export async function getVersion(ctx: QueryContext, id: string): Promise<DatasetVersionRecord | undefined> {
  const r = await ctx.db.selectFrom('dataset_versions').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toVersion(r) : undefined;
}

export async function getVersionByNumber(ctx: QueryContext, datasetId: string, n: number): Promise<DatasetVersionRecord | undefined> {
  const r = await ctx.db.selectFrom('dataset_versions').selectAll().where('dataset_id', '=', datasetId).where('number', '=', n).executeTakeFirst();
  return r ? toVersion(r) : undefined;
}

/** Every version of a dataset, newest first. */
export async function listVersions(ctx: QueryContext, datasetId: string): Promise<DatasetVersionRecord[]> {
  return (await ctx.db.selectFrom('dataset_versions').selectAll().where('dataset_id', '=', datasetId).orderBy('number', 'desc').execute()).map(toVersion);
}

/** Versions in any of `states` across datasets (garbage collection's roots). */
export async function listVersionsByState(ctx: QueryContext, states: readonly DatasetVersionRecord['state'][]): Promise<DatasetVersionRecord[]> {
  return (await ctx.db.selectFrom('dataset_versions').selectAll().where('state', 'in', [...states]).execute()).map(toVersion);
}

export async function maxVersionNumber(ctx: QueryContext, datasetId: string): Promise<number> {
  const r = await ctx.db.selectFrom('dataset_versions').select((eb) => eb.fn.max('number').as('n')).where('dataset_id', '=', datasetId).executeTakeFirst();
  return r?.n === null || r?.n === undefined ? 0 : Number(r.n);
}

/** Commits an open version; false when it was not open (committed already, or deleted). */
export async function commitVersion(ctx: QueryContext, id: string, totals: { fileCount: number; totalBytes: number; message?: string }, at: number): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.updateTable('dataset_versions')
    .set({ state: 'committed', file_count: totals.fileCount, total_bytes: totals.totalBytes, committed_at: at,
      ...(totals.message !== undefined ? { message: totals.message } : {}) })
    .where('id', '=', id).where('state', '=', 'open').executeTakeFirst())) > 0;
}

/** Counts bytes of chunks an open version's writes were the first to store. */
export async function addNewBytes(ctx: QueryContext, id: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  await guardWrite(() => ctx.db.updateTable('dataset_versions').set((eb) => ({ new_bytes: eb('new_bytes', '+', bytes) })).where('id', '=', id).execute());
}

export async function markVersionDeleted(ctx: QueryContext, id: string, at: number): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.updateTable('dataset_versions').set({ state: 'deleted', deleted_at: at })
    .where('id', '=', id).where('state', '!=', 'deleted').executeTakeFirst())) > 0;
}

/** Removes a version's rows for good (after its retention, or a purge); its files first. */
export async function eraseVersion(ctx: QueryContext, id: string): Promise<void> {
  await guardWrite(() => ctx.db.deleteFrom('dataset_files').where('version_id', '=', id).execute());
  await guardWrite(() => ctx.db.deleteFrom('dataset_versions').where('id', '=', id).execute());
}

/** Adds or replaces a file of an (open) version. */
export async function putFile(ctx: QueryContext, f: DatasetFileRecord): Promise<void> {
  const chunks = JSON.stringify(f.chunks);
  await guardWrite(() => ctx.db.insertInto('dataset_files').values({ version_id: f.versionId, path: f.path, size: f.size, sha256: f.sha256, chunks })
    .onConflict((oc) => oc.columns(['version_id', 'path']).doUpdateSet({ size: f.size, sha256: f.sha256, chunks })).execute());
}

export async function removeFile(ctx: QueryContext, versionId: string, path: string): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.deleteFrom('dataset_files').where('version_id', '=', versionId).where('path', '=', path).executeTakeFirst())) > 0;
}

/** Removes every file of a version under a directory (`dir/…`) or equal to `path`. */
export async function removeTree(ctx: QueryContext, versionId: string, path: string): Promise<number> {
  const dir = `${path}/`;
  // substr, not LIKE: SQLite's LIKE ignores ASCII case and both dialects would need escapes.
  return affected(await guardWrite(() => ctx.db.deleteFrom('dataset_files').where('version_id', '=', versionId)
    .where((eb) => eb.or([eb('path', '=', path), sql<boolean>`substr(path, 1, ${dir.length}) = ${dir}`]))
    .executeTakeFirst()));
}

export async function getFile(ctx: QueryContext, versionId: string, path: string): Promise<DatasetFileRecord | undefined> {
  const r = await ctx.db.selectFrom('dataset_files').selectAll().where('version_id', '=', versionId).where('path', '=', path).executeTakeFirst();
  return r ? toFile(r) : undefined;
}

/** Files of a version in path order; `after` and `limit` page through large trees. */
export async function listFiles(ctx: QueryContext, versionId: string, page: { after?: string; limit?: number; prefix?: string } = {}): Promise<DatasetFileRecord[]> {
  let q = ctx.db.selectFrom('dataset_files').selectAll().where('version_id', '=', versionId);
  if (page.after !== undefined) q = q.where('path', '>', page.after);
  if (page.prefix !== undefined && page.prefix !== '') q = q.where(sql<boolean>`substr(path, 1, ${page.prefix.length}) = ${page.prefix}`);
  q = q.orderBy('path');
  if (page.limit !== undefined) q = q.limit(page.limit);
  return (await q.execute()).map(toFile);
}

/** Copies every file row of one version into another (a new version that starts from an earlier one). */
export async function copyFiles(ctx: QueryContext, fromVersionId: string, toVersionId: string): Promise<void> {
  await guardWrite(() => ctx.db.insertInto('dataset_files')
    .columns(['version_id', 'path', 'size', 'sha256', 'chunks'])
    .expression((eb) => eb.selectFrom('dataset_files').select([eb.val(toVersionId).as('version_id'), 'path', 'size', 'sha256', 'chunks']).where('version_id', '=', fromVersionId))
    .execute());
}

export async function fileTotals(ctx: QueryContext, versionId: string): Promise<{ fileCount: number; totalBytes: number }> {
  const r = await ctx.db.selectFrom('dataset_files').select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes')])
    .where('version_id', '=', versionId).executeTakeFirst();
  return { fileCount: Number(r?.n ?? 0), totalBytes: Number(r?.bytes ?? 0) };
}
