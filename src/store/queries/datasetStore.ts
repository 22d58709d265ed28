/** The datasets part of the Store interface (issue 10), bound to one query context like the rest. */
import type { JobId, TenantId } from '../../core/ids.ts';
import type { JobState } from '../../core/jobState.ts';
import type {
  ChunkRef, DatasetAccessRecord, DatasetFileRecord, DatasetMountRecord, DatasetOutputRecord, DatasetRecord, DatasetVersionRecord, UploadRecord,
} from '../records.ts';
import type { QueryContext } from './context.ts';
import * as ds from './datasets.ts';
import * as chunks from './datasetChunks.ts';
import * as mounts from './datasetMounts.ts';
import * as outputs from './datasetOutputs.ts';
import * as versions from './datasetVersions.ts';
import * as uploads from './uploads.ts';

export interface DatasetStore {
  create(d: DatasetRecord): Promise<DatasetRecord>;
  get(id: string): Promise<DatasetRecord | undefined>;
  byName(tenantId: TenantId, name: string): Promise<DatasetRecord | undefined>;
  /** Live datasets a tenant can see (own, public, shared with it); all when null. */
  list(tenantId: TenantId | null): Promise<DatasetRecord[]>;
  update(id: string, patch: Partial<Pick<DatasetRecord, 'description' | 'licence' | 'visibility' | 'domain'>>): Promise<void>;
  delete(id: string, at: number): Promise<boolean>;
  access: {
    add(a: DatasetAccessRecord): Promise<void>;
    remove(datasetId: string, kind: DatasetAccessRecord['kind'], subjectId: string): Promise<boolean>;
    list(datasetId: string): Promise<DatasetAccessRecord[]>;
    has(datasetId: string, kind: DatasetAccessRecord['kind'], subjectId: string): Promise<boolean>;
  };
  versions: {
    create(v: DatasetVersionRecord): Promise<DatasetVersionRecord>;
    get(id: string): Promise<DatasetVersionRecord | undefined>;
    byNumber(datasetId: string, n: number): Promise<DatasetVersionRecord | undefined>;
    list(datasetId: string): Promise<DatasetVersionRecord[]>;
    listByState(states: readonly DatasetVersionRecord['state'][]): Promise<DatasetVersionRecord[]>;
    maxNumber(datasetId: string): Promise<number>;
    commit(id: string, totals: { fileCount: number; totalBytes: number; message?: string }, at: number): Promise<boolean>;
    addNewBytes(id: string, bytes: number): Promise<void>;
    markDeleted(id: string, at: number): Promise<boolean>;
    erase(id: string): Promise<void>;
  };
  files: {
    put(f: DatasetFileRecord): Promise<void>;
    remove(versionId: string, path: string): Promise<boolean>;
    removeTree(versionId: string, path: string): Promise<number>;
    get(versionId: string, path: string): Promise<DatasetFileRecord | undefined>;
    list(versionId: string, page?: { after?: string; limit?: number; prefix?: string }): Promise<DatasetFileRecord[]>;
    copy(fromVersionId: string, toVersionId: string): Promise<void>;
    totals(versionId: string): Promise<{ fileCount: number; totalBytes: number }>;
  };
  chunks: {
    record(namespace: string, tenantId: TenantId, list: readonly ChunkRef[], at: number): Promise<number>;
    has(namespace: string, sha: string): Promise<boolean>;
    storedBytes(tenantId: TenantId): Promise<number>;
    list(namespace?: string): Promise<{ namespace: string; sha256: string; size: number; createdAt: number }[]>;
    delete(namespace: string, sha: string): Promise<void>;
    /** Storage over time (migration 0011): a sample when what a tenant stores changed. */
    sample(tenantId: TenantId, at: number, bytes: number): Promise<boolean>;
    series(tenantId: TenantId, from: number, to: number): Promise<{ at: number; bytes: number }[]>;
    storingTenants(): Promise<TenantId[]>;
  };
  keys: {
    put(datasetId: string, wrapped: string, at: number): Promise<void>;
    get(datasetId: string): Promise<string | undefined>;
    delete(datasetId: string): Promise<boolean>;
  };
  uploads: {
    create(u: UploadRecord): Promise<UploadRecord>;
    get(id: string): Promise<UploadRecord | undefined>;
    advance(id: string, fromOffset: number, to: { offset: number; chunks: readonly ChunkRef[]; state: UploadRecord['state'] }, at: number): Promise<boolean>;
    delete(id: string): Promise<boolean>;
    ofVersion(versionId: string): Promise<UploadRecord[]>;
    list(): Promise<UploadRecord[]>;
    reservedBytes(tenantId: TenantId): Promise<number>;
  };
  mounts: {
    insert(list: readonly DatasetMountRecord[]): Promise<void>;
    ofJob(jobId: JobId): Promise<DatasetMountRecord[]>;
    pinnedVersionIds(states: readonly JobState[]): Promise<string[]>;
  };
  outputs: {
    insert(o: DatasetOutputRecord): Promise<void>;
    get(jobId: JobId): Promise<DatasetOutputRecord | undefined>;
    pending(jobStates: readonly JobState[]): Promise<DatasetOutputRecord[]>;
    finish(jobId: JobId, to: Pick<DatasetOutputRecord, 'state' | 'versionId' | 'message'>, at: number): Promise<boolean>;
  };
}

export function bindDatasetStore(ctx: QueryContext): DatasetStore {
  return {
    create: (d) => ds.createDataset(ctx, d),
    get: (id) => ds.getDataset(ctx, id),
    byName: (t, n) => ds.getDatasetByName(ctx, t, n),
    list: (t) => ds.listDatasets(ctx, t),
    update: (id, p) => ds.updateDataset(ctx, id, p),
    delete: (id, at) => ds.deleteDataset(ctx, id, at),
    access: {
      add: (a) => ds.addDatasetAccess(ctx, a),
      remove: (d, k, s) => ds.removeDatasetAccess(ctx, d, k, s),
      list: (d) => ds.listDatasetAccess(ctx, d),
      has: (d, k, s) => ds.hasDatasetAccess(ctx, d, k, s),
    },
    versions: {
      create: (v) => versions.createVersion(ctx, v),
      get: (id) => versions.getVersion(ctx, id),
      byNumber: (d, n) => versions.getVersionByNumber(ctx, d, n),
      list: (d) => versions.listVersions(ctx, d),
      listByState: (s) => versions.listVersionsByState(ctx, s),
      maxNumber: (d) => versions.maxVersionNumber(ctx, d),
      commit: (id, t, at) => versions.commitVersion(ctx, id, t, at),
      addNewBytes: (id, b) => versions.addNewBytes(ctx, id, b),
      markDeleted: (id, at) => versions.markVersionDeleted(ctx, id, at),
      erase: (id) => versions.eraseVersion(ctx, id),
    },
    files: {
      put: (f) => versions.putFile(ctx, f),
      remove: (v, p) => versions.removeFile(ctx, v, p),
      removeTree: (v, p) => versions.removeTree(ctx, v, p),
      get: (v, p) => versions.getFile(ctx, v, p),
      list: (v, page) => versions.listFiles(ctx, v, page),
      copy: (a, b) => versions.copyFiles(ctx, a, b),
      totals: (v) => versions.fileTotals(ctx, v),
    },
    chunks: {
      record: (ns, t, l, at) => chunks.recordChunks(ctx, ns, t, l, at),
      has: (ns, sha) => chunks.hasChunk(ctx, ns, sha),
      storedBytes: (t) => chunks.storedBytes(ctx, t),
      list: (ns) => chunks.listChunks(ctx, ns),
      delete: (ns, sha) => chunks.deleteChunk(ctx, ns, sha),
      sample: (t, at, b) => chunks.sampleStorage(ctx, t, at, b),
      series: (t, from, to) => chunks.storageSeries(ctx, t, from, to),
      storingTenants: () => chunks.storingTenants(ctx),
    },
    keys: {
      put: (d, w, at) => chunks.putDatasetKey(ctx, d, w, at),
      get: (d) => chunks.getDatasetKey(ctx, d),
      delete: (d) => chunks.deleteDatasetKey(ctx, d),
    },
    uploads: {
      create: (u) => uploads.createUpload(ctx, u),
      get: (id) => uploads.getUpload(ctx, id),
      advance: (id, from, to, at) => uploads.advanceUpload(ctx, id, from, to, at),
      delete: (id) => uploads.deleteUpload(ctx, id),
      ofVersion: (v) => uploads.listUploadsOfVersion(ctx, v),
      list: () => uploads.listUploads(ctx),
      reservedBytes: (t) => uploads.reservedUploadBytes(ctx, t),
    },
    mounts: {
      insert: (l) => mounts.insertMounts(ctx, l),
      ofJob: (j) => mounts.listMountsOfJob(ctx, j),
      pinnedVersionIds: (s) => mounts.pinnedVersionIds(ctx, s),
    },
    outputs: {
      insert: (o) => outputs.insertOutput(ctx, o),
      get: (j) => outputs.getOutput(ctx, j),
      pending: (s) => outputs.pendingOutputs(ctx, s),
      finish: (j, to, at) => outputs.finishOutput(ctx, j, to, at),
    },
  };
}
