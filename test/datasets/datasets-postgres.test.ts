/**
 * The data pillar on PostgreSQL (DATABASE_URL), end to end, so every dataset query runs on both dialects
 * (the other dataset tests run the embedded SQLite): a resumable upload in two PATCHes, commit, listing and
 * a Range download, a second version that deduplicates, a restricted dataset with a grant and its
 * audited reads, a job that mounts a version and saves its output, storage, garbage collection, purge,
 * and a restart that finds it all again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../../src/server/start.ts';
import { createTestDatabase, type TestDatabase } from '../../src/store/testing/databases.ts';
import { client, DEMO_INVENTORY, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { sha256hex, tusClient } from '../helpers/tus.ts';

let db: TestDatabase;
let s: TestServer;
let admin: Client;
let owner: Client;
let tus: ReturnType<typeof tusClient>;

beforeAll(async () => {
  db = await createTestDatabase('postgres');
  s = await startTestServer({ databaseUrl: db.options.url });
  admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'hyundai-av');
  owner = t.owner;
  tus = tusClient(s.url, owner.token);
}, 60_000);
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

it('uploads, versions, deduplicates, restricts, mounts, saves output, collects and purges on PostgreSQL', async () => {
  expect((await client(s.url).get('/healthz')).body.store).toBe('postgres');
  const data = randomBytes(20_000_000);
  expect((await owner.post('/v1/datasets', { name: 'lidar', domain: 'automotive' })).status).toBe(201);
  // Two PATCHes: the offset survives between them.
  const c = await tus.create(data.length, { dataset: 'lidar', path: 'run1/scan.bin', sha256: sha256hex(data) });
  expect(c.status).toBe(201);
  const loc = c.headers.get('location')!;
  expect((await tus.patch(loc, 0, data.subarray(0, 2_000_000))).status).toBe(204);
  expect((await tus.patch(loc, 1_000_000, data.subarray(1_000_000))).status).toBe(409); // a wrong offset
  expect((await tus.patch(loc, 2_000_000, data.subarray(2_000_000))).status).toBe(204);
  expect((await owner.post('/v1/datasets/lidar/versions/1/commit', { message: 'run 1' })).status).toBe(200);
  expect((await owner.get('/v1/datasets/lidar/versions/1/files')).body.items).toEqual([{ path: 'run1/scan.bin', size: data.length, sha256: sha256hex(data) }]);
  const part = await fetch(`${s.url}/v1/datasets/lidar/versions/1/files/run1/scan.bin`, { headers: { authorization: `Bearer ${owner.token}`, range: 'bytes=19999990-' } });
  expect(part.status).toBe(206);
  expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(19_999_990))).toBe(true);

  // Version 2 changes a small part of the file: few new bytes.
  const edited = Buffer.from(data);
  randomBytes(1000).copy(edited, 10_000_000);
  expect((await owner.post('/v1/datasets/lidar/versions', { message: 'fix' })).status).toBe(201);
  expect((await tus.put({ dataset: 'lidar', path: 'run1/scan.bin', version: '2' }, edited)).status).toBe(204);
  const v2 = (await owner.post('/v1/datasets/lidar/versions/2/commit', {})).body;
  expect(v2.newBytes).toBeGreaterThan(0);
  // An edit rewrites the chunk it falls in and the few after it until the cut points realign (chunks are at
  // most 4 MB): well under the 20 MB a copy would store.
  expect(v2.newBytes).toBeLessThan(12_000_001);

  // Restricted: the owner (creator) reads, every read audited; another member needs a grant.
  expect((await owner.post('/v1/datasets', { name: 'driver-faces', sensitivity: 'restricted' })).status).toBe(201);
  expect((await tus.put({ dataset: 'driver-faces', path: 'f.jpg' }, Buffer.from('face'))).status).toBe(204);
  expect((await owner.post('/v1/datasets/driver-faces/versions/1/commit', {})).status).toBe(200);
  expect((await admin.post('/v1/users', { email: 'eng@hyundai-av.example', name: 'eng', role: 'member', tenant: 'hyundai-av', password: 'correct horse battery' })).status).toBe(201);
  const eng = client(s.url, (await client(s.url).post('/v1/auth/login', { email: 'eng@hyundai-av.example', password: 'correct horse battery' })).body.token);
  expect((await eng.get('/v1/datasets/driver-faces/versions/1/files/f.jpg')).status).toBe(403);
  expect((await owner.post('/v1/datasets/driver-faces/share', { user: 'eng@hyundai-av.example' })).status).toBe(200);
  expect((await eng.get('/v1/datasets/driver-faces/versions/1/files/f.jpg')).body).toBe('face');
  const reads = (await admin.get('/v1/audit?action=dataset.read')).body.items;
  expect(reads.length).toBeGreaterThanOrEqual(1);

  // A job mounts version 1 and saves what it wrote as the next version of another dataset.
  expect((await owner.post('/v1/datasets', { name: 'lidar-stats' })).status).toBe(201);
  const j = await owner.post('/v1/jobs', { datasets: ['lidar@1'], saveOutput: 'lidar-stats', command: ['sh', '-c', 'wc -c < "$CHEOMDAN_DATASET_LIDAR/run1/scan.bin" > output/size.txt'] });
  expect(j.status, JSON.stringify(j.body)).toBe(201);
  expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
  await waitFor(() => owner.get('/v1/datasets/lidar-stats'), (r) => r.body.latestVersion === 1, 20_000, 'the saved output');
  expect((await owner.get('/v1/datasets/lidar-stats/versions/1/files/size.txt')).body.trim()).toBe('20000000');

  // Storage, collection, deletion, purge.
  const storage = (await owner.get('/v1/storage')).body;
  expect(storage.usedBytes).toBeGreaterThan(data.length);
  expect((await owner.del('/v1/datasets/lidar/versions/1')).status).toBe(200);
  expect((await admin.post('/v1/datasets-gc', {})).status).toBe(200);
  expect((await owner.post('/v1/datasets/driver-faces/purge', {})).status).toBe(200);
  expect((await eng.get('/v1/datasets/driver-faces/versions/1/files/f.jpg')).status).toBe(404);

  // A restart finds everything again.
  await s.server.close();
  const again = await startServer({ host: '127.0.0.1', port: 0, home: s.home, inventoryPath: DEMO_INVENTORY, databaseUrl: db.options.url, logLevel: 'silent' });
  try {
    const c2 = client(again.url, owner.token);
    const d = (await c2.get('/v1/datasets/lidar')).body;
    expect(d.versions.map((v: { number: number; state: string }) => `${v.number}:${v.state}`)).toEqual(['2:committed', '1:deleted']);
    const whole = await fetch(`${again.url}/v1/datasets/lidar/versions/2/files/run1/scan.bin`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(Buffer.from(await whole.arrayBuffer()).equals(edited)).toBe(true);
  } finally {
    await again.close();
    s.server = { close: async () => {} } as never;
  }
}, 120_000);
