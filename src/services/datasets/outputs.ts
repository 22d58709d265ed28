/**
 * A job's output saved as a dataset version (`--save-output NAME[:PATH]`, `#CHEOMDAN --save-output`), so
 * data accumulates from the cluster's own work. At submit the dataset is resolved in the job's organization
 * and checked as its submitter may write it (a job that mounts a restricted dataset may save only into a
 * restricted one: its output may hold what it read). Before the job starts, the directory is made (owned by
 * the job's owner) and the job is told it as `CHEOMDAN_OUTPUT_DIR`. When the job succeeds (exit 0), its
 * files become the next version: the latest committed version plus the directory's files (same paths
 * replaced), as `datasets append` does, recorded with the job as its source. A failed, cancelled or timed
 * out job saves nothing (the row says why). A save cut short by a restart is done again after it.
 *
 * The server may run as root while the directory belongs to the job's owner, so nothing in it is trusted:
 * links are never followed (files are opened with O_NOFOLLOW and checked to be regular files after the
 * open), and when jobs run as their owners only files that owner owns are read — a job cannot make the
 * server copy a file its owner could not read.
 */
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { cheomdanDirectives, parseOutputRef } from '../../core/datasets.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asTenantId, asUserId, type JobId } from '../../core/ids.ts';
import { TERMINAL_STATES, type JobState } from '../../core/jobState.ts';
import type { JobOwner } from '../../executors/types.ts';
import type { DatasetMountRecord, DatasetOutputRecord, JobRecord } from '../../store/records.ts';
import { actorFor, type Actor } from '../actor.ts';
import { mustWrite, notFound } from './access.ts';
import type { DatasetsEnv } from './env.ts';
import { ingest, recordFile } from './ingest.ts';
import type { DatasetVersions } from './versions.ts';

/** Job states after which a save is decided (the job will not run again). */
export const FINISHED_STATES: readonly JobState[] = [...TERMINAL_STATES];

export const OUTPUT_ENV = 'CHEOMDAN_OUTPUT_DIR';

export class DatasetOutputs {
  /** One save per job at a time (a job change and the restart sweep may meet). */
  readonly #inFlight = new Map<string, Promise<DatasetOutputRecord | undefined>>();

  constructor(
    private readonly env: DatasetsEnv,
    private readonly versions: DatasetVersions,
    /** The Unix account a user's jobs run as (absent: single-user mode, jobs run as the server's user). */
    private readonly ownerOf?: (userId: string) => Promise<JobOwner | undefined>,
  ) {}

  /** What a submission asks (the body's `saveOutput`, else one `#CHEOMDAN --save-output` line); the error names it. */
  async resolve(actor: Actor, fromBody: string | undefined, script: string, jobId: JobId, mounts: readonly DatasetMountRecord[]): Promise<DatasetOutputRecord | null> {
    const lines = cheomdanDirectives(script, 'save-output');
    if (fromBody === undefined && lines.length > 1) throw bad(`the script has ${lines.length} #CHEOMDAN --save-output lines; a job saves its output to one dataset`);
    const text = fromBody ?? lines[0];
    if (text === undefined) return null;
    const ref = parseOutputRef(text);
    if ('error' in ref) throw bad(ref.error);
    if (actor.tenantId === null) throw bad('operators without an organization submit no jobs that save output; submit as a member of the organization');
    const d = await this.env.store.datasets.byName(asTenantId(actor.tenantId), ref.name);
    if (!d) {
      throw new CheomdanError('not_found', `${notFound(ref.name).message}; create it first (\`cheomdan datasets create ${ref.name}\`), then submit with --save-output ${text}`, {
        errors: [{ path: 'saveOutput', message: `no dataset "${ref.name}"` }],
      });
    }
    await mustWrite(this.env.store, actor, d, ref.name);
    if (d.sensitivity !== 'restricted') {
      for (const m of mounts) {
        const read = await this.env.store.datasets.get(m.datasetId);
        if (read?.sensitivity === 'restricted') {
          throw bad(`the job reads restricted dataset "${read.name}", so its output may hold restricted data: save it to a restricted dataset, not "${d.name}" (${d.sensitivity})`);
        }
      }
    }
    const now = this.env.ctx.clock();
    return { jobId, datasetId: d.id, path: ref.path, state: 'pending', versionId: null, message: 'saved when the job completes', createdAt: now, updatedAt: now };
  }

  /** Makes the output directory before the job starts (the job's owner's) and returns where it is. */
  async prepare(job: JobRecord, owner: JobOwner | undefined): Promise<Record<string, string>> {
    const o = await this.env.store.datasets.outputs.get(job.id);
    if (!o) return {};
    let at = job.workingDirectory;
    for (const seg of o.path.split('/')) {
      at = join(at, seg);
      const made = await fsp.mkdir(at, { mode: 0o700 }).then(() => true, (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw new CheomdanError('executor_failed', `cannot make the output directory ${at}: ${e.code}`);
        return false;
      });
      if (made && owner) await fsp.lchown(at, owner.uid, owner.gid);
      if (!made && !(await fsp.lstat(at)).isDirectory()) {
        throw new CheomdanError('executor_failed', `the output directory ${at} (--save-output) exists and is not a directory`);
      }
    }
    return { [OUTPUT_ENV]: join(job.workingDirectory, ...o.path.split('/')) };
  }

  /** Decides a finished job's save (idempotent; concurrent calls share one). */
  save(jobId: JobId): Promise<DatasetOutputRecord | undefined> {
    let p = this.#inFlight.get(jobId);
    if (!p) {
      p = this.#save(jobId).finally(() => this.#inFlight.delete(jobId));
      this.#inFlight.set(jobId, p);
    }
    return p;
  }

  /** Saves left pending by a restart; returns how many were decided. */
  async sweep(): Promise<number> {
    const pending = await this.env.store.datasets.outputs.pending(FINISHED_STATES);
    for (const o of pending) await this.save(o.jobId);
    return pending.length;
  }

  async #save(jobId: JobId): Promise<DatasetOutputRecord | undefined> {
    const { store } = this.env;
    const o = await store.datasets.outputs.get(jobId);
    const job = await store.jobs.get(jobId);
    if (!o || o.state !== 'pending' || !job || !TERMINAL_STATES.has(job.state)) return o;
    const finish = async (state: DatasetOutputRecord['state'], versionId: string | null, message: string) => {
      await store.datasets.outputs.finish(jobId, { state, versionId, message }, this.env.ctx.clock());
      await store.events.append({ jobId, at: this.env.ctx.clock(), kind: 'info', fromState: null, toState: null, message: `output: ${message}` });
      return store.datasets.outputs.get(jobId);
    };
    if (job.state !== 'succeeded') return finish('skipped', null, `not saved: the job ended ${job.state}${job.exitCode !== null ? ` (exit code ${job.exitCode})` : ''}`);
    const d = await store.datasets.get(o.datasetId);
    const user = await store.users.get(asUserId(job.userId));
    if (!d || d.deletedAt !== null || !user) return finish('failed', null, 'not saved: the dataset or the job\'s owner no longer exists');
    // A version of an earlier attempt of this save that reached its commit is the save.
    const earlier = (await store.datasets.versions.list(d.id)).filter((v) => v.sourceJobId === jobId);
    const done = earlier.find((v) => v.state === 'committed');
    if (done) return finish('saved', done.id, `saved as version ${done.number} of "${d.name}"`);
    for (const v of earlier) if (v.state === 'open') await store.datasets.versions.markDeleted(v.id, this.env.ctx.clock());
    const actor = actorFor(user);
    const dir = join(job.workingDirectory, ...o.path.split('/'));
    try {
      await mustWrite(store, actor, d, d.name);
      const owner = await this.ownerOf?.(job.userId);
      const files = await collect(dir, owner);
      if (files.length === 0) return finish('skipped', null, `not saved: ${dir} holds no files`);
      const bytes = files.reduce((s, f) => s + f.size, 0);
      await this.versions.checkQuota(d, bytes, `saving the output of job ${jobId}`);
      const v = await this.versions.openFor(d, actor, { empty: false, message: `output of job ${jobId}`, remove: [] }, jobId);
      const space = await this.env.space(d);
      try {
        for (const f of files) {
          const handle = await openPlain(f.abs, owner);
          try {
            await recordFile(this.env, d, space, v.id, f.rel, await ingest(space, handle.createReadStream({ autoClose: false })));
          } finally {
            await handle.close();
          }
        }
      } catch (e) {
        await store.datasets.versions.markDeleted(v.id, this.env.ctx.clock());
        throw e;
      }
      const committed = await this.versions.commitFor(d, v, actor, `output of job ${jobId}`);
      await this.env.audit(actor, 'dataset.save_output', d.id, { version: committed.number, jobId, directory: dir, files: files.length, bytes });
      return finish('saved', committed.id, `saved ${files.length} file${files.length === 1 ? '' : 's'} from ${dir} as version ${committed.number} of "${d.name}"`);
    } catch (e) {
      return finish('failed', null, `not saved: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

interface OutputFile {
  abs: string;
  rel: string;
  size: number;
}

/** The directory's regular files (links and other kinds are skipped; its owner's only, when jobs have owners). */
async function collect(root: string, owner: JobOwner | undefined): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  const top = await fsp.lstat(root).catch(() => null);
  if (!top) throw new Error(`the job left no directory ${root}`);
  if (!top.isDirectory()) throw new Error(`${root} is not a directory`);
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      const st = await fsp.lstat(abs);
      if (owner && st.uid !== owner.uid) continue;
      if (st.isDirectory()) await visit(abs, r);
      else if (st.isFile()) out.push({ abs, rel: r, size: st.size });
    }
  };
  await visit(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Opens a file without following a link, and checks what was opened (it may have changed since the walk). */
async function openPlain(path: string, owner: JobOwner | undefined) {
  const handle = await fsp.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const st = await handle.stat();
  if (!st.isFile() || (owner && st.uid !== owner.uid)) {
    await handle.close();
    throw new Error(`${path} changed while it was being saved (not a regular file of the job's owner)`);
  }
  return handle;
}

const bad = (message: string) => new CheomdanError('validation_failed', message, { errors: [{ path: 'saveOutput', message }] });
