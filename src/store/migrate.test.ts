import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CheomdanError } from '../core/errors.ts';
import { openStore, LATEST_SCHEMA_VERSION } from './index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from './testing/databases.ts';

const OPEN_ONCE = fileURLToPath(new URL('./testing/openOnce.ts', import.meta.url));
async function openInChild(target: string): Promise<{ from: number; to: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', OPEN_ONCE, target], { timeout: 30_000 });
  return JSON.parse(stdout) as { from: number; to: number };
}

const TABLES = ['api_tokens', 'audit_log', 'devices', 'job_events', 'jobs', 'nodes', 'projects', 'schema_meta', 'tenants', 'usage', 'users',
  // 0002_accounting
  'allocation_reports', 'allocations', 'applications', 'ledger_entries', 'ledger_transactions', 'outputs', 'program_reviewers', 'programs', 'rates', 'reviews',
  // 0005_reservations
  'reservations',
  // 0006_quotas
  'cohorts', 'quotas',
  // 0007_unix_accounts
  'unix_accounts',
  // 0009_testbed_runs
  'testbed_runs',
  // 0010_datasets
  'datasets', 'dataset_access', 'dataset_versions', 'dataset_files', 'dataset_chunks', 'dataset_keys', 'uploads', 'dataset_mounts',
  // 0011_dataset_outputs
  'dataset_outputs', 'storage_samples',
].sort();

for (const dialect of testDialects()) {
  describe(`migrations [${dialect}]`, () => {
    const databases: TestDatabase[] = [];
    const fresh = async () => {
      const d = await createTestDatabase(dialect);
      databases.push(d);
      return d;
    };
    afterAll(async () => {
      for (const d of databases) await d.drop();
    });

    it('migrates an empty database to the latest version, then is idempotent on reopen', async () => {
      const d = await fresh();
      const first = await openStore({ ...d.options, clock: () => 1 });
      expect(first.migrated).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION });
      const tables = (await first.db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual(TABLES);
      await first.close();

      const second = await openStore({ ...d.options, clock: () => 2 });
      expect(second.migrated).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
      const meta = await second.db.selectFrom('schema_meta').selectAll().execute();
      expect(meta).toEqual([{ id: 1, version: LATEST_SCHEMA_VERSION, updated_at: 1 }]);
      await second.close();
    });

    it('opens concurrently from several processes without applying a migration twice', async () => {
      const d = await fresh();
      const target = d.options.url ?? d.options.sqlitePath ?? '';
      const results = await Promise.all([1, 2, 3].map(() => openInChild(target)));
      // A second application of 0001 would fail on `create table tenants` and make that process exit non-zero.
      expect(results.filter((r) => r.from === 0).length).toBeGreaterThanOrEqual(1);
      for (const r of results) expect(r.to).toBe(LATEST_SCHEMA_VERSION);
      const s = await openStore({ ...d.options });
      expect(s.migrated).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
      await s.close();
    });

    it('refuses a database written by a newer Cheomdan, naming both versions and what to do', async () => {
      const d = await fresh();
      const s = await openStore({ ...d.options });
      await s.db.updateTable('schema_meta').set({ version: LATEST_SCHEMA_VERSION + 5 }).execute();
      await s.close();

      const err = await openStore({ ...d.options }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CheomdanError);
      const ce = err as CheomdanError;
      expect(ce.code).toBe('schema_too_new');
      expect(ce.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 5}`);
      expect(ce.message).toContain(`up to ${LATEST_SCHEMA_VERSION}`);
      expect(ce.message).toMatch(/Upgrade Cheomdan/);
      expect(ce.extra).toEqual({ databaseVersion: LATEST_SCHEMA_VERSION + 5, codeVersion: LATEST_SCHEMA_VERSION });
    });

    it('applies only the migrations after the recorded version', async () => {
      const d = await fresh();
      const s = await openStore({ ...d.options });
      // Pretend a later migration exists: it must run once, on top of version 1, and bump the version.
      let runs = 0;
      const { migrate } = await import('./migrate.ts');
      const extra = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'test_extra', up: async () => { runs++; } }];
      expect(await migrate(s.db, dialect, () => 5, extra)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION + 1 });
      expect(await migrate(s.db, dialect, () => 6, extra)).toEqual({ from: LATEST_SCHEMA_VERSION + 1, to: LATEST_SCHEMA_VERSION + 1 });
      expect(runs).toBe(1);
      await s.close();
    });
  });
}

describe('openStore configuration', () => {
  it('refuses a non-PostgreSQL URL and a missing database with invalid_config', async () => {
    await expect(openStore({ url: 'mysql://x@y/z' })).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(openStore({})).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('sets the SQLite pragmas for WAL durability', async () => {
    const d = await createTestDatabase('sqlite');
    const s = await openStore({ ...d.options });
    const { sql } = await import('kysely');
    const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(s.db)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(1); // NORMAL
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await s.close();
    await d.drop();
  });
});
