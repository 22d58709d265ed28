/**
 * Stored chunks and dataset keys (migration 0010). A chunk row says "this namespace's blob store holds
 * sha256, of this size, for this organization": quotas sum it, garbage collection sweeps it. Recording is
 * idempotent (the blob write is too), and reports which chunks were new — deduplication's measure.
 */
import type { TenantId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { ChunkRef } from '../records.ts';
import { affected, type QueryContext } from './context.ts';

/** Records chunks stored under a namespace; returns the bytes of those not recorded before. */
export async function recordChunks(ctx: QueryContext, namespace: string, tenantId: TenantId, chunks: readonly ChunkRef[], at: number): Promise<number> {
  let fresh = 0;
  for (const [sha, size] of chunks) {
    const r = await guardWrite(() => ctx.db.insertInto('dataset_chunks').values({ namespace, sha256: sha, tenant_id: tenantId, size, created_at: at })
      .onConflict((oc) => oc.columns(['namespace', 'sha256']).doNothing()).executeTakeFirst());
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) fresh += size;
  }
  return fresh;
}

export async function hasChunk(ctx: QueryContext, namespace: string, sha: string): Promise<boolean> {
  return (await ctx.db.selectFrom('dataset_chunks').select('sha256').where('namespace', '=', namespace).where('sha256', '=', sha).executeTakeFirst()) !== undefined;
}

/** Bytes an organization stores (after deduplication). */
export async function storedBytes(ctx: QueryContext, tenantId: TenantId): Promise<number> {
  const r = await ctx.db.selectFrom('dataset_chunks').select((eb) => eb.fn.sum('size').as('bytes')).where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(r?.bytes ?? 0);
}

/** Every recorded chunk with its namespace (garbage collection's sweep list). */
export async function listChunks(ctx: QueryContext, namespace?: string): Promise<{ namespace: string; sha256: string; size: number; createdAt: number }[]> {
  let q = ctx.db.selectFrom('dataset_chunks').select(['namespace', 'sha256', 'size', 'created_at']);
  if (namespace !== undefined) q = q.where('namespace', '=', namespace);
  return (await q.execute()).map((r) => ({ namespace: r.namespace, sha256: r.sha256, size: Number(r.size), createdAt: Number(r.created_at) }));
}

export async function deleteChunk(ctx: QueryContext, namespace: string, sha: string): Promise<void> {
  await guardWrite(() => ctx.db.deleteFrom('dataset_chunks').where('namespace', '=', namespace).where('sha256', '=', sha).execute());
}

export async function putDatasetKey(ctx: QueryContext, datasetId: string, wrapped: string, at: number): Promise<void> {
  await guardWrite(() => ctx.db.insertInto('dataset_keys').values({ dataset_id: datasetId, wrapped, created_at: at }).execute());
}

export async function getDatasetKey(ctx: QueryContext, datasetId: string): Promise<string | undefined> {
  return (await ctx.db.selectFrom('dataset_keys').select('wrapped').where('dataset_id', '=', datasetId).executeTakeFirst())?.wrapped;
}

/** Erases a dataset's key: what its blobs hold can never be read again. */
export async function deleteDatasetKey(ctx: QueryContext, datasetId: string): Promise<boolean> {
  return affected(await guardWrite(() => ctx.db.deleteFrom('dataset_keys').where('dataset_id', '=', datasetId).executeTakeFirst())) > 0;
}

/** Records what a tenant stores now, unless the last sample says the same; true when one was written. */
export async function sampleStorage(ctx: QueryContext, tenantId: TenantId, at: number, bytes: number): Promise<boolean> {
  const last = await ctx.db.selectFrom('storage_samples').select(['bytes', 'at']).where('tenant_id', '=', tenantId).orderBy('at', 'desc').limit(1).executeTakeFirst();
  if (last && Number(last.bytes) === bytes) return false;
  if (last && Number(last.at) >= at) return false; // a sample at this instant exists (two samplers): keep it
  await guardWrite(() => ctx.db.insertInto('storage_samples').values({ tenant_id: tenantId, at, bytes }).execute());
  return true;
}

/** Samples that cover [from, to): the last one at or before `from` and every one after it, before `to`. */
export async function storageSeries(ctx: QueryContext, tenantId: TenantId, from: number, to: number): Promise<{ at: number; bytes: number }[]> {
  const before = await ctx.db.selectFrom('storage_samples').select(['at', 'bytes']).where('tenant_id', '=', tenantId).where('at', '<=', from)
    .orderBy('at', 'desc').limit(1).executeTakeFirst();
  const inside = await ctx.db.selectFrom('storage_samples').select(['at', 'bytes']).where('tenant_id', '=', tenantId).where('at', '>', from).where('at', '<', to)
    .orderBy('at').execute();
  return [...(before ? [before] : []), ...inside].map((r) => ({ at: Number(r.at), bytes: Number(r.bytes) }));
}

/** Tenants that store chunks or have stored some (a sample). */
export async function storingTenants(ctx: QueryContext): Promise<TenantId[]> {
  const a = await ctx.db.selectFrom('dataset_chunks').select('tenant_id').distinct().execute();
  const b = await ctx.db.selectFrom('storage_samples').select('tenant_id').distinct().execute();
  return [...new Set([...a, ...b].map((r) => r.tenant_id as TenantId))];
}
