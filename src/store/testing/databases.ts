/**
 * Test databases for the store conformance suite (Backstage `TestDatabases` style): every test file gets a
 * fresh database of each dialect — a temporary SQLite file, and a new PostgreSQL database created on the
 * test server and dropped afterwards.
 *
 * PostgreSQL comes from `CHEOMDAN_TEST_DATABASE_URL` (an admin URL of a running server, e.g. from CI).
 * When it is unset, `scripts/postgres-test.sh` is run (once per process; the script itself is idempotent
 * and locks against concurrent runs) to start a local server from Debian's packages. If PostgreSQL cannot
 * be had, the PostgreSQL tests FAIL with the script's output — they never skip silently — unless
 * `CHEOMDAN_SKIP_POSTGRES=1` says to leave PostgreSQL out on purpose.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore, type OpenedStore, type OpenStoreOptions } from '../index.ts';
import type { StoreDialect } from '../migrations/types.ts';

export type TestDialect = StoreDialect;

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/postgres-test.sh');

/** The dialects the store tests run on: both, unless CHEOMDAN_SKIP_POSTGRES=1. */
export function testDialects(): TestDialect[] {
  return process.env.CHEOMDAN_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
}

let adminUrl: string | undefined;
let adminFailure: Error | undefined;

/** The admin URL of the test PostgreSQL server, starting one with scripts/postgres-test.sh if needed. */
export function postgresAdminUrl(): string {
  if (adminUrl) return adminUrl;
  if (adminFailure) throw adminFailure;
  const fromEnv = process.env.CHEOMDAN_TEST_DATABASE_URL;
  if (fromEnv) return (adminUrl = fromEnv);
  try {
    const out = execFileSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = out.trim().split('\n').pop() ?? '';
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`the script printed no URL; stdout:\n${out}`);
    process.env.CHEOMDAN_TEST_DATABASE_URL = url;
    return (adminUrl = url);
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    adminFailure = new Error(
      `PostgreSQL store tests need a PostgreSQL server and none could be started.\n` +
        `  ${SCRIPT} failed: ${err.message ?? String(e)}\n${String(err.stderr ?? '').slice(-2000)}\n` +
        `Fix: run scripts/postgres-test.sh as root (it installs Debian's postgresql if missing), or set ` +
        `CHEOMDAN_TEST_DATABASE_URL=postgres://user@host:port/db to a server where that user may CREATE DATABASE, ` +
        `or set CHEOMDAN_SKIP_POSTGRES=1 to run the SQLite half only.`,
      { cause: e },
    );
    throw adminFailure;
  }
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = postgresAdminUrl();
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `cannot connect to the test PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}. ` +
        `Start it with scripts/postgres-test.sh (or fix CHEOMDAN_TEST_DATABASE_URL), or set CHEOMDAN_SKIP_POSTGRES=1 ` +
        `to run the SQLite half only.`,
      { cause: e },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

let leftoversDropped = false;
/**
 * Drops test databases left by test processes that died before their afterAll (a killed vitest run).
 * Only databases whose creating pid is gone from this machine; once per process.
 */
async function dropLeftovers(c: pg.Client): Promise<void> {
  if (leftoversDropped) return;
  leftoversDropped = true;
  const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'cheomdan_test_%'`);
  for (const { datname } of rows) {
    const pid = Number(/^cheomdan_test_(\d+)_/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
      await c.query(`drop database if exists ${datname} with (force)`).catch(() => undefined);
    }
  }
}

/** A fresh, empty database of the given dialect: where it is, and how to remove it. */
export interface TestDatabase {
  dialect: TestDialect;
  /** Options for openStore that point at this database. */
  options: Pick<OpenStoreOptions, 'url' | 'sqlitePath'>;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cheomdan-store-'));
    return {
      dialect,
      options: { sqlitePath: join(dir, 'test.db') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `cheomdan_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (c) => {
    await dropLeftovers(c);
    await c.query(`create database ${name}`);
  });
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    dialect,
    options: { url: url.toString() },
    drop: () => withAdmin(async (c) => { await c.query(`drop database if exists ${name} with (force)`); }),
  };
}

/** A fresh database with the store opened (and migrated) on it. */
export async function openTestStore(
  dialect: TestDialect,
  opts: Omit<OpenStoreOptions, 'url' | 'sqlitePath'> = {},
): Promise<{ store: OpenedStore; database: TestDatabase; dispose(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store = await openStore({ ...opts, ...database.options });
  return {
    store,
    database,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
}
