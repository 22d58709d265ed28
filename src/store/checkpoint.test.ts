import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './connect.ts';

const dir = mkdtempSync(join(tmpdir(), 'cheomdan-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite WAL checkpoints', () => {
  it('are taken by the background thread, not inside a writer\'s COMMIT', async () => {
    const path = join(dir, 'db.sqlite');
    const db = openSqlite(path);
    try {
      await sql`create table t (id integer primary key, body text)`.execute(db);
      // The writer's own automatic checkpoint is only a backstop (16,384 pages, not SQLite's 1,000)…
      const { rows: auto } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      expect(auto[0]!.wal_autocheckpoint).toBe(16_384);
      const size = () => statSync(path).size;
      const before = size();
      // …so with ~4 MB written in 40 transactions (far below the backstop), only the background thread
      // can have moved these pages from the WAL into the database file.
      const body = 'x'.repeat(1000);
      for (let t = 0; t < 40; t++) {
        await db.transaction().execute(async (tx) => {
          for (let i = 0; i < 100; i++) await sql`insert into t (body) values (${body})`.execute(tx);
        });
      }
      const deadline = Date.now() + 5000;
      while (size() < before + 3_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(size()).toBeGreaterThan(before + 3_000_000);
      const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
      expect(rows[0]!.n).toBe(4000);
    } finally {
      await db.destroy();
    }
  });
});
