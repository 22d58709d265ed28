/**
 * The datasets service (issue 10): one object the composition root builds and the routes call, made of
 * parts with one job each — catalog (datasets, sharing), versions (open, commit, delete, read, import),
 * uploads (tus), garbage collection and purge, and job mounts.
 */
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/types.ts';
import type { Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import { DatasetCatalog } from './catalog.ts';
import { DatasetsEnv, DEFAULT_DATA_CONFIG, type DataConfig } from './env.ts';
import { collectGarbage, purgeDataset, type GcReport } from './gc.ts';
import { loadMasterKey } from './keys.ts';
import { DatasetMounts } from './mounts.ts';
import { Uploads } from './uploads.ts';
import { DatasetVersions } from './versions.ts';

export class DatasetService {
  readonly env: DatasetsEnv;
  readonly catalog: DatasetCatalog;
  readonly versions: DatasetVersions;
  readonly uploads: Uploads;
  readonly mounts: DatasetMounts;

  constructor(ctx: ServiceContext, blobs: BlobStore, masterKey: Buffer, config: DataConfig) {
    this.env = new DatasetsEnv(ctx, blobs, masterKey, config);
    this.catalog = new DatasetCatalog(this.env);
    this.versions = new DatasetVersions(this.env);
    this.uploads = new Uploads(this.env, this.versions);
    this.mounts = new DatasetMounts(this.env);
  }

  /** Builds the service with its files under CHEOMDAN_HOME (master key, uploads, cache) unless told otherwise. */
  static async open(ctx: ServiceContext, blobs: BlobStore, config: Partial<DataConfig> = {}): Promise<DatasetService> {
    const home = ctx.config.home;
    const key = await loadMasterKey(join(home, 'secrets', 'data.key'));
    return new DatasetService(ctx, blobs, key, {
      defaultQuotaBytes: config.defaultQuotaBytes ?? DEFAULT_DATA_CONFIG.defaultQuotaBytes,
      retentionMs: config.retentionMs ?? DEFAULT_DATA_CONFIG.retentionMs,
      uploadExpiryMs: config.uploadExpiryMs ?? DEFAULT_DATA_CONFIG.uploadExpiryMs,
      uploadsDir: config.uploadsDir ?? join(home, 'uploads'),
      cacheDir: config.cacheDir ?? join(home, 'datasets-cache'),
    });
  }

  async gc(opts: { graceMs?: number } = {}): Promise<GcReport> {
    const report = await collectGarbage(this.env, this.uploads, opts);
    await this.mounts.sweep();
    return report;
  }

  purge(actor: Actor, ref: string): Promise<{ erasedVersions: number; erasedChunks: number }> {
    return purgeDataset(this.env, actor, ref);
  }
}

export type { DataConfig } from './env.ts';
