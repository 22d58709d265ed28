/**
 * The filesystem blob driver (the embedded default, under CHEOMDAN_HOME/blobs): one file per key, fanned
 * out by the key's last segment's first two characters (a directory `=ab`, a name no key segment can
 * have, so a fan-out never collides with a key's own directories) so no directory holds millions of entries. A put
 * writes a temporary file beside the target, fsyncs it, renames it into place and fsyncs the directory, so
 * a crash leaves either the whole blob or none (a stray `.tmp-*` file is swept by the next `list`).
 * Files are 0600 and directories 0700: only the server's user reads them.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { BlobNotFound, checkKey, type BlobStore } from './types.ts';

export class FsBlobStore implements BlobStore {
  readonly name: string;
  readonly #root: string;
  /** Directories known to exist (one mkdir fewer per put). */
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.#root = root;
    this.name = `fs:${root}`;
  }

  #path(key: string): string {
    checkKey(key);
    const cut = key.lastIndexOf('/');
    const last = key.slice(cut + 1);
    return join(this.#root, key.slice(0, cut + 1), `=${last.slice(0, 2)}`, last);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.#path(key);
    if (await exists(path)) return;
    const dir = dirname(path);
    if (!this.#dirs.has(dir)) {
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      this.#dirs.add(dir); // fan-out directories are few (256 per namespace) and never removed
    }
    await writeDurably(path, data, join(dir, `.tmp-${randomBytes(6).toString('hex')}`));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.#path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(key, this.name);
      throw e;
    }
  }

  has(key: string): Promise<boolean> {
    return exists(this.#path(key));
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.#path(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<string> {
    const start = join(this.#root, prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '');
    for await (const file of walk(start)) {
      const rel = relative(this.#root, file).split(sep);
      const name = rel[rel.length - 1]!;
      if (name.startsWith('.tmp-')) {
        await fsp.rm(file, { force: true }); // a put that crashed before its rename
        continue;
      }
      // Undo the fan-out: …/=ab/abcdef → …/abcdef.
      const key = rel.filter((segment) => !segment.startsWith('=')).join('/');
      if (key.startsWith(prefix)) yield key;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a whole file so that a crash leaves the old content or the new, never part: a temporary file
 * (0600) written and fsynced, renamed over `path`, and the directory fsynced so the rename survives too.
 */
export async function writeDurably(path: string, data: Uint8Array, tmp = `${path}.tmp`): Promise<void> {
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function* walk(dir: string): AsyncIterable<string> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}
