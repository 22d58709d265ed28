/**
 * The whole platform on PostgreSQL (DATABASE_URL): the same server, the same API, a job run for real, and
 * a restart that finds everything again. The store's own suite runs every query on both dialects; this
 * proves the wiring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/store/testing/databases.ts';
import { startServer } from '../src/server/start.ts';
import { client, DEMO_INVENTORY, startTestServer, tenantWithOwner, waitForJob, type TestServer } from './helpers/server.ts';

let db: TestDatabase;
let s: TestServer;

beforeAll(async () => {
  db = await createTestDatabase('postgres');
  s = await startTestServer({ databaseUrl: db.options.url });
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

describe('on PostgreSQL', () => {
  it('reports the store, runs a job and keeps it across a restart', async () => {
    const admin = client(s.url, s.adminToken);
    expect((await client(s.url).get('/healthz')).body.store).toBe('postgres');
    const { owner } = await tenantWithOwner(s.url, admin, 'pg-tenant');
    const r = await owner.post('/v1/jobs', { command: ['sh', '-c', 'echo on postgres'], devicesPerTask: 1, acceleratorTypes: ['h100'] });
    expect(r.status).toBe(201);
    const done = await waitForJob(owner, r.body.id);
    expect(done.state).toBe('succeeded');
    expect((await owner.get(`/v1/jobs/${r.body.id}/logs`)).body).toBe('on postgres\n');

    await s.server.close();
    const again = await startServer({ host: '127.0.0.1', port: 0, home: s.home, inventoryPath: DEMO_INVENTORY, databaseUrl: db.options.url, logLevel: 'silent' });
    try {
      expect(again.firstStart).toBeNull();
      const c = client(again.url, s.adminToken);
      expect((await c.get(`/v1/jobs/${r.body.id}`)).body).toMatchObject({ state: 'succeeded', exitCode: 0 });
    } finally {
      await again.close();
      s.server = { close: async () => {} } as never;
    }
  });
});
