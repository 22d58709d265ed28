/**
 * Opens the underlying database and wraps it in Kysely.
 *
 * SQLite (embedded default), via better-sqlite3:
 * - `journal_mode=WAL`: readers never block the writer and a commit is one append to the WAL.
 * - `synchronous=NORMAL`: in WAL mode a committed transaction survives a crash of the *process* (kill -9,
 *   OOM kill): the WAL is in the OS page cache and is replayed on the next open. It does NOT survive a power
 *   loss or kernel crash that hits before the OS flushes the WAL (the last transactions may roll back; the
 *   database stays consistent). Use PostgreSQL (or `synchronous=FULL`) where that matters.
 * - `foreign_keys=ON` (off by default in SQLite), `busy_timeout` so a second process waits for the write
 *   lock instead of failing at once.
 * - every transaction is `BEGIN IMMEDIATE`: it takes the write lock at the start, so two processes never
 *   both read and then fail to upgrade (SQLITE_BUSY_SNAPSHOT) halfway through.
 * - prepared statements are cached by SQL text: Kysely's driver calls `prepare()` for every query, and
 *   preparing costs about as much as running a small insert (bench/store-insert.ts).
 *
 * PostgreSQL, via a pg Pool: int8 (bigint) values are parsed to numbers by this pool only (epoch
 * milliseconds and counters fit in 2^53), instead of pg's default strings; no global type parser is touched.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

/** How long a SQLite writer waits for another process's write lock before failing (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Distinct SQL texts kept prepared; the store issues a few dozen, so this is never reached in practice. */
const STATEMENT_CACHE_SIZE = 500;

type SqliteStatement = ReturnType<BetterSqlite3.Database['prepare']>;

/** The slice of better-sqlite3 that Kysely's SqliteDialect uses, with `prepare` cached. */
function cachingDatabase(raw: BetterSqlite3.Database): { prepare(sql: string): SqliteStatement; close(): void } {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sqlText) {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        stmt = raw.prepare(sqlText);
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}

class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver() {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/** @param cacheStatements keep prepared statements by SQL text (default true; false only to measure it). */
export function openSqlite(path: string, cacheStatements = true): Kysely<Database> {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(raw, path);
  const stop = () => void checkpointer?.terminate();
  // Both paths stop the thread when Kysely closes the database.
  const closeRaw = raw.close.bind(raw);
  raw.close = () => { stop(); return closeRaw(); };
  return new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({
      database: cacheStatements ? (cachingDatabase(raw) as unknown as BetterSqlite3.Database) : raw,
    }),
  });
}

/** How often the background thread checkpoints the WAL into the database file (ms). */
const CHECKPOINT_EVERY_MS = 500;
/** The writer's own automatic checkpoint, a backstop should the thread fall behind (pages of 4 KiB). */
const WRITER_AUTOCHECKPOINT_PAGES = 16_384;

/**
 * Checkpoints the WAL from a worker thread with its own connection. SQLite's default runs the checkpoint
 * inside whichever COMMIT crosses 1,000 WAL pages, so one submission in a few hundred waited for the
 * database file to be written and synced while the event loop stood still (bench/RESULTS.md, API
 * submissions). A PASSIVE checkpoint never blocks the writer; the writer keeps a large automatic
 * checkpoint as a backstop, so the WAL stays bounded even without the thread.
 */
function startCheckpointer(raw: BetterSqlite3.Database, path: string): Worker | undefined {
  // A checkpoint thread that cannot start, dies, or keeps failing costs latency, never data: the writer's
  // own automatic checkpoint (SQLite's default, every 1,000 pages) takes over.
  const fallBack = () => {
    if (raw.open) raw.pragma('wal_autocheckpoint = 1000');
  };
  let worker: Worker;
  try {
    worker = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, everyMs: CHECKPOINT_EVERY_MS, busyMs: SQLITE_BUSY_TIMEOUT_MS },
    });
  } catch {
    return undefined;
  }
  raw.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
  worker.unref();
  worker.on('error', fallBack);
  worker.on('message', (m) => { if (m === 'failing') fallBack(); });
  return worker;
}

const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = ' + workerData.busyMs);
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch {
    // busy or closing: the next round tries again; after 10 failures in a row the writer takes over
    if (++failures === 10) { parentPort.postMessage('failing'); clearInterval(timer); }
  }
}, workerData.everyMs);
`;

const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

export function openPostgres(url: string, poolSize: number): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes });
  // An idle client that loses its connection emits 'error' on the pool; without a listener Node would crash.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
