/**
 * Datasets in jobs. At submit, each `NAME[@VERSION][:MOUNT]` the job names is resolved as its submitter
 * may read it and pinned to one committed version (garbage collection never takes a pinned version while
 * the job is pending or running). Before the job starts, each version is materialised from its chunks into
 * a cache directory (one copy per version and Unix group: owned by root, group of the job's owner, files
 * 0640 / directories 0750, so the owner reads it and cannot change it, and no other user of the node reads
 * it; in single-user mode one copy per version, 0400/0500), reused by later jobs, and the job is told where
 * it is: `CHEOMDAN_DATASET_<NAME>`, and a link at `$CHEOMDAN_JOB_DIR/<MOUNT>` (default `datasets/<name>`; the
 * job's own directory, where its logs are — the working directory may be shared by several jobs).
 * A restricted dataset is checked again at start (a grant revoked since the submit refuses the start) and
 * every mount is audited (who, which version, which job).
 *
 * Cost: materialising copies the version once per cache key (its bytes are read and checked chunk by
 * chunk, then written); bench/datasets measures it. On Slurm the cache directory must be on a filesystem
 * the nodes share (CHEOMDAN_HOME on shared storage, or `data.cacheDir`).
 */
import { chown, lchown, lstat, mkdir, rename, rm, stat, symlink, chmod, readdir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { datasetEnvName, parseDatasetRef } from '../../core/datasets.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asUserId, type JobId } from '../../core/ids.ts';
import type { JobOwner } from '../../executors/types.ts';
import type { DatasetMountRecord, JobRecord } from '../../store/records.ts';
import { actorFor, type Actor } from '../actor.ts';
import { canRead, mustRead } from './access.ts';
import type { DatasetsEnv } from './env.ts';
import { PINNING_STATES } from './gc.ts';

export const MAX_DATASETS_PER_JOB = 16;

export class DatasetMounts {
  /** One materialisation per cache key at a time (two jobs starting together share it). */
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(private readonly env: DatasetsEnv) {}

  /** Resolves and pins what a submission names; the error names the reference that is wrong. */
  async resolve(actor: Actor, refs: readonly string[], jobId: JobId): Promise<DatasetMountRecord[]> {
    if (refs.length > MAX_DATASETS_PER_JOB) throw bad(`a job mounts at most ${MAX_DATASETS_PER_JOB} datasets; it names ${refs.length}`);
    const out: DatasetMountRecord[] = [];
    for (const text of refs) {
      const ref = parseDatasetRef(text);
      if ('error' in ref) throw bad(ref.error);
      const name = ref.org ? `${ref.org}/${ref.name}` : ref.name;
      const d = await this.env.resolve(actor, name);
      await mustRead(this.env.store, actor, d, name);
      const v = await this.env.version(d, ref.version, { committedOnly: true });
      const envName = datasetEnvName(d.name);
      const mountPath = ref.mount ?? `datasets/${d.name}`;
      const clash = out.find((m) => m.envName === envName || m.mountPath === mountPath || m.datasetId === d.id);
      if (clash) {
        throw bad(clash.datasetId === d.id
          ? `the job names dataset "${d.name}" twice; mount one version of it`
          : `"${text}" clashes with another dataset of the job: both would be ${clash.envName === envName ? `$${envName}` : `at ${mountPath}`}; give one a different mount (NAME:path) — names differing only in case or punctuation share a variable`);
      }
      out.push({ jobId, datasetId: d.id, versionId: v.id, mountPath, envName, createdAt: this.env.ctx.clock() });
    }
    return out;
  }

  /** Materialises a starting job's datasets and returns the environment that tells it where they are. */
  async prepare(job: JobRecord, owner: JobOwner | undefined): Promise<Record<string, string>> {
    const mounts = await this.env.store.datasets.mounts.ofJob(job.id);
    if (mounts.length === 0) return {};
    const user = await this.env.store.users.get(asUserId(job.userId));
    if (!user) throw new CheomdanError('executor_failed', `the owner of job ${job.id} no longer exists`);
    const actor = actorFor(user);
    const jobDir = dirname(job.stdoutPath);
    // Links are made in the job's own directory, never in the working directory: two jobs submitted from
    // one directory may mount different versions at the same path.
    const environment: Record<string, string> = { CHEOMDAN_JOB_DIR: jobDir };
    for (const m of mounts) {
      const d = await this.env.store.datasets.get(m.datasetId);
      const v = await this.env.store.datasets.versions.get(m.versionId);
      if (!d || !v || v.state !== 'committed') throw new CheomdanError('executor_failed', `a dataset job ${job.id} mounts (${m.envName}) was deleted or purged since it was submitted`);
      if (!(await canRead(this.env.store, actor, d))) {
        throw new CheomdanError('forbidden', `${user.email} may no longer read dataset "${d.name}" (access was revoked since the job was submitted)`);
      }
      const dir = await this.#materialise(m.versionId, owner);
      environment[m.envName] = dir;
      const segments = m.mountPath.split('/');
      const link = join(jobDir, ...segments);
      // Directories on the way to the link belong to the job's owner, as the job directory does.
      let at = jobDir;
      for (const seg of segments.slice(0, -1)) {
        at = join(at, seg);
        if (await mkdir(at, { mode: 0o700 }).then(() => true, (e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; return false; })) {
          if (owner) await lchown(at, owner.uid, owner.gid);
        } else {
          // Left by an earlier attempt, in a directory the job could change: never follow a link the job made.
          const st = await lstat(at);
          if (!st.isDirectory() || (owner && st.uid !== owner.uid && st.uid !== 0)) {
            throw new CheomdanError('executor_failed', `cannot link dataset ${m.envName} at ${m.mountPath}: ${at} is not a plain directory of the job`);
          }
        }
      }
      await rm(link, { force: true }); // a link of an earlier attempt
      await symlink(dir, link);
      if (owner) await lchown(link, owner.uid, owner.gid).catch(() => undefined);
      await this.env.audit(actor, 'dataset.mount', d.id, { version: v.number, jobId: job.id, path: dir, sensitivity: d.sensitivity });
    }
    return environment;
  }

  /** Removes cache copies no pending or running job needs. */
  async sweep(): Promise<number> {
    const pinned = new Set(await this.env.store.datasets.mounts.pinnedVersionIds(PINNING_STATES));
    let removed = 0;
    for (const name of await readdir(this.env.config.cacheDir).catch(() => [] as string[])) {
      const versionId = name.replace(/-(u\d+|shared)(\.tmp-\d+)?$/, '');
      if (pinned.has(versionId) || this.#inFlight.has(name)) continue;
      await removeTree(join(this.env.config.cacheDir, name));
      removed++;
    }
    return removed;
  }

  #materialise(versionId: string, owner: JobOwner | undefined): Promise<string> {
    const key = `${versionId.replace(/[^A-Za-z0-9_-]/g, '_')}-${owner ? `u${owner.gid}` : 'shared'}`;
    let p = this.#inFlight.get(key);
    if (!p) {
      p = this.#build(key, versionId, owner).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, p);
    }
    return p;
  }

  async #build(key: string, versionId: string, owner: JobOwner | undefined): Promise<string> {
    const root = this.env.config.cacheDir;
    const final = join(root, key);
    if (await stat(join(final, '.cheomdan-complete')).then(() => true, () => false)) return final;
    await mkdir(root, { recursive: true });
    await chmod(root, 0o711); // jobs pass through to their own copies (the server's umask may be 077)
    const tmp = `${final}.tmp-${process.pid}`;
    await removeTree(tmp);
    await mkdir(tmp, { mode: 0o700 });
    const v = (await this.env.store.datasets.versions.get(versionId))!;
    const d = (await this.env.store.datasets.get(v.datasetId))!;
    const space = await this.env.space(d);
    const dirs = new Set<string>([tmp]);
    const files: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.env.store.datasets.files.list(versionId, { ...(after !== undefined ? { after } : {}), limit: 1000 });
      for (const f of page) {
        const dest = join(tmp, ...f.path.split('/'));
        const parent = dirname(dest);
        if (!dirs.has(parent)) {
          await mkdir(parent, { recursive: true, mode: 0o700 });
          for (let p = parent; p.startsWith(tmp) && !dirs.has(p); p = dirname(p)) dirs.add(p);
        }
        await pipeline(space.stream(f, `dataset "${d.name}" version ${v.number} file "${f.path}"`), createWriteStream(dest, { mode: 0o600 }));
        files.push(dest);
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.path;
    }
    await mkdir(join(tmp, '.cheomdan-complete'), { mode: 0o500 });
    // Read-only for the job's owner (through the group), nothing for anyone else.
    for (const f of files) {
      if (owner) await chown(f, 0, owner.gid);
      await chmod(f, owner ? 0o640 : 0o400);
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      if (owner) await chown(dir, 0, owner.gid);
      await chmod(dir, owner ? 0o750 : 0o500);
    }
    await rename(tmp, final).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      await removeTree(tmp); // another process made it first
    });
    return final;
  }
}

/** rm -rf of a read-only tree: without root, its directories are made writable first. */
async function removeTree(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    const open = async (p: string): Promise<void> => {
      const st = await stat(p).catch(() => null);
      if (!st?.isDirectory()) return;
      await chmod(p, 0o700);
      for (const e of await readdir(p)) await open(join(p, e));
    };
    await open(dir);
  }
  await rm(dir, { recursive: true, force: true });
}

const bad = (message: string) => new CheomdanError('validation_failed', message, { errors: [{ path: 'datasets', message }] });
