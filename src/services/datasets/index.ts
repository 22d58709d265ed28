/**
 * The datasets service (issue 10): one object the composition root builds and the routes call, made of
 * parts with one job each — catalog (datasets, sharing), versions (open, commit, delete, read, import),
 * uploads (tus), garbage collection and purge, job mounts, and jobs' outputs saved as versions.
 */
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/types.ts';
import type { JobId } from '../../core/ids.ts';
import type { JobOwner } from '../../executors/types.ts';
import type { DatasetMountRecord, DatasetOutputRecord, JobRecord } from '../../store/records.ts';
import type { Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import { DatasetCatalog } from './catalog.ts';
import { DatasetsEnv, DEFAULT_DATA_CONFIG, type DataConfig } from './env.ts';
import { collectGarbage, purgeDataset, type GcReport } from './gc.ts';
import { loadMasterKey } from './keys.ts';
import { DatasetMounts } from './mounts.ts';
import { DatasetOutputs } from './outputs.ts';
import { Uploads } from './uploads.ts';
import { DatasetVersions } from './versions.ts';

export class DatasetService {
  readonly env: DatasetsEnv;
  readonly catalog: DatasetCatalog;
  readonly versions: DatasetVersions;
  readonly uploads: Uploads;
  readonly mounts: DatasetMounts;
  readonly outputs: DatasetOutputs;

  constructor(ctx: ServiceContext, blobs: BlobStore, masterKey: Buffer, config: DataConfig, ownerOf?: (userId: string) => Promise<JobOwner | undefined>) {
    this.env = new DatasetsEnv(ctx, blobs, masterKey, config);
    this.catalog = new DatasetCatalog(this.env);
    this.versions = new DatasetVersions(this.env);
    this.uploads = new Uploads(this.env, this.versions);
    this.mounts = new DatasetMounts(this.env);
    this.outputs = new DatasetOutputs(this.env, this.versions, ownerOf);
  }

  /** Builds the service with its files under CHEOMDAN_HOME (master key, uploads, cache) unless told otherwise. */
  static async open(ctx: ServiceContext, blobs: BlobStore, config: Partial<DataConfig> = {}, ownerOf?: (userId: string) => Promise<JobOwner | undefined>): Promise<DatasetService> {
    const home = ctx.config.home;
    const key = await loadMasterKey(join(home, 'secrets', 'data.key'));
    return new DatasetService(ctx, blobs, key, {
      defaultQuotaBytes: config.defaultQuotaBytes ?? DEFAULT_DATA_CONFIG.defaultQuotaBytes,
      retentionMs: config.retentionMs ?? DEFAULT_DATA_CONFIG.retentionMs,
      uploadExpiryMs: config.uploadExpiryMs ?? DEFAULT_DATA_CONFIG.uploadExpiryMs,
      uploadsDir: config.uploadsDir ?? join(home, 'uploads'),
      cacheDir: config.cacheDir ?? join(home, 'datasets-cache'),
    }, ownerOf);
  }

  /** What a submission names: the versions it mounts and where its output goes (pinned at submit). */
  async forSubmit(actor: Actor, refs: readonly string[], saveOutput: string | undefined, script: string, jobId: JobId): Promise<{ mounts: DatasetMountRecord[]; output: DatasetOutputRecord | null }> {
    const mounts = refs.length > 0 ? await this.mounts.resolve(actor, refs, jobId) : [];
    return { mounts, output: await this.outputs.resolve(actor, saveOutput, script, jobId, mounts) };
  }

  /** Readies a starting job's datasets and output directory; the environment that says where. */
  async prepare(job: JobRecord, owner: JobOwner | undefined): Promise<Record<string, string>> {
    return { ...(await this.mounts.prepare(job, owner)), ...(await this.outputs.prepare(job, owner)) };
  }

  async gc(opts: { graceMs?: number } = {}): Promise<GcReport> {
    const report = await collectGarbage(this.env, this.uploads, opts);
    await this.mounts.sweep();
    return report;
  }

  /** Records what each organization stores now, where it changed (storage is charged on these samples). */
  async sampleStorage(): Promise<number> {
    const { store, clock } = this.env.ctx;
    let n = 0;
    for (const t of await store.datasets.chunks.storingTenants()) {
      if (await store.datasets.chunks.sample(t, clock(), await store.datasets.chunks.storedBytes(t))) n++;
    }
    return n;
  }

  purge(actor: Actor, ref: string): Promise<{ erasedVersions: number; erasedChunks: number }> {
    return purgeDataset(this.env, actor, ref);
  }
}

export type { DataConfig } from './env.ts';
