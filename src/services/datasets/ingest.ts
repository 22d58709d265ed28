/**
 * Bytes in, chunks out: a stream cut by the FastCDC chunker, each chunk stored (idempotent), the whole
 * hashed on the way. Used by server-side imports and by saving a job's output; tus uploads drive the same
 * pieces incrementally (uploads.ts) because their bytes arrive across requests and restarts.
 */
import { createHash } from 'node:crypto';
import { Chunker } from '../../blobs/chunker.ts';
import type { ChunkRef, DatasetFileRecord, DatasetRecord } from '../../store/records.ts';
import { ChunkWriter, type ChunkSpace } from './content.ts';
import type { DatasetsEnv } from './env.ts';

export async function ingest(space: ChunkSpace, source: AsyncIterable<Buffer | Uint8Array | string>): Promise<{ chunks: ChunkRef[]; size: number; sha256: string }> {
  const chunker = new Chunker();
  const hash = createHash('sha256');
  const chunks: ChunkRef[] = [];
  let size = 0;
  const writer = new ChunkWriter(space);
  for await (const piece of source) {
    const buf = typeof piece === 'string' ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    hash.update(buf);
    size += buf.length;
    // A stream's pieces are its own fresh buffers (a string's is ours): handed to the chunker as they are.
    for (const c of chunker.pushOwned(buf)) chunks.push(...(await writer.push(c)));
  }
  const last = chunker.end();
  if (last) chunks.push(...(await writer.push(last)));
  chunks.push(...(await writer.drain()));
  return { chunks, size, sha256: hash.digest('hex') };
}

/** Records a written file's chunks (quota and deduplication) and the file itself in an open version. */
export async function recordFile(env: DatasetsEnv, d: DatasetRecord, space: ChunkSpace, versionId: string, path: string, w: { chunks: ChunkRef[]; size: number; sha256: string }): Promise<void> {
  const now = env.ctx.clock();
  const file: DatasetFileRecord = { versionId, path, size: w.size, sha256: w.sha256, chunks: w.chunks };
  await env.store.transaction(async (tx) => {
    const fresh = await tx.datasets.chunks.record(space.namespace, d.tenantId, dedupe(w.chunks), now);
    await tx.datasets.versions.addNewBytes(versionId, fresh);
    await tx.datasets.files.put(file);
  });
  space.recorded(w.chunks);
}

/** Each chunk once (a file may repeat one: a file of zeros is one chunk many times). */
export function dedupe(chunks: readonly ChunkRef[]): ChunkRef[] {
  const seen = new Set<string>();
  return chunks.filter(([sha]) => (seen.has(sha) ? false : (seen.add(sha), true)));
}
