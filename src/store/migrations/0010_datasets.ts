/**
 * 0010: datasets (issue 10). A dataset belongs to an organization; its versions are immutable trees of
 * files once committed (state open → committed → deleted, never back); a file is a list of content-defined
 * chunks by SHA-256. Chunks are recorded per storage namespace (an organization's, or a restricted
 * dataset's own, encrypted under its key) with their size, which is what quotas count and what garbage
 * collection sweeps. Uploads are tus upload resources: their offset and completed chunks survive a restart.
 * Mounts pin a version to a job (garbage collection never takes a pinned version's chunks).
 */
import { sql } from 'kysely';
import type { Migration } from './types.ts';

export const migration0010: Migration = {
  version: 10,
  name: 'datasets',
  async up({ db }) {
    await db.schema
      .createTable('datasets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('project_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('licence', 'text', (c) => c.notNull())
      .addColumn('sensitivity', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    // One live dataset of a name per organization (a deleted one frees its name).
    await db.schema.createIndex('datasets_tenant_name_uq').unique().on('datasets').columns(['tenant_id', 'name'])
      .where(sql.ref('deleted_at'), 'is', null).execute();
    await db.schema
      .createTable('dataset_access')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_access_pk', ['dataset_id', 'kind', 'subject_id'])
      .execute();
    await db.schema
      .createTable('dataset_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('parent_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('file_count', 'integer', (c) => c.notNull())
      .addColumn('total_bytes', 'bigint', (c) => c.notNull())
      .addColumn('new_bytes', 'bigint', (c) => c.notNull())
      .addColumn('source_job_id', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('committed_at', 'bigint')
      .addColumn('deleted_at', 'bigint')
      .addUniqueConstraint('dataset_versions_number_uq', ['dataset_id', 'number'])
      .execute();
    await db.schema
      .createTable('dataset_files')
      .addColumn('version_id', 'text', (c) => c.notNull().references('dataset_versions.id'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('chunks', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_files_pk', ['version_id', 'path'])
      .execute();
    await db.schema
      .createTable('dataset_chunks')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_chunks_pk', ['namespace', 'sha256'])
      .execute();
    await db.schema.createIndex('dataset_chunks_tenant_idx').on('dataset_chunks').column('tenant_id').execute();
    await db.schema
      .createTable('dataset_keys')
      .addColumn('dataset_id', 'text', (c) => c.primaryKey())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('length', 'bigint', (c) => c.notNull())
      .addColumn('offset_bytes', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('chunks', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uploads_version_idx').on('uploads').column('version_id').execute();
    await db.schema
      .createTable('dataset_mounts')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text', (c) => c.notNull())
      .addColumn('mount_path', 'text', (c) => c.notNull())
      .addColumn('env_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_mounts_pk', ['job_id', 'dataset_id'])
      .execute();
    await db.schema.createIndex('dataset_mounts_version_idx').on('dataset_mounts').column('version_id').execute();
  },
};
