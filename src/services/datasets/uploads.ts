/**
 * Resumable uploads (tus 1.0: core, creation, termination, checksum, expiration) into an open version.
 * The protocol's HTTP side is api/routes/uploads.ts; here are its rules and its storage:
 *
 * - create: the target (dataset, version, path, optional whole-file SHA-256) comes from Upload-Metadata;
 *   the path, write access, the open version and the storage quota are checked before any byte is stored
 *   (the announced length is reserved against the quota until the upload ends).
 * - append (PATCH): bytes must start at the upload's offset. They are cut by FastCDC as they arrive; each
 *   completed chunk is stored (fsync) and recorded at once; the unfinished chunk's bytes are kept in a
 *   tail file named by the offset it ends at (CHEOMDAN_HOME/uploads/<id>.<offset>.tail, so a crash
 *   between writing a new tail and committing its offset leaves the old one to resume from). When the request ends — normally or by a dropped
 *   connection — the tail is fsynced and the new offset committed in one transaction: an acknowledged
 *   byte survives kill -9, and a restart resumes by re-feeding the tail to a fresh chunker, which gives the
 *   same cuts. With Upload-Checksum (sha1 as the extension requires, or sha256) the request's bytes are
 *   kept only if they match (460 otherwise, offset unchanged).
 * - finish (offset = length): the last chunk is stored, the whole file's SHA-256 is checked against the
 *   one announced (460 and the upload discarded when it differs), and the file enters the version.
 * - terminate (DELETE): the upload and its tail are removed; chunks only it used are collected later.
 */
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Chunker } from '../../blobs/chunker.ts';
import { writeDurably } from '../../blobs/fs.ts';
import { pathProblem } from '../../core/datasets.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { ChunkRef, UploadRecord } from '../../store/records.ts';
import type { Actor } from '../actor.ts';
import { mustWrite } from './access.ts';
import { ChunkWriter } from './content.ts';
import { quotaMessage } from './catalog.ts';
import type { DatasetsEnv } from './env.ts';
import { dedupe, recordFile } from './ingest.ts';
import type { DatasetVersions } from './versions.ts';

/** The largest upload announced (Tus-Max-Size): 5 TB, an S3 object's limit too. */
export const MAX_UPLOAD_BYTES = 5e12;
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256'] as const;

export interface UploadStatus {
  id: string;
  offset: number;
  length: number;
  metadata: Record<string, string>;
  expiresAt: number;
  state: UploadRecord['state'];
}

/** Chunks recorded per transaction while a request streams in. */
const RECORD_BATCH = 16;

class StoreFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a chunk could not be stored');
  }
}

const safe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_');

const bad = (message: string, key: string) => new CheomdanError('validation_failed', message, { errors: [{ path: `Upload-Metadata.${key}`, message }] });

export class Uploads {
  /** Per upload: the whole-file hash of bytes [0, offset) while this process has seen them all. */
  readonly #hashes = new Map<string, { offset: number; hash: Hash }>();
  /** Uploads a request is writing now (one writer at a time; tus clients PATCH sequentially). */
  readonly #busy = new Set<string>();
  /** One version opened at a time per dataset for clients that name none. */
  #opening: Promise<unknown> = Promise.resolve();

  constructor(private readonly env: DatasetsEnv, private readonly versions: DatasetVersions) {}

  async create(actor: Actor, length: number, metadata: Record<string, string>): Promise<UploadStatus> {
    const { store } = this.env;
    if (!Number.isSafeInteger(length) || length < 0) throw new CheomdanError('validation_failed', 'Upload-Length must be a whole number of bytes', { errors: [{ path: 'Upload-Length', message: 'not a byte count' }] });
    if (length > MAX_UPLOAD_BYTES) throw new CheomdanError('payload_too_large', `Upload-Length ${length} is over the largest upload, ${MAX_UPLOAD_BYTES} bytes (Tus-Max-Size)`);
    const ref = metadata.dataset;
    if (ref === undefined || ref === '') throw bad('Upload-Metadata needs "dataset" (its name or id); see docs/datasets.md', 'dataset');
    const path = metadata.path ?? metadata.relativePath ?? metadata.filename ?? metadata.name;
    if (path === undefined) throw bad('Upload-Metadata needs "path" (where the file goes in the version, e.g. images/001.dcm)', 'path');
    const why = pathProblem(path);
    if (why !== null) throw bad(`path "${path.slice(0, 200)}": ${why}`, 'path');
    const sha = metadata.sha256;
    if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) throw bad('"sha256" must be the file\'s SHA-256 as 64 lower-case hex digits', 'sha256');
    const d = await this.env.resolve(actor, ref);
    await mustWrite(store, actor, d, ref);
    let versionId: string;
    if (metadata.version !== undefined) {
      const n = Number(metadata.version);
      if (!Number.isInteger(n) || n < 1) throw bad(`"version" must be the number of an open version, not "${metadata.version}"`, 'version');
      const v = await this.env.version(d, n);
      if (v.state !== 'open') throw new CheomdanError('conflict', `version ${n} of "${d.name}" is committed: committed versions never change; open a new version and upload into it`);
      versionId = v.id;
    } else {
      versionId = await this.#openVersionFor(actor, d.id);
    }
    const s = await this.env.storage(d.tenantId);
    if (s.usedBytes + s.reservedBytes + length > s.quotaBytes) {
      throw new CheomdanError('storage_quota_exceeded', quotaMessage(`"${path}"`, length, s), { extra: { ...s, neededBytes: length } });
    }
    const now = this.env.ctx.clock();
    const u: UploadRecord = {
      id: this.env.ctx.ids('up'), tenantId: d.tenantId, userId: actor.user.id, datasetId: d.id, versionId, path, length, offset: 0,
      sha256: sha ?? null, metadata, chunks: [], state: 'open', createdAt: now, updatedAt: now, expiresAt: now + this.env.config.uploadExpiryMs,
    };
    await fsp.mkdir(this.env.config.uploadsDir, { recursive: true, mode: 0o700 });
    await store.datasets.uploads.create(u);
    if (length === 0) await this.#finish(u, new Chunker(), createHash('sha256'));
    return this.status((await store.datasets.uploads.get(u.id)) ?? { ...u, state: 'complete' });
  }

  async head(actor: Actor, id: string): Promise<UploadStatus> {
    return this.status(await this.#mine(actor, id));
  }

  /**
   * Appends the bytes of one PATCH at `offset`; returns the new offset. Bytes received before a dropped
   * connection are kept (without a checksum); with one, all or none.
   */
  async append(actor: Actor, id: string, offset: number, body: AsyncIterable<Buffer>, checksum?: { algorithm: string; digest: string }): Promise<UploadStatus> {
    const u = await this.#mine(actor, id);
    if (u.state !== 'open') throw new CheomdanError('conflict', `upload ${id} is complete; its file is in the version`);
    if (offset !== u.offset) {
      throw new CheomdanError('offset_mismatch', `Upload-Offset ${offset} does not match the upload's offset ${u.offset}; ask with HEAD and send from there`, { extra: { offset: u.offset } });
    }
    let check: Hash | null = null;
    if (checksum) {
      if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(checksum.algorithm)) {
        throw new CheomdanError('validation_failed', `Upload-Checksum algorithm "${checksum.algorithm}" is not supported; use ${CHECKSUM_ALGORITHMS.join(' or ')}`, { errors: [{ path: 'Upload-Checksum', message: 'unsupported algorithm' }] });
      }
      check = createHash(checksum.algorithm);
    }
    if (this.#busy.has(id)) throw new CheomdanError('conflict', `upload ${id} is being written by another request; wait for it (tus clients PATCH one request at a time)`);
    this.#busy.add(id);
    try {
      return await this.#append(u, body, check, checksum?.digest);
    } finally {
      this.#busy.delete(id);
    }
  }

  async terminate(actor: Actor, id: string): Promise<void> {
    const u = await this.#mine(actor, id);
    if (this.#busy.has(id)) throw new CheomdanError('conflict', `upload ${id} is being written; try again when the request ends`);
    await this.env.store.datasets.uploads.delete(u.id);
    this.#hashes.delete(u.id);
    await this.#removeTails(u.id);
  }

  /** Removes uploads nobody has written to since they expired (garbage collection calls it). */
  async expire(now: number): Promise<number> {
    let n = 0;
    for (const u of await this.env.store.datasets.uploads.list()) {
      if (u.state === 'open' && u.expiresAt <= now && !this.#busy.has(u.id)) {
        await this.env.store.datasets.uploads.delete(u.id);
        await this.#removeTails(u.id);
        this.#hashes.delete(u.id);
        n++;
      }
    }
    return n;
  }

  status(u: UploadRecord): UploadStatus {
    return { id: u.id, offset: u.offset, length: u.length, metadata: u.metadata, expiresAt: u.expiresAt, state: u.state };
  }

  async #append(u: UploadRecord, body: AsyncIterable<Buffer>, check: Hash | null, digest: string | undefined): Promise<UploadStatus> {
    const { store } = this.env;
    const d = (await store.datasets.get(u.datasetId))!;
    const space = await this.env.space(d);
    const chunker = new Chunker();
    const done = u.chunks.reduce((s, [, size]) => s + size, 0);
    const tail = await this.#readTail(u.id, u.offset, u.offset - done);
    chunker.push(tail);
    const memo = this.#hashes.get(u.id);
    // The whole file's hash, carried from request to request while this process has seen every byte.
    const whole = memo && memo.offset === u.offset ? memo.hash.copy() : u.offset === 0 ? createHash('sha256') : null;
    const completed: ChunkRef[] = [];
    let fresh = 0;
    let received = 0;
    let failure: unknown = null;
    const room = u.length - u.offset;
    const writer = new ChunkWriter(space);
    // Stored chunks are recorded in small batches as they complete: quota counts them and garbage
    // collection knows them even if the request dies (a blob stored but not yet recorded is an orphan
    // that collection removes after its grace period).
    let unrecorded: ChunkRef[] = [];
    const record = async (refs: ChunkRef[], force: boolean) => {
      completed.push(...refs);
      unrecorded.push(...refs);
      if (unrecorded.length >= RECORD_BATCH || (force && unrecorded.length > 0)) {
        const batch = unrecorded;
        unrecorded = [];
        fresh += await store.datasets.chunks.record(space.namespace, d.tenantId, dedupe(batch), this.env.ctx.clock());
        space.recorded(batch);
      }
    };
    try {
      for await (const piece of body) {
        if (received + piece.length > room) {
          throw new CheomdanError('validation_failed', `the request sends more than the ${room} bytes left of Upload-Length ${u.length}`, { errors: [{ path: 'body', message: 'past Upload-Length' }] });
        }
        received += piece.length;
        check?.update(piece);
        whole?.update(piece);
        for (const c of chunker.pushOwned(piece)) {
          let stored: ChunkRef[];
          try {
            stored = await writer.push(c);
          } catch (e) {
            throw new StoreFailed(e);
          }
          await record(stored, false);
        }
      }
    } catch (e) {
      // A chunk that could not be stored fails the request and keeps nothing of it (its bytes were counted).
      if (e instanceof StoreFailed) {
        await writer.drain().catch(() => undefined);
        throw e.cause;
      }
      failure = e; // a dropped connection: keep what arrived (unless a checksum says all or nothing)
    }
    // Chunks cut before a failure are stored and kept (their bytes arrived); a failed write fails the request.
    await record(await writer.drain(), true);
    if (check) {
      const got = check.digest('base64');
      if (failure !== null || got !== digest) {
        if (failure instanceof CheomdanError && failure.code !== 'checksum_mismatch') throw failure;
        throw new CheomdanError('checksum_mismatch', failure !== null
          ? 'the request ended before all its bytes arrived, so its Upload-Checksum cannot hold; nothing of it was kept — send it again from the same offset'
          : `the request's bytes have ${got} as their checksum, not ${digest}; nothing of it was kept — send it again from offset ${u.offset}`);
      }
    }
    if (failure instanceof CheomdanError) throw failure;
    const offset = u.offset + received;
    const chunks = [...u.chunks, ...completed];
    const now = this.env.ctx.clock();
    if (offset === u.length && failure === null) {
      // The last bytes: nothing to keep for a later request; the upload completes now. A crash before
      // that leaves it at its old offset, and the client sends this request again (its chunks are stored).
      await store.datasets.versions.addNewBytes(u.versionId, fresh);
      await this.#finish({ ...u, offset, chunks, updatedAt: now }, chunker, whole, u.offset);
      return this.status((await store.datasets.uploads.get(u.id)) ?? { ...u, offset, state: 'complete' });
    }
    await this.#writeTail(u.id, offset, chunker.pendingBytes());
    await store.transaction(async (tx) => {
      if (!(await tx.datasets.uploads.advance(u.id, u.offset, { offset, chunks, state: 'open' }, now))) {
        throw new CheomdanError('offset_mismatch', `upload ${u.id} moved while this request ran; ask with HEAD and send from there`);
      }
      // Bytes this version was the first to store (a chunk rejected by a checksum is counted by the request that keeps it).
      await tx.datasets.versions.addNewBytes(u.versionId, fresh);
    });
    if (offset !== u.offset) await fsp.rm(this.#tailPath(u.id, u.offset), { force: true });
    if (whole) this.#hashes.set(u.id, { offset, hash: whole });
    else this.#hashes.delete(u.id);
    const next: UploadRecord = { ...u, offset, chunks, updatedAt: now, expiresAt: now + this.env.config.uploadExpiryMs };
    if (offset === u.length) await this.#finish(next, chunker, whole, offset);
    if (failure !== null) throw failure;
    return this.status((await store.datasets.uploads.get(u.id)) ?? next);
  }

  /** Completes an upload whose bytes have all arrived; `storedOffset` is its offset in the store now. */
  async #finish(u: UploadRecord, chunker: Chunker, whole: Hash | null, storedOffset = u.offset): Promise<void> {
    const { store } = this.env;
    const d = (await store.datasets.get(u.datasetId))!;
    const space = await this.env.space(d);
    const chunks = [...u.chunks];
    const last = chunker.end();
    if (last) {
      const ref = await space.put(last);
      chunks.push(ref);
      await store.datasets.versions.addNewBytes(u.versionId, await store.datasets.chunks.record(space.namespace, d.tenantId, [ref], this.env.ctx.clock()));
      space.recorded([ref]);
    }
    let sha: string;
    if (whole) sha = whole.digest('hex');
    else {
      // The server restarted during the upload: hash the stored chunks (each checked on the way).
      const h = createHash('sha256');
      for (const ref of chunks) h.update(await space.get(ref, `upload ${u.id} ("${u.path}")`));
      sha = h.digest('hex');
    }
    this.#hashes.delete(u.id);
    if (u.sha256 !== null && sha !== u.sha256) {
      await store.datasets.uploads.delete(u.id);
      await this.#removeTails(u.id);
      throw new CheomdanError('checksum_mismatch', `"${u.path}" arrived with SHA-256 ${sha}, not the ${u.sha256} announced in Upload-Metadata; the upload was discarded — upload the file again`);
    }
    const v = await store.datasets.versions.get(u.versionId);
    if (!v || v.state !== 'open') {
      await store.datasets.uploads.delete(u.id);
      throw new CheomdanError('conflict', `version of "${d.name}" that "${u.path}" was uploading into is no longer open (committed or deleted); the upload was discarded`);
    }
    await recordFile(this.env, d, space, u.versionId, u.path, { chunks, size: u.length, sha256: sha });
    if (!(await store.datasets.uploads.advance(u.id, storedOffset, { offset: u.length, chunks: dedupe(chunks), state: 'complete' }, this.env.ctx.clock()))) {
      throw new CheomdanError('offset_mismatch', `upload ${u.id} moved while this request ran; ask with HEAD`);
    }
    await this.#removeTails(u.id);
  }

  async #mine(actor: Actor, id: string): Promise<UploadRecord> {
    const u = await this.env.store.datasets.uploads.get(id);
    // Another user's upload looks like a missing one.
    if (!u || (u.userId !== actor.user.id && !actor.isOperator)) throw new CheomdanError('not_found', `no upload "${id}"; it may have expired or been committed`);
    return u;
  }

  async #openVersionFor(actor: Actor, datasetId: string): Promise<string> {
    const next = this.#opening.then(async () => {
      const d = (await this.env.store.datasets.get(datasetId))!;
      const open = (await this.env.store.datasets.versions.list(d.id)).find((v) => v.state === 'open' && v.createdBy === actor.user.id);
      return open?.id ?? (await this.versions.openFor(d, actor, { empty: false, message: '', remove: [] }, null)).id;
    });
    this.#opening = next.catch(() => undefined);
    return next;
  }

  #tailPath(id: string, offset: number): string {
    return join(this.env.config.uploadsDir, `${safe(id)}.${offset}.tail`);
  }

  async #removeTails(id: string): Promise<void> {
    const prefix = `${safe(id)}.`;
    for (const name of await fsp.readdir(this.env.config.uploadsDir).catch(() => [] as string[])) {
      if (name.startsWith(prefix) && (name.endsWith('.tail') || name.endsWith('.tmp'))) await fsp.rm(join(this.env.config.uploadsDir, name), { force: true });
    }
  }

  async #readTail(id: string, offset: number, expected: number): Promise<Buffer> {
    let buf: Buffer;
    try {
      buf = expected === 0 ? Buffer.alloc(0) : await fsp.readFile(this.#tailPath(id, offset));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      buf = Buffer.alloc(0);
    }
    if (buf.length !== expected) {
      throw new CheomdanError('data_corrupted', `upload ${id} has ${buf.length} of its ${expected} acknowledged unfinished-chunk bytes; cancel it and upload the file again`);
    }
    return buf;
  }

  async #writeTail(id: string, offset: number, bytes: Buffer): Promise<void> {
    await writeDurably(this.#tailPath(id, offset), bytes);
  }

}
