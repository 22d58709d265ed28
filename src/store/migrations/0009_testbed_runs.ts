/**
 * 0009: test-bed runs (issue 12) — a benchmark of a model on an accelerator type, run as a job: what was
 * asked (the spec, as JSON), the job that runs it, and once the job has ended the result it wrote (JSON)
 * with the service units the job was charged. Listed per organization and per model × type × scenario.
 */
import type { Migration } from './types.ts';

export const migration0009: Migration = {
  version: 9,
  name: 'test-bed runs',
  async up({ db }) {
    await db.schema
      .createTable('testbed_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('scenario', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('accelerator_type', 'text')
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('charged_units', 'double precision')
      .addColumn('finished_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('testbed_runs_tenant_idx').on('testbed_runs').columns(['tenant_id', 'created_at']).execute();
    await db.schema.createIndex('testbed_runs_job_idx').on('testbed_runs').column('job_id').execute();
  },
};
