/**
 * File content as chunks in the blob store (the only module of the datasets service that touches blobs).
 * A namespace is an organization's (its datasets deduplicate against each other) or, for a restricted
 * dataset, the dataset's own, sealed with its key. Every read checks the chunk's SHA-256 (after opening
 * it): a corrupted or missing chunk is an error naming the dataset, version and file — never wrong bytes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFound, type BlobStore } from '../../blobs/types.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { ChunkRef, DatasetFileRecord, DatasetRecord } from '../../store/records.ts';
import { open, seal } from './keys.ts';

const short = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 20);

/** Where a dataset's chunks live: `o/<org hash>` or, restricted, `d/<dataset hash>`. */
export function namespaceOf(d: Pick<DatasetRecord, 'id' | 'tenantId' | 'sensitivity'>): string {
  return d.sensitivity === 'restricted' ? `d/${short(d.id)}` : `o/${short(d.tenantId)}`;
}

export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export class ChunkSpace {
  constructor(readonly blobs: BlobStore, readonly namespace: string, readonly key: Buffer | null) {}

  /** Stores a chunk (idempotent) and returns its reference. */
  async put(chunk: Buffer): Promise<ChunkRef> {
    const sha = sha256hex(chunk);
    const key = `${this.namespace}/${sha}`;
    // A sealed chunk is not content-addressed on disk (random iv), so test before sealing again.
    if (this.key === null) await this.blobs.put(key, chunk);
    else if (!(await this.blobs.has(key))) await this.blobs.put(key, seal(this.key, chunk));
    return [sha, chunk.length];
  }

  /** The chunk's bytes, checked; `where` names the file for the error. */
  async get(ref: ChunkRef, where: string): Promise<Buffer> {
    const [sha, size] = ref;
    let raw: Buffer;
    try {
      raw = await this.blobs.get(`${this.namespace}/${sha}`);
    } catch (e) {
      if (e instanceof BlobNotFound) throw corrupt(where, `chunk ${sha.slice(0, 12)}… is missing from ${this.blobs.name}`, e);
      throw e;
    }
    const plain = this.key === null ? raw : open(this.key, raw);
    if (plain === null) throw corrupt(where, `chunk ${sha.slice(0, 12)}… does not decrypt with the dataset's key`);
    if (plain.length !== size || sha256hex(plain) !== sha) throw corrupt(where, `chunk ${sha.slice(0, 12)}… does not match its checksum`);
    return plain;
  }

  async delete(sha: string): Promise<void> {
    await this.blobs.delete(`${this.namespace}/${sha}`);
  }

  /**
   * The bytes [start, end) of a file, streamed chunk by chunk (one chunk in memory at a time); the whole
   * file's SHA-256 is checked too when the whole file is read.
   */
  stream(file: DatasetFileRecord, where: string, start = 0, end = file.size): Readable {
    const space = this;
    async function* gen(): AsyncGenerator<Buffer> {
      let at = 0;
      const whole = start === 0 && end === file.size ? createHash('sha256') : null;
      for (const ref of file.chunks) {
        const [, size] = ref;
        const from = at;
        at += size;
        if (at <= start) continue;
        if (from >= end) break;
        const bytes = await space.get(ref, where);
        whole?.update(bytes);
        yield bytes.subarray(Math.max(0, start - from), Math.min(size, end - from));
      }
      if (whole && whole.digest('hex') !== file.sha256) throw corrupt(where, 'its chunks do not add up to the file\'s SHA-256');
    }
    return Readable.from(gen(), { objectMode: false });
  }
}

function corrupt(where: string, why: string, cause?: unknown): CheomdanError {
  return new CheomdanError('data_corrupted', `${where}: ${why}; the stored data is damaged — restore it from a backup or upload the file again`, cause === undefined ? {} : { cause });
}
