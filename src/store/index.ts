/**
 * The store: one interface over SQLite (embedded default, WAL) and PostgreSQL (`DATABASE_URL`).
 *
 *   const store = await openStore({ url: process.env.DATABASE_URL, sqlitePath: 'var/cheomdan.db' });
 *   await store.transaction(async (tx) => { await tx.jobs.insert(job); await tx.events.append(ev); });
 *   await store.close();
 *
 * Opening runs the migrations (migrate.ts) and refuses a database written by a newer Cheomdan.
 * Durability on SQLite: a committed transaction survives kill -9 of the process, not a power loss
 * (synchronous=NORMAL; see connect.ts).
 */
import type { Kysely } from 'kysely';
import { CheomdanError } from '../core/errors.ts';
import { openPostgres, openSqlite } from './connect.ts';
import { migrate, type MigrateResult } from './migrate.ts';
import type { StoreDialect } from './migrations/types.ts';
import type { Database } from './schema.ts';
import { bindStore, type Store } from './store.ts';

export interface OpenStoreOptions {
  /** postgres://… or postgresql://…; when set, the store is PostgreSQL and `sqlitePath` is ignored. */
  url?: string | undefined;
  /** SQLite database file (created with its directory if missing), or ':memory:'. Required without `url`. */
  sqlitePath?: string | undefined;
  /** Clock for default timestamps (epoch ms). Default Date.now; tests inject a fake one. */
  clock?: () => number;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export interface OpenedStore extends Store {
  /** Schema versions before and after the migrations run at open. */
  readonly migrated: MigrateResult;
  /** The Kysely handle, for store-internal tools and tests; services use the query methods. */
  readonly db: Kysely<Database>;
  /** Closes the database (SQLite file handle or PostgreSQL pool). */
  close(): Promise<void>;
}

export async function openStore(opts: OpenStoreOptions): Promise<OpenedStore> {
  const clock = opts.clock ?? Date.now;
  let dialect: StoreDialect;
  let db: Kysely<Database>;
  if (opts.url) {
    if (!/^postgres(ql)?:\/\//.test(opts.url)) {
      throw new CheomdanError('invalid_config', `DATABASE_URL must start with postgres:// or postgresql://, got "${opts.url.replace(/:[^:@/]*@/, ':***@').slice(0, 60)}"; unset it to use SQLite`);
    }
    dialect = 'postgres';
    db = openPostgres(opts.url, opts.poolSize ?? 10);
  } else if (opts.sqlitePath) {
    dialect = 'sqlite';
    db = openSqlite(opts.sqlitePath);
  } else {
    throw new CheomdanError('invalid_config', 'no database configured: give a SQLite path or set DATABASE_URL=postgres://…');
  }
  let migrated: MigrateResult;
  try {
    migrated = await migrate(db, dialect, clock);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { ...bindStore(db, dialect, clock), migrated, db, close: () => db.destroy() };
}

export type { Store } from './store.ts';
export type { JobUpdateOptions } from './queries/jobs/update.ts';
export type { StoreDialect } from './migrations/types.ts';
export { LATEST_SCHEMA_VERSION } from './migrations/index.ts';
export * from './records.ts';
