/**
 * The audit log is tamper-evident (issue 15): each record carries the hash of the one before; `cheomdan
 * audit verify` (GET /v1/audit/verify) checks the chain and names the first broken record — a record
 * changed, one removed, and a forged one inserted, each found. On SQLite and PostgreSQL (concurrent appends
 * never fork the chain).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { verifyChain, auditHash, AUDIT_GENESIS } from '../src/core/auditChain.ts';
import { openStore, type OpenedStore } from '../src/store/index.ts';
import { chainExisting } from '../src/store/migrations/0013_audit_chain.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../src/store/testing/databases.ts';
import { runCli } from './helpers/cli.ts';
import { client, startTestServer, type TestServer } from './helpers/server.ts';

describe('the chain (pure)', () => {
  it('holds for honest records and names the first broken one', () => {
    const recs = [];
    let prev = AUDIT_GENESIS;
    for (let i = 1; i <= 5; i++) {
      const f = { at: i, actorUserId: null, action: 'x', subject: `s${i}`, detail: '{}' };
      const hash = auditHash(prev, f);
      recs.push({ ...f, id: i, prevHash: prev, hash });
      prev = hash;
    }
    expect(verifyChain(recs, AUDIT_GENESIS)).toEqual({ ok: true, last: prev });
    expect(verifyChain(recs.map((r) => (r.id === 3 ? { ...r, subject: 'changed' } : r)), AUDIT_GENESIS)).toMatchObject({ ok: false, broken: { id: 3, reason: expect.stringMatching(/changed/) } });
    expect(verifyChain(recs.filter((r) => r.id !== 2), AUDIT_GENESIS)).toMatchObject({ ok: false, broken: { id: 3, reason: expect.stringMatching(/removed, changed or inserted/) } });
  });
});

const dbs: TestDatabase[] = [];
const stores: OpenedStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const d of dbs) await d.drop();
});

for (const dialect of testDialects()) {
  describe(`the stored log [${dialect}]`, () => {
    it('concurrent appends keep one chain; a changed, a removed and an inserted record are each named', async () => {
      const d = await createTestDatabase(dialect);
      dbs.push(d);
      const store = await openStore(d.options);
      stores.push(store);
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.audit.append({ at: 1000 + i, actorUserId: null, action: 'test.append', subject: `s${i}`, detail: { i } })));
      await store.transaction(async (tx) => { await tx.audit.append({ at: 2000, actorUserId: null, action: 'test.in_tx', subject: 'tx', detail: {} }); });
      expect(await store.audit.verify()).toEqual({ records: 41, broken: null });
      const ids = (await store.audit.list({ limit: 100 })).map((r) => r.id).sort((a, b) => a - b);
      await sql`UPDATE audit_log SET detail = ${'{"i":999}'} WHERE id = ${ids[10]!}`.execute(store.db);
      expect((await store.audit.verify()).broken).toEqual({ id: ids[10], reason: expect.stringMatching(/content does not match its hash/) });
      await sql`DELETE FROM audit_log WHERE id = ${ids[10]!}`.execute(store.db);
      expect((await store.audit.verify()).broken).toMatchObject({ id: ids[11] });
      // A log from before the chain (migration 0013) is chained in id order.
      await sql`UPDATE audit_log SET prev_hash = NULL, hash = NULL`.execute(store.db);
      expect((await store.audit.verify()).broken).toMatchObject({ reason: expect.stringMatching(/carries no hash/) });
      expect(await chainExisting(store.db)).toBe(40);
      expect(await store.audit.verify()).toEqual({ records: 40, broken: null });
    });
  });
}

describe('cheomdan audit verify', () => {
  let s: TestServer;
  afterAll(async () => s?.close());
  it('says the log is intact, then names the record an intruder changed', async () => {
    s = await startTestServer();
    const admin = client(s.url, s.adminToken);
    await admin.post('/v1/tenants', { slug: 'audited', name: 'Audited', kind: 'startup', sector: 'energy' });
    const env = { env: { CHEOMDAN_URL: s.url, CHEOMDAN_TOKEN: s.adminToken, CHEOMDAN_CONFIG: '/nonexistent/c.json' } };
    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: \d+ records/);
    const opened = await openStore({ sqlitePath: `${s.home}/cheomdan.db` });
    const victim = (await opened.audit.list({ action: 'tenant.create', limit: 1 }))[0]!;
    await sql`UPDATE audit_log SET subject = ${'someone-else'} WHERE id = ${victim.id}`.execute(opened.db);
    await opened.close();
    const bad = await runCli(['audit', 'verify'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(new RegExp(`audit log BROKEN at record ${victim.id}: its content does not match its hash`));
    expect((await client(s.url, s.adminToken).get('/v1/audit/verify')).body).toMatchObject({ ok: false, broken: { id: victim.id } });
  });
});
