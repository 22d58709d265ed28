/**
 * Runs the numbered migrations at open (graphile-worker `migrate.ts` style).
 *
 * `schema_meta` holds one row (id 1) with the schema version. Each pending migration runs in its own
 * transaction together with the version bump, so a crash leaves the database at a whole version. Several
 * processes may open the same database at once: on PostgreSQL every migration transaction first takes an
 * advisory lock; on SQLite every transaction is `BEGIN IMMEDIATE` (see connect.ts), which takes the write
 * lock up front. Either way the version is re-read under the lock and a migration someone else already
 * applied is skipped.
 *
 * A database newer than this code is refused with `schema_too_new`: an older Cheomdan must not write to a
 * schema it does not understand.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { CheomdanError } from '../core/errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.ts';
import type { Migration, StoreDialect } from './migrations/types.ts';
import type { Database } from './schema.ts';

/** Arbitrary constant key for pg_advisory_xact_lock: "CHMD". */
const MIGRATION_LOCK_KEY = 0x43484d44;

export interface MigrateResult {
  from: number;
  to: number;
}

async function lock(trx: Transaction<Database>, dialect: StoreDialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
}

async function readVersion(trx: Transaction<Database>): Promise<number> {
  const row = await trx.selectFrom('schema_meta').select('version').where('id', '=', 1).executeTakeFirst();
  return row ? Number(row.version) : 0;
}

function tooNew(dbVersion: number, codeVersion: number): CheomdanError {
  return new CheomdanError(
    'schema_too_new',
    `the database is at schema version ${dbVersion}, but this Cheomdan understands versions up to ${codeVersion}: ` +
      `it was written by a newer Cheomdan. Upgrade Cheomdan to the release that wrote it (or newer); ` +
      `downgrading a schema is not supported, so do not point an older server at this database.`,
    { extra: { databaseVersion: dbVersion, codeVersion } },
  );
}

/**
 * Brings the database to the newest schema this code knows, or refuses a newer one.
 * @param migrations the ordered list (default: all of `migrations/index.ts`); tests pass a prefix.
 */
export async function migrate(
  db: Kysely<Database>,
  dialect: StoreDialect,
  clock: () => number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const codeVersion = migrations[migrations.length - 1]?.version ?? 0;

  const from = await db.transaction().execute(async (trx) => {
    await lock(trx, dialect);
    await trx.schema
      .createTable('schema_meta')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    return readVersion(trx);
  });
  if (from > codeVersion) throw tooNew(from, codeVersion);

  for (const migration of migrations) {
    if (migration.version <= from) continue;
    await db.transaction().execute(async (trx) => {
      await lock(trx, dialect);
      const current = await readVersion(trx);
      if (current > codeVersion) throw tooNew(current, codeVersion);
      if (current >= migration.version) return; // another process applied it meanwhile
      await migration.up({ db: trx, dialect });
      await trx
        .insertInto('schema_meta')
        .values({ id: 1, version: migration.version, updated_at: clock() })
        .onConflict((oc) => oc.column('id').doUpdateSet({ version: migration.version, updated_at: clock() }))
        .execute();
    });
  }
  return { from, to: Math.max(from, codeVersion) };
}

export { LATEST_SCHEMA_VERSION };
