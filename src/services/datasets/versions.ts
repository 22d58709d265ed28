/**
 * Versions of a dataset: open one (empty, or from an earlier version minus some paths), write its files
 * (uploads.ts, imports here), commit it (one row: from then on it never changes), delete it (soft, with a
 * retention window), list and read its files. Reading a restricted dataset's content is audited per read.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { DatasetVersion, FileList, VersionCreate } from '../../contract/datasets.ts';
import { pathProblem } from '../../core/datasets.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { DatasetFileRecord, DatasetRecord, DatasetVersionRecord } from '../../store/records.ts';
import { requireOperator, type Actor } from '../actor.ts';
import { mustAdminister, mustRead, mustWrite } from './access.ts';
import { quotaMessage, versionView } from './catalog.ts';
import type { DatasetsEnv } from './env.ts';
import { ingest, recordFile } from './ingest.ts';

export class DatasetVersions {
  constructor(private readonly env: DatasetsEnv) {}

  /** Opens a new version (the next number), starting from the latest committed one unless told otherwise. */
  async open(actor: Actor, ref: string, input: z.infer<typeof VersionCreate>, opts: { sourceJobId?: string } = {}): Promise<DatasetVersion> {
    const d = await this.env.resolve(actor, ref);
    await mustWrite(this.env.store, actor, d, ref);
    const v = await this.openFor(d, actor, input, opts.sourceJobId ?? null);
    return this.view(d, v);
  }

  async openFor(d: DatasetRecord, actor: Actor, input: z.infer<typeof VersionCreate>, sourceJobId: string | null): Promise<DatasetVersionRecord> {
    const { store } = this.env;
    let parent: DatasetVersionRecord | null = null;
    if (!input.empty) {
      if (input.from !== undefined) parent = await this.env.version(d, input.from, { committedOnly: true });
      else parent = (await store.datasets.versions.list(d.id)).find((v) => v.state === 'committed') ?? null;
    }
    const now = this.env.ctx.clock();
    for (let attempt = 0; ; attempt++) {
      try {
        return await store.transaction(async (tx) => {
          const v: DatasetVersionRecord = {
            id: this.env.ctx.ids('dsv'), datasetId: d.id, number: (await tx.datasets.versions.maxNumber(d.id)) + 1, parentId: parent?.id ?? null,
            state: 'open', message: input.message, fileCount: 0, totalBytes: 0, newBytes: 0, sourceJobId: sourceJobId as DatasetVersionRecord['sourceJobId'],
            createdBy: actor.user.id, createdAt: now, committedAt: null, deletedAt: null,
          };
          await tx.datasets.versions.create(v);
          if (parent) {
            await tx.datasets.files.copy(parent.id, v.id);
            for (const p of input.remove) {
              if ((await tx.datasets.files.removeTree(v.id, p)) === 0) {
                throw new CheomdanError('validation_failed', `version ${parent.number} of "${d.name}" has no file or directory "${p}" to remove`, { errors: [{ path: 'remove', message: `no "${p}"` }] });
              }
            }
          } else if (input.remove.length > 0) {
            throw new CheomdanError('validation_failed', 'a version that starts empty has nothing to remove', { errors: [{ path: 'remove', message: 'nothing to remove' }] });
          }
          return v;
        });
      } catch (e) {
        // Two versions opened at once took the same number: take the next.
        if (e instanceof CheomdanError && e.code === 'conflict' && attempt < 5) continue;
        throw e;
      }
    }
  }

  /** Commits an open version: every upload into it must be complete; from then on it never changes. */
  async commit(actor: Actor, ref: string, n: number, message?: string): Promise<DatasetVersion> {
    const d = await this.env.resolve(actor, ref);
    await mustWrite(this.env.store, actor, d, ref);
    const v = await this.env.version(d, n);
    if (v.state !== 'open') throw new CheomdanError('conflict', `version ${n} of "${d.name}" is committed already: committed versions never change; open a new one`);
    return this.view(d, await this.commitFor(d, v, actor, message));
  }

  async commitFor(d: DatasetRecord, v: DatasetVersionRecord, actor: Actor, message?: string): Promise<DatasetVersionRecord> {
    const { store } = this.env;
    const now = this.env.ctx.clock();
    await store.transaction(async (tx) => {
      const open = (await tx.datasets.uploads.ofVersion(v.id)).filter((u) => u.state === 'open');
      if (open.length > 0) {
        throw new CheomdanError('conflict', `version ${v.number} of "${d.name}" has ${open.length} unfinished upload(s) (${open.slice(0, 3).map((u) => `${u.path}: ${u.offset} of ${u.length} bytes`).join('; ')}); finish or cancel them, then commit`);
      }
      const totals = await tx.datasets.files.totals(v.id);
      if (!(await tx.datasets.versions.commit(v.id, { ...totals, ...(message !== undefined ? { message } : {}) }, now))) {
        throw new CheomdanError('conflict', `version ${v.number} of "${d.name}" is committed already`);
      }
      for (const u of await tx.datasets.uploads.ofVersion(v.id)) await tx.datasets.uploads.delete(u.id);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'dataset.version.commit', subject: d.id, detail: { version: v.number, ...totals } });
    });
    return (await store.datasets.versions.get(v.id))!;
  }

  /** Soft-deletes a version (open or committed): listed as deleted, its content collected after the retention window. */
  async remove(actor: Actor, ref: string, n: number): Promise<DatasetVersion> {
    const d = await this.env.resolve(actor, ref);
    await mustAdminister(this.env.store, actor, d, ref);
    const v = await this.env.version(d, n);
    const now = this.env.ctx.clock();
    await this.env.store.transaction(async (tx) => {
      await tx.datasets.versions.markDeleted(v.id, now);
      for (const u of await tx.datasets.uploads.ofVersion(v.id)) await tx.datasets.uploads.delete(u.id);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'dataset.version.delete', subject: d.id, detail: { version: n } });
    });
    return this.view(d, (await this.env.store.datasets.versions.get(v.id))!);
  }

  async files(actor: Actor, ref: string, n: number | null, q: { prefix?: string | undefined; after?: string | undefined; limit: number }): Promise<z.infer<typeof FileList>> {
    const d = await this.env.resolve(actor, ref);
    const v = await this.env.version(d, n);
    const rows = await this.env.store.datasets.files.list(v.id, { ...(q.after !== undefined ? { after: q.after } : {}), ...(q.prefix !== undefined ? { prefix: q.prefix } : {}), limit: q.limit + 1 });
    const items = rows.slice(0, q.limit).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
    return { items, next: rows.length > q.limit ? items[items.length - 1]!.path : null };
  }

  /** Removes files (or whole directories) from an open version. */
  async removeFiles(actor: Actor, ref: string, n: number, paths: readonly string[]): Promise<number> {
    const d = await this.env.resolve(actor, ref);
    await mustWrite(this.env.store, actor, d, ref);
    const v = await this.env.version(d, n);
    if (v.state !== 'open') throw new CheomdanError('conflict', `version ${n} of "${d.name}" is committed: committed versions never change; open a new one (\`--remove\` leaves paths out)`);
    let removed = 0;
    await this.env.store.transaction(async (tx) => {
      for (const p of paths) removed += await tx.datasets.files.removeTree(v.id, p);
    });
    return removed;
  }

  /**
   * A file's content (or the bytes [start, end)), checked chunk by chunk while it streams. Restricted
   * datasets: readable only with a grant, and every read is audited (who, which version and file, which bytes).
   */
  async read(
    actor: Actor, ref: string, n: number | null, path: string,
    rangeOf: (size: number) => { start: number; end: number | null } | null | 'unsatisfiable' = () => null,
  ): Promise<{ file: DatasetFileRecord; version: DatasetVersionRecord; dataset: DatasetRecord; start: number; end: number; partial: boolean; body: Readable }> {
    const d = await this.env.resolve(actor, ref);
    await mustRead(this.env.store, actor, d, ref);
    const v = await this.env.version(d, n);
    const file = await this.env.store.datasets.files.get(v.id, path);
    if (!file) throw new CheomdanError('not_found', `version ${v.number} of "${d.name}" has no file "${path}"`);
    const range = rangeOf(file.size);
    if (range === 'unsatisfiable') {
      throw new CheomdanError('range_not_satisfiable', `the range asked for is outside "${path}" (${file.size} bytes)`, { extra: { size: file.size } });
    }
    const start = range?.start ?? 0;
    const end = range?.end === null || range?.end === undefined ? file.size : Math.min(file.size, range.end);
    const space = await this.env.space(d);
    if (d.sensitivity === 'restricted') {
      await this.env.audit(actor, 'dataset.read', d.id, { version: v.number, path, start, end, via: 'api' });
    }
    return { file, version: v, dataset: d, start, end, partial: range !== null, body: space.stream(file, `dataset "${d.name}" version ${v.number} file "${path}"`, start, end) };
  }

  /**
   * Operators: makes a directory on the server the content of a new version without copying it over
   * HTTP (its files are chunked into the store; the directory is not changed).
   */
  async importDirectory(actor: Actor, ref: string, directory: string, message: string): Promise<DatasetVersion> {
    requireOperator(actor, 'import a server directory');
    const d = await this.env.resolve(actor, ref);
    const st = await fsp.stat(directory).catch(() => null);
    if (!st?.isDirectory()) throw new CheomdanError('validation_failed', `"${directory}" is not a directory on the server`, { errors: [{ path: 'directory', message: 'not a directory' }] });
    const files: { abs: string; rel: string; size: number }[] = [];
    for await (const abs of walk(directory)) {
      const rel = relative(directory, abs).split(sep).join('/');
      const why = pathProblem(rel);
      if (why !== null) throw new CheomdanError('validation_failed', `"${rel}" cannot be a dataset path: ${why}`, { errors: [{ path: 'directory', message: why }] });
      files.push({ abs, rel, size: (await fsp.stat(abs)).size });
    }
    const need = files.reduce((s, f) => s + f.size, 0);
    await this.checkQuota(d, need, `importing ${directory}`);
    const v = await this.openFor(d, actor, { empty: false, message, remove: [] }, null);
    const space = await this.env.space(d);
    try {
      for (const f of files) await recordFile(this.env, d, space, v.id, f.rel, await ingest(space, createReadStream(f.abs)));
    } catch (e) {
      await this.env.store.datasets.versions.markDeleted(v.id, this.env.ctx.clock());
      throw e;
    }
    await this.env.audit(actor, 'dataset.import', d.id, { version: v.number, directory, files: files.length, bytes: need });
    return this.view(d, await this.commitFor(d, v, actor));
  }

  async checkQuota(d: DatasetRecord, need: number, what: string): Promise<void> {
    const s = await this.env.storage(d.tenantId);
    if (s.usedBytes + s.reservedBytes + need > s.quotaBytes) {
      throw new CheomdanError('storage_quota_exceeded', quotaMessage(what, need, s), { extra: { ...s, neededBytes: need } });
    }
  }

  async view(d: DatasetRecord, v: DatasetVersionRecord): Promise<DatasetVersion> {
    const numbers = new Map((await this.env.store.datasets.versions.list(d.id)).map((x) => [x.id, x.number]));
    return versionView(v, numbers, this.env.config.retentionMs);
  }
}

async function* walk(dir: string): AsyncIterable<string> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}
