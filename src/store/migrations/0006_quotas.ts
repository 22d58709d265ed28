/**
 * 0006: quotas as their own resource — per organization (optionally one project) and accelerator type or
 * type group: guaranteed devices, borrowing and lending limits, the cohort it shares with — and the
 * cohorts themselves (named, so a quota cannot name one that does not exist).
 */
import type { Migration } from './types.ts';

export const migration0006: Migration = {
  version: 6,
  name: 'quotas',
  async up({ db }) {
    await db.schema
      .createTable('cohorts')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('quotas')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      // '' for the organization's own quota (a unique key over a NULL column would not hold on either dialect)
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('guaranteed', 'integer', (c) => c.notNull())
      .addColumn('borrow_limit', 'integer')
      .addColumn('lend_limit', 'integer')
      .addColumn('cohort', 'text', (c) => c.references('cohorts.name'))
      .addColumn('updated_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('quotas_owner_resource_key', ['tenant_id', 'project_id', 'resource'])
      .execute();
  },
};
