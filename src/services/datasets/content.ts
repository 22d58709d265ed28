/**
 * File content as chunks in the blob store (the only module of the datasets service that touches blobs).
 * A namespace is an organization's (its datasets deduplicate against each other) or, for a restricted
 * dataset, the dataset's own, sealed with its key. Every read checks the chunk's SHA-256 (after opening
 * it): a corrupted or missing chunk is an error naming the dataset, version and file — never wrong bytes.
 */
import { createHash, webcrypto } from 'node:crypto';
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

/** SHA-256 on libuv's thread pool (WebCrypto): chunks in flight hash on other cores than the event loop's. */
const digestHex = async (b: Uint8Array): Promise<string> => Buffer.from(await webcrypto.subtle.digest('SHA-256', b)).toString('hex');

/**
 * Blobs stored and not yet recorded as chunks (a request or an import is still writing): garbage collection
 * never removes them as orphans. A hold older than HOLD_MS is not honoured (a writer that died).
 */
export class PendingChunks {
  static readonly HOLD_MS = 6 * 3_600_000;
  readonly #held = new Map<string, { count: number; at: number }>();

  hold(key: string): void {
    const h = this.#held.get(key);
    this.#held.set(key, { count: (h?.count ?? 0) + 1, at: Date.now() });
  }

  release(key: string): void {
    const h = this.#held.get(key);
    if (!h) return;
    if (h.count <= 1) this.#held.delete(key);
    else h.count--;
  }

  isHeld(key: string, now = Date.now()): boolean {
    const h = this.#held.get(key);
    return h !== undefined && now - h.at < PendingChunks.HOLD_MS;
  }
}

export class ChunkSpace {
  constructor(readonly blobs: BlobStore, readonly namespace: string, readonly key: Buffer | null, readonly pending: PendingChunks = new PendingChunks()) {}

  /** The chunks are recorded (a row each): they are no longer orphans in the making. */
  recorded(refs: readonly ChunkRef[]): void {
    for (const [sha] of refs) this.pending.release(`${this.namespace}/${sha}`);
  }

  /** Stores a chunk (idempotent) and returns its reference. */
  async put(chunk: Buffer): Promise<ChunkRef> {
    // WebCrypto's digest runs on libuv's thread pool: several chunks in flight hash on other cores.
    const sha = await digestHex(chunk);
    const key = `${this.namespace}/${sha}`;
    this.pending.hold(key); // until the caller records it (recorded())
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
    if (plain.length !== size || (await digestHex(plain)) !== sha) throw corrupt(where, `chunk ${sha.slice(0, 12)}… does not match its checksum`);
    return plain;
  }

  async delete(sha: string): Promise<void> {
    await this.blobs.delete(`${this.namespace}/${sha}`);
  }

  /**
   * The bytes [start, end) of a file, streamed chunk by chunk (a few read ahead), every chunk checked
   * against its SHA-256. A file is its list of chunks (its whole SHA-256 was verified when it was
   * committed), so checked chunks are the file's bytes.
   */
  stream(file: DatasetFileRecord, where: string, start = 0, end = file.size): Readable {
    const space = this;
    async function* gen(): AsyncGenerator<Buffer> {
      // The chunks the range needs, read ahead (reads overlap sending) — at most READ_AHEAD_BYTES in memory.
      const wanted: { ref: ChunkRef; from: number }[] = [];
      let at = 0;
      for (const ref of file.chunks) {
        const from = at;
        at += ref[1];
        if (at <= start) continue;
        if (from >= end) break;
        wanted.push({ ref, from });
      }
      const ahead: Promise<Buffer>[] = [];
      const fetch = (i: number) => {
        const p = space.get(wanted[i]!.ref, where);
        p.catch(() => undefined); // awaited in turn below; never an unhandled rejection meanwhile
        ahead.push(p);
      };
      let next = 0;
      let aheadBytes = 0; // of the chunks fetched and not yet sent
      const fill = () => {
        while (next < wanted.length && (ahead.length === 0 || aheadBytes + wanted[next]!.ref[1] <= READ_AHEAD_BYTES)) {
          aheadBytes += wanted[next]!.ref[1];
          fetch(next++);
        }
      };
      fill();
      for (const { ref, from } of wanted) {
        const bytes = await ahead.shift()!;
        aheadBytes -= ref[1];
        fill();
        yield bytes.subarray(Math.max(0, start - from), Math.min(ref[1], end - from));
      }
    }
    return Readable.from(gen(), { objectMode: false });
  }
}

/** Bytes of chunks read ahead of the one being sent (reads of several chunk files overlap). */
const READ_AHEAD_BYTES = 16 << 20;
/** Chunk writes in flight at once: the blob store's writes and fsyncs overlap chunking and hashing. */
const WRITE_WINDOW = 8;

/**
 * Stores a stream of chunks with up to WRITE_WINDOW puts in flight; hands back the references of those
 * stored, in order. `drain` waits for the rest. A failed put fails the `push` or `drain` that reaches it.
 */
export class ChunkWriter {
  readonly #inFlight: Promise<ChunkRef>[] = [];

  constructor(private readonly space: ChunkSpace, private readonly window = WRITE_WINDOW) {}

  async push(chunk: Buffer): Promise<ChunkRef[]> {
    const p = this.space.put(chunk);
    p.catch(() => undefined); // awaited in order by push or drain
    this.#inFlight.push(p);
    const stored: ChunkRef[] = [];
    while (this.#inFlight.length >= this.window) stored.push(await this.#inFlight.shift()!);
    return stored;
  }

  async drain(): Promise<ChunkRef[]> {
    const all = this.#inFlight.splice(0);
    return Promise.all(all);
  }
}

function corrupt(where: string, why: string, cause?: unknown): CheomdanError {
  return new CheomdanError('data_corrupted', `${where}: ${why}; the stored data is damaged — restore it from a backup or upload the file again`, cause === undefined ? {} : { cause });
}
