/**
 * 0008: what a job's sbatch options say beyond its resources (issue 16) — its `--dependency` (the parsed
 * spec as JSON, with --kill-on-invalid-dep) and the facts its SLURM_* environment is built from (names and
 * counts as given: -n, -c, --mem, the submit directory). Both null for jobs submitted without them.
 */
import type { Migration } from './types.ts';

export const migration0008: Migration = {
  version: 8,
  name: 'job dependencies and Slurm facts',
  async up({ db }) {
    await db.schema.alterTable('jobs').addColumn('dependency', 'text').execute();
    await db.schema.alterTable('jobs').addColumn('slurm_facts', 'text').execute();
  },
};
