/**
 * 0011: saving a job's output as a dataset version (`--save-output NAME[:PATH]`, issue 10). One row per job
 * that asks: the dataset (pinned at submit, so a rename or a new dataset of the same name later does not
 * redirect it), the directory, and where the save stands (pending → saved | skipped | failed). A pending
 * row of a finished job is picked up again after a restart; the version records the job as its source, so
 * a save interrupted after its commit is not made twice. Also indexes that answer the storage-quota check
 * (stored bytes, bytes reserved by open uploads) without reading the tables, and `storage_samples`: what each
 * organization stores over time, from which stored bytes are charged per TB-month.
 */
import type { Migration } from './types.ts';

export const migration0011: Migration = {
  version: 11,
  name: 'dataset_outputs',
  async up({ db }) {
    await db.schema
      .createTable('dataset_outputs')
      .addColumn('job_id', 'text', (c) => c.primaryKey())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('dataset_outputs_state_idx').on('dataset_outputs').column('state').execute();
    // The storage quota is checked at every upload's creation: what an organization stores and what its open
    // uploads reserve, each answered from an index alone (a directory of 10,000 files must not rescan them).
    await db.schema.createIndex('dataset_chunks_tenant_size_idx').on('dataset_chunks').columns(['tenant_id', 'size']).execute();
    // What an organization stores, over time (a sample when it changes): stored bytes charged per TB-month.
    await db.schema
      .createTable('storage_samples')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('storage_samples_pk', ['tenant_id', 'at'])
      .execute();
    await db.schema.createIndex('uploads_tenant_state_idx').on('uploads').columns(['tenant_id', 'state', 'length', 'offset_bytes']).execute();
  },
};
