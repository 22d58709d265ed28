/**
 * Finished jobs' directories are kept for a while, then removed (issue 15): the job's record and events
 * stay, an event says the directory went, and its logs answer 410 saying why — a job still in its retention
 * keeps its logs; a link the job left inside is not followed.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobRetention } from '../src/services/jobRetention.ts';
import { openStore, type OpenedStore } from '../src/store/index.ts';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let owner: Client;
let store: OpenedStore;

beforeAll(async () => {
  s = await startTestServer();
  owner = (await tenantWithOwner(s.url, client(s.url, s.adminToken), 'keeps-logs')).owner;
  store = await openStore({ sqlitePath: join(s.home, 'cheomdan.db') });
}, 60_000);
afterAll(async () => {
  await store?.close();
  await s?.close();
});

it('removes a job directory 30 days after the job ended; its logs then answer 410; a recent job keeps them', async () => {
  const old = (await owner.post('/v1/jobs', { command: ['sh', '-c', 'echo long ago'] })).body;
  const recent = (await owner.post('/v1/jobs', { command: ['sh', '-c', 'echo just now'] })).body;
  await waitForJob(owner, old.id);
  await waitForJob(owner, recent.id);
  expect((await owner.get(`/v1/jobs/${old.id}/logs`)).body).toBe('long ago\n');
  const dir = join(s.home, 'jobs', old.id);
  // Something outside the directory a link in it points to: it must survive.
  const outside = join(s.home, 'outside.txt');
  writeFileSync(outside, 'keep me');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  symlinkSync(outside, join(dir, 'sub', 'link'));
  await sql`UPDATE jobs SET ended_at = ${Date.now() - 40 * 86_400_000} WHERE id = ${old.id}`.execute(store.db);
  const retention = new JobRetention({ store, clock: Date.now, ids: () => 'x', log: pino({ level: 'silent' }), config: { home: s.home, defaultPartition: 'gpu', logsDir: join(s.home, 'jobs'), defaultTimeLimitSeconds: 3600 } });
  expect(await retention.sweep()).toBe(1);
  expect(existsSync(dir)).toBe(false);
  expect(existsSync(outside)).toBe(true);
  expect(existsSync(join(s.home, 'jobs', recent.id))).toBe(true);
  const gone = await owner.get(`/v1/jobs/${old.id}/logs`);
  expect(gone.status).toBe(410);
  expect(gone.body.detail).toMatch(/were removed: run directories are kept 30 days after a job ends/);
  expect((await owner.get(`/v1/jobs/${old.id}`)).body.state).toBe('succeeded');
  const events = (await owner.get(`/v1/jobs/${old.id}/events`)).body.items as { message: string }[];
  expect(events.some((e) => /run directory removed 30 days after the job ended/.test(e.message))).toBe(true);
  expect((await owner.get(`/v1/jobs/${recent.id}/logs`)).body).toBe('just now\n');
  expect(await retention.sweep()).toBe(0);
});
