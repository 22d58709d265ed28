/**
 * Garbage collection (restic's and lakeFS's habit: mark from live roots, sweep the rest) and purge.
 *
 * Roots: every version not yet past its retention (open, committed, deleted less than `retentionMs`
 * ago), every version a pending or running job has mounted (whatever its age), every open upload's chunks.
 * Swept: versions past retention and unpinned (their rows), then recorded chunks no root references that
 * are older than a grace period (a request still writing has recorded chunks its upload row does not list
 * yet). A chunk's blob is deleted before its row, so a crash leaves a row without a blob only for a chunk
 * nothing references. Blobs without a row (a crash after the blob's write, before its row's) are removed
 * when two runs in a row find them so.
 *
 * Purge erases a restricted dataset at once: its key (so what its blobs hold is unreadable from that
 * moment), its versions, its chunks and their blobs. It is the path for a patient's withdrawal.
 */
import type { JobState } from '../../core/jobState.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { Actor } from '../actor.ts';
import { mustAdminister } from './access.ts';
import { namespaceOf } from './content.ts';
import type { DatasetsEnv } from './env.ts';
import type { Uploads } from './uploads.ts';

export const PINNING_STATES: readonly JobState[] = ['pending', 'starting', 'running', 'preempted'];
/** Chunks younger than this are never swept (an in-flight PATCH has recorded them, not yet listed them). */
export const SWEEP_GRACE_MS = 24 * 3_600_000;

const ANYWHERE = '*';

export interface GcReport {
  expiredUploads: number;
  erasedVersions: number;
  sweptChunks: number;
  sweptBytes: number;
  /** Blobs without a chunk row (a crash between the two), removed on their second sighting. */
  orphanBlobs: number;
}

export async function collectGarbage(env: DatasetsEnv, uploads: Uploads, opts: { graceMs?: number } = {}): Promise<GcReport> {
  const { store } = env;
  const now = env.ctx.clock();
  const expiredUploads = await uploads.expire(now);
  const pinned = new Set(await store.datasets.mounts.pinnedVersionIds(PINNING_STATES));
  let erasedVersions = 0;
  for (const v of await store.datasets.versions.listByState(['deleted'])) {
    if (!pinned.has(v.id) && v.deletedAt !== null && v.deletedAt + env.config.retentionMs <= now) {
      await store.transaction((tx) => tx.datasets.versions.erase(v.id));
      erasedVersions++;
    }
  }
  // Mark: namespace → live chunk ids.
  const live = new Map<string, Set<string>>();
  const mark = (ns: string, sha: string) => {
    let s = live.get(ns);
    if (!s) live.set(ns, (s = new Set()));
    s.add(sha);
  };
  // A deleted dataset's row is not served by get(): its chunks are then kept in every namespace (conservative).
  const namespaces = new Map<string, string | null>();
  const nsOf = async (datasetId: string): Promise<string> => {
    if (!namespaces.has(datasetId)) {
      const d = await store.datasets.get(datasetId);
      namespaces.set(datasetId, d ? namespaceOf(d) : null);
    }
    return namespaces.get(datasetId) ?? ANYWHERE;
  };
  for (const v of await store.datasets.versions.listByState(['open', 'committed', 'deleted'])) {
    const ns = await nsOf(v.datasetId);
    for (const f of await store.datasets.files.list(v.id)) {
      for (const [sha] of f.chunks) mark(ns, sha);
    }
  }
  for (const u of await store.datasets.uploads.list()) {
    const ns = await nsOf(u.datasetId);
    for (const [sha] of u.chunks) mark(ns, sha);
  }
  const anywhere = live.get(ANYWHERE) ?? new Set<string>();
  const grace = opts.graceMs ?? SWEEP_GRACE_MS;
  let sweptChunks = 0;
  let sweptBytes = 0;
  for (const c of await store.datasets.chunks.list()) {
    if (live.get(c.namespace)?.has(c.sha256) || anywhere.has(c.sha256) || c.createdAt > now - grace) continue;
    await env.blobs.delete(`${c.namespace}/${c.sha256}`);
    await store.datasets.chunks.delete(c.namespace, c.sha256);
    sweptChunks++;
    sweptBytes += c.size;
  }
  const orphans = await sweepOrphans(env, new Set((await store.datasets.chunks.list()).map((c) => `${c.namespace}/${c.sha256}`)));
  return { expiredUploads, erasedVersions, sweptChunks, sweptBytes, orphanBlobs: orphans };
}

/**
 * Blobs no chunk row names: a crash between a blob's write and its row's. One is removed when two runs
 * of collection (an hour apart) both found it unrecorded and no writer in this process holds it.
 */
async function sweepOrphans(env: DatasetsEnv, recorded: ReadonlySet<string>): Promise<number> {
  const seen = new Set<string>();
  let removed = 0;
  for (const prefix of ['o/', 'd/']) {
    for await (const key of env.blobs.list(prefix)) {
      if (recorded.has(key) || env.pending.isHeld(key)) continue;
      if (env.orphanCandidates.has(key)) {
        await env.blobs.delete(key);
        removed++;
      } else {
        seen.add(key);
      }
    }
  }
  env.orphanCandidates = seen;
  return removed;
}

/** Erases a restricted dataset now: key, versions, chunks and blobs. Refused while a job has it mounted. */
export async function purgeDataset(env: DatasetsEnv, actor: Actor, ref: string): Promise<{ erasedVersions: number; erasedChunks: number }> {
  const { store } = env;
  const d = await env.resolve(actor, ref);
  await mustAdminister(store, actor, d, ref);
  if (d.sensitivity !== 'restricted') {
    throw new CheomdanError('validation_failed', `"${d.name}" is ${d.sensitivity}: purge erases a restricted dataset's key and content at once; delete it instead (its content is collected after the retention window)`);
  }
  const versions = await store.datasets.versions.list(d.id);
  const pinned = new Set(await store.datasets.mounts.pinnedVersionIds(PINNING_STATES));
  const inUse = versions.filter((v) => pinned.has(v.id)).map((v) => v.number);
  if (inUse.length > 0) throw new CheomdanError('conflict', `version(s) ${inUse.join(', ')} of "${d.name}" are mounted by pending or running jobs; cancel those jobs, then purge`);
  const now = env.ctx.clock();
  const ns = namespaceOf(d);
  await store.transaction(async (tx) => {
    await tx.datasets.keys.delete(d.id);
    for (const v of versions) await tx.datasets.versions.erase(v.id);
    for (const u of await tx.datasets.uploads.list()) if (u.datasetId === d.id) await tx.datasets.uploads.delete(u.id);
    await tx.datasets.delete(d.id, now);
    await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'dataset.purge', subject: d.id, detail: { name: d.name, versions: versions.length } });
  });
  // The key is gone: what follows only frees space.
  const chunks = await store.datasets.chunks.list(ns);
  for (const c of chunks) {
    await env.blobs.delete(`${ns}/${c.sha256}`);
    await store.datasets.chunks.delete(ns, c.sha256);
  }
  return { erasedVersions: versions.length, erasedChunks: chunks.length };
}
