/**
 * 0003: indexes for the listings people look at most — a tenant's jobs in one state, newest first (the
 * portal's dashboard: "my running jobs", "my pending jobs"), which with 100,000 jobs took 40–110 ms on the
 * (tenant_id, seq) index alone (bench/RESULTS.md, Portal) — and the whole queue by state for operators.
 */
import type { Migration } from './types.ts';

export const migration0003: Migration = {
  version: 3,
  name: 'job listing indexes',
  async up({ db }) {
    await db.schema.createIndex('jobs_tenant_state_seq_idx').on('jobs').columns(['tenant_id', 'state', 'seq desc']).execute();
    await db.schema.createIndex('jobs_state_seq_idx').on('jobs').columns(['state', 'seq desc']).execute();
  },
};
