/**
 * 0004: the storage an allocation grants (Gwangju's regional support gives each organisation 10 TB beside its
 * GPUs), in GB, charged per TB-month at the storage rate in force (services/accounting/allocations.ts).
 */
import type { Migration } from './types.ts';

export const migration0004: Migration = {
  version: 4,
  name: 'allocation storage',
  async up({ db }) {
    await db.schema.alterTable('allocations').addColumn('storage_gb', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
