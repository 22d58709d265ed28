/**
 * 0005: reservations — a time window in which whole nodes are held for one tenant (a class, a demo, a
 * deadline), made by an operator — and the reservation a job names (it then runs only on those nodes, and
 * is charged at the reservation multiplier).
 */
import type { Migration } from './types.ts';

export const migration0005: Migration = {
  version: 5,
  name: 'reservations',
  async up({ db }) {
    await db.schema
      .createTable('reservations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('nodes', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint', (c) => c.notNull())
      .addColumn('cancelled_at', 'bigint')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reservations_tenant_idx').on('reservations').column('tenant_id').execute();
    await db.schema.alterTable('jobs').addColumn('reservation_id', 'text').execute();
  },
};
