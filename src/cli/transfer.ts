/**
 * The CLI's side of moving dataset files: a tus 1.0 uploader that resumes on its own (after a dropped
 * connection, a restarted server or a new run of the command: upload URLs are remembered in
 * ~/.config/cheomdan/uploads.json per server, dataset, version, path, size and mtime) and a downloader
 * that resumes a partial file with HTTP Range and checks the SHA-256. Bytes are streamed from and to
 * disk; nothing holds a whole file in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, ConnectionError, type CheomdanClient } from './client.ts';

const TUS = { 'tus-resumable': '1.0.0' };
/**
 * Bytes per PATCH: each is its own request (the server keeps what arrived of a broken one), and must arrive
 * within the server's request timeout (30 s). The first is 8 MiB; later ones are sized to take about 10 s
 * at the rate measured so far, between 4 and 64 MiB (a slow hospital link sends small ones, loopback big ones).
 */
export const PATCH_BYTES = { first: 8 * 1024 * 1024, min: 4 * 1024 * 1024, max: 64 * 1024 * 1024, targetMs: 10_000 } as const;

export function nextPatchBytes(sent: number, ms: number): number {
  if (ms <= 0) return PATCH_BYTES.max;
  return Math.max(PATCH_BYTES.min, Math.min(PATCH_BYTES.max, Math.floor((sent / ms) * PATCH_BYTES.targetMs)));
}

export interface UploadTarget {
  dataset: string;
  version: number;
  path: string;
}

export interface TransferProgress {
  (bytesDone: number): void;
}

/** Remembered upload URLs, so a command run again after an interruption resumes instead of starting over. */
export class UploadState {
  #entries: Record<string, string> | null = null;
  constructor(private readonly file: string) {}
  async #load(): Promise<Record<string, string>> {
    if (this.#entries === null) {
      try {
        this.#entries = JSON.parse(await fsp.readFile(this.file, 'utf8')) as Record<string, string>;
      } catch {
        this.#entries = {};
      }
    }
    return this.#entries;
  }
  async get(key: string): Promise<string | undefined> {
    return (await this.#load())[key];
  }
  /** Writes are queued: parallel uploads of one command share the file. */
  #writing: Promise<unknown> = Promise.resolve();
  async set(key: string, url: string | undefined): Promise<void> {
    const e = await this.#load();
    if (url === undefined) delete e[key];
    else e[key] = url;
    const write = this.#writing.then(async () => {
      await fsp.mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fsp.writeFile(tmp, JSON.stringify(e, null, 1), { mode: 0o600 });
      await fsp.rename(tmp, this.file);
    });
    this.#writing = write.catch(() => undefined);
    await write;
  }
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(b as Buffer);
  return h.digest('hex');
}

const metadata = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`).join(',');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A failure worth retrying: the server is unreachable or restarting, or the request broke mid-way. */
const transient = (e: unknown) => e instanceof ConnectionError || (e instanceof ApiError && (e.status >= 500 || e.status === 409 && e.code === 'conflict' && /being written/.test(e.detail))) || (e instanceof TypeError);

/**
 * Uploads one file, resuming a remembered upload when there is one; retries transient failures with
 * back-off for up to `patienceMs` (default 10 minutes: a server restart is survived).
 */
export async function uploadFile(
  client: CheomdanClient, file: string, target: UploadTarget, state: UploadState, onProgress: TransferProgress,
  opts: { patienceMs?: number; sha256?: string } = {},
): Promise<{ sha256: string; size: number; resumedAt: number }> {
  const st = await fsp.stat(file);
  const size = st.size;
  const key = `${client.baseUrl}|${target.dataset}|${target.version}|${target.path}|${size}|${st.mtimeMs}`;
  const sha256 = opts.sha256 ?? (await sha256File(file));
  const patience = opts.patienceMs ?? 600_000;
  // A file sent in one request is simply sent again after an interruption: only larger ones are remembered
  // (two writes of the state file per small file would bound a directory of 10,000 files).
  const remember = size > PATCH_BYTES.first;
  let patchBytes: number = PATCH_BYTES.first;
  let location = remember ? await state.get(key) : undefined;
  let offset = -1;
  let resumedAt = 0;
  let failingSince: number | null = null;
  let delay = 250;
  for (;;) {
    try {
      if (location !== undefined && offset < 0) {
        const h = await client.raw('HEAD', location, { headers: TUS }).catch((e: unknown) => {
          if (e instanceof ApiError && (e.status === 404 || e.status === 410)) return null; // expired or finished: start again
          throw e;
        });
        if (h === null) {
          location = undefined;
          if (remember) await state.set(key, undefined);
        } else {
          offset = Number(h.headers.get('upload-offset'));
          resumedAt = offset;
        }
      }
      if (location === undefined) {
        const c = await client.raw('POST', '/v1/uploads', {
          headers: { ...TUS, 'upload-length': String(size), 'upload-metadata': metadata({ dataset: target.dataset, version: String(target.version), path: target.path, sha256 }) },
        });
        location = c.headers.get('location') ?? undefined;
        if (!location) throw new Error('the server created the upload but sent no Location');
        offset = 0;
        if (remember) await state.set(key, location);
        if (size === 0) break;
      }
      onProgress(offset);
      if (offset >= size) break;
      const end = Math.min(size, offset + patchBytes);
      const began = Date.now();
      const piece = createReadStream(file, { start: offset, end: end - 1, highWaterMark: 1 << 20 });
      let sent = offset;
      const counted = Readable.from((async function* () {
        for await (const b of piece) {
          sent += (b as Buffer).length;
          onProgress(sent);
          yield b as Buffer;
        }
      })());
      // No per-PATCH checksum: the whole file's SHA-256 is checked at the end, and without one the server
      // keeps what arrived of a broken request (a checksum would make each PATCH all-or-nothing).
      const res = await client.raw('PATCH', location, {
        headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'content-length': String(end - offset) },
        body: Readable.toWeb(counted) as unknown as RequestInit['body'],
      });
      const acked = Number(res.headers.get('upload-offset'));
      patchBytes = nextPatchBytes(acked - offset, Date.now() - began);
      offset = acked;
      failingSince = null;
      delay = 250;
      if (offset >= size) break;
    } catch (e) {
      if (!transient(e)) {
        if (e instanceof ApiError && e.status === 409 && e.code === 'offset_mismatch') { offset = -1; continue; }
        if (remember && e instanceof ApiError && (e.status === 460 || e.status === 404)) await state.set(key, undefined);
        throw e;
      }
      failingSince ??= Date.now();
      if (Date.now() - failingSince > patience) throw e;
      await sleep(delay);
      delay = Math.min(5_000, delay * 2);
      offset = -1; // ask the server how far it got
    }
  }
  if (remember) await state.set(key, undefined);
  onProgress(size);
  return { sha256, size, resumedAt };
}

/** Downloads a file to `dest`, resuming `dest.part` with Range, checking the SHA-256 the server names. */
export async function downloadFile(client: CheomdanClient, urlPath: string, dest: string, expect: { size: number; sha256: string }, onProgress: TransferProgress): Promise<void> {
  await fsp.mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let have = await fsp.stat(part).then((s) => s.size, () => 0);
  if (have > expect.size) {
    await fsp.rm(part);
    have = 0;
  }
  if (have < expect.size || expect.size === 0) {
    const res = await client.raw('GET', urlPath, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
    if (have > 0 && res.status !== 206) have = 0; // the server sent it whole
    let done = have;
    const body = Readable.fromWeb(res.body as unknown as import('node:stream/web').ReadableStream);
    body.on('data', (b: Buffer) => { done += b.length; onProgress(done); });
    await pipeline(body, createWriteStream(part, { flags: have > 0 ? 'a' : 'w' }));
  }
  const got = await sha256File(part);
  if (got !== expect.sha256) {
    await fsp.rm(part, { force: true });
    throw new Error(`${dest}: the bytes received have SHA-256 ${got}, not ${expect.sha256}; downloaded data was discarded — run the command again`);
  }
  await fsp.rename(part, dest);
  onProgress(expect.size);
}

/** Files under the given paths: a file as itself (its base name), a directory as its tree under its own name. */
export async function expandPaths(paths: readonly string[]): Promise<{ abs: string; rel: string; size: number }[]> {
  const out: { abs: string; rel: string; size: number }[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const st = await fsp.stat(abs);
    if (st.isDirectory()) {
      for (const name of (await fsp.readdir(abs)).sort()) await walk(join(abs, name), rel === '' ? name : `${rel}/${name}`);
    } else if (st.isFile()) {
      out.push({ abs, rel, size: st.size });
    }
  };
  for (const p of paths) {
    const st = await fsp.stat(p).catch(() => null);
    if (!st) throw new Error(`${p}: no such file or directory`);
    const base = p.replace(/\/+$/, '').split('/').pop() ?? p;
    await walk(p, base === '.' || base === '' ? '' : base);
  }
  return out;
}
