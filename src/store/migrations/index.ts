/** Every migration, in order. Add the next one at the end; never edit or reorder shipped ones. */
import { migration0001 } from './0001_initial.ts';
import { migration0002 } from './0002_accounting.ts';
import { migration0003 } from './0003_job_listing_indexes.ts';
import { migration0004 } from './0004_allocation_storage.ts';
import { migration0005 } from './0005_reservations.ts';
import { migration0006 } from './0006_quotas.ts';
import { migration0007 } from './0007_unix_accounts.ts';
import { migration0008 } from './0008_job_dependencies.ts';
import { migration0009 } from './0009_testbed_runs.ts';
import { migration0010 } from './0010_datasets.ts';
import { migration0011 } from './0011_dataset_outputs.ts';
import { migration0012 } from './0012_token_scopes.ts';
import { migration0013 } from './0013_audit_chain.ts';
import { migration0014 } from './0014_job_caps.ts';
import type { Migration } from './types.ts';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013, migration0014];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
