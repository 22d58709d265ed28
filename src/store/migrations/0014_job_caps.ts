/**
 * 0014: an index that answers "how many jobs does this user (organization) have waiting?" from the index
 * alone, checked at every submission against the per-user and per-organization caps (issue 15, Slurm's
 * MaxSubmitJobs).
 */
import type { Migration } from './types.ts';

export const migration0014: Migration = {
  version: 14,
  name: 'job_caps',
  async up({ db }) {
    await db.schema.createIndex('jobs_user_state_idx').on('jobs').columns(['user_id', 'state']).execute();
    await db.schema.createIndex('jobs_tenant_state_idx').on('jobs').columns(['tenant_id', 'state']).execute();
  },
};
