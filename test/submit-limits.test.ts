/**
 * Caps on what one member or organization may queue (issue 15; Slurm's MaxSubmitJobs): past the cap on
 * waiting jobs a submission is refused with 429, saying how many wait and what the cap is, and nothing is
 * queued; the per-minute submission rate likewise, with Retry-After. Operators are not capped.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, DEMO_INVENTORY, removeCreatedAccounts, tenantWithOwner, waitFor, waitForJob, type Client } from './helpers/server.ts';
import { SubmitGuard } from '../src/services/submitLimits.ts';

let server: RunningServer;
let home = '';
let admin: Client;
let owner: Client;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cheomdan-limits-'));
  server = await startServer({ host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', submitLimits: { maxWaitingPerUser: 3, maxWaitingPerOrganization: 5, submissionsPerMinute: 0 } });
  admin = client(server.url, (await readFile(join(home, 'admin-token'), 'utf8')).trim());
  owner = (await tenantWithOwner(server.url, admin, 'busy-lab')).owner;
  for (const n of (await admin.get('/v1/nodes')).body.items as { name: string }[]) await admin.patch(`/v1/nodes/${n.name}`, { state: 'draining', reason: 'test' });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await removeCreatedAccounts(home);
  await rm(home, { recursive: true, force: true });
});

it('refuses a submission past the waiting cap, saying why, and queues nothing; then the organization cap; operators are not capped', async () => {
  const mine: string[] = [];
  for (let i = 0; i < 3; i++) {
    const j = await owner.post('/v1/jobs', { command: ['true'] });
    expect(j.status).toBe(201);
    mine.push(j.body.id);
  }
  const r = await owner.post('/v1/jobs', { command: ['true'] });
  expect(r.status).toBe(429);
  expect(r.body.code).toBe('job_limit');
  expect(r.body.detail).toMatch(/you have 3 jobs waiting and a user may have at most 3/);
  expect(r.headers.get('retry-after')).toBe('60');
  expect((await owner.get('/v1/jobs')).body.items.length).toBe(3);
  // A colleague in the same organization meets the organization's cap of 5.
  expect((await admin.post('/v1/users', { email: 'b@busy-lab.example', name: 'b', role: 'member', tenant: 'busy-lab', password: 'correct horse battery' })).status).toBe(201);
  const b = client(server.url, (await client(server.url).post('/v1/auth/login', { email: 'b@busy-lab.example', password: 'correct horse battery' })).body.token);
  expect((await b.post('/v1/jobs', { command: ['true'] })).status).toBe(201);
  expect((await b.post('/v1/jobs', { command: ['true'] })).status).toBe(201);
  const org = await b.post('/v1/jobs', { command: ['true'] });
  expect(org.status).toBe(429);
  expect(org.body.detail).toMatch(/organization has 5 jobs waiting and may have at most 5/);
  // Cancelling makes room.
  const first = mine[0]!;
  expect((await owner.post(`/v1/jobs/${first}/cancel`, {})).status).toBe(200);
  await waitForJob(owner, first);
  // (Waiting jobs are recounted every 5 s: until then the cap errs on the strict side.)
  const again = await waitFor(() => owner.post('/v1/jobs', { command: ['true'] }), (r) => r.status !== 429, 10_000, 'room after the cancel');
  expect(again.status, JSON.stringify(again.body)).toBe(201);
  // Operators are not capped.
  for (let i = 0; i < 8; i++) expect((await admin.post('/v1/jobs', { command: ['true'] })).status).toBe(201);
});

it('the per-minute rate: the next submission past it is refused with how long to wait; a new minute starts afresh', async () => {
  let now = 1_000_000;
  const guard = new SubmitGuard({} as never, () => now, { maxWaitingPerUser: 0, maxWaitingPerOrganization: 0, submissionsPerMinute: 5 });
  const actor = { user: { id: 'usr_a' }, isOperator: false, tenantId: 't' } as never;
  for (let i = 0; i < 5; i++) await guard.check(actor, 't');
  now += 20_000;
  await expect(guard.check(actor, 't')).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/at most 5 submissions a minute per user; wait 40 s/), extra: { retryAfterSeconds: 40 } });
  now += 40_000;
  await guard.check(actor, 't');
  await guard.check({ user: { id: 'usr_op' }, isOperator: true, tenantId: null } as never, 't'); // operators pass
});

it('the API answers at most N requests a minute per token with 429 problem details and Retry-After; operators are not limited', async () => {
  const h = await mkdtemp(join(tmpdir(), 'cheomdan-ratelimit-'));
  const srv = await startServer({ host: '127.0.0.1', port: 0, home: h, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', apiRequestsPerMinute: 20 });
  try {
    const op = client(srv.url, (await readFile(join(h, 'admin-token'), 'utf8')).trim());
    const member = (await tenantWithOwner(srv.url, op, 'chatty')).owner;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await member.get('/v1/jobs')).status);
    expect(statuses.filter((x) => x === 200).length).toBe(20);
    const r = await member.get('/v1/jobs');
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'rate_limited', detail: expect.stringMatching(/at most 20 requests a minute per token; wait \d+ s/) });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) expect((await op.get('/v1/jobs')).status).toBe(200);
  } finally {
    await srv.close();
    await removeCreatedAccounts(h);
    await rm(h, { recursive: true, force: true });
  }
});
