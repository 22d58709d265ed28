/**
 * 0007: unix_accounts — the Unix account each Cheomdan user's jobs run as (services/unixAccounts.ts).
 * A uid, once given, is the user's for good: recorded here, it is recreated with the same number after a
 * reinstall of the host, so files the account left on shared storage stay its own. `origin` says whether
 * the server created the account (`chd-<short id>`) or configuration mapped the user to an existing one.
 */
import type { Migration } from './types.ts';

export const migration0007: Migration = {
  version: 7,
  name: 'unix_accounts',
  async up({ db }) {
    await db.schema
      .createTable('unix_accounts')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
      .addColumn('user_name', 'text', (c) => c.notNull().unique())
      .addColumn('uid', 'integer', (c) => c.notNull().unique())
      .addColumn('gid', 'integer', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
