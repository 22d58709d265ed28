/**
 * Login back-off, lockout and constant-time answers (issue 15), on a real server with a short policy:
 * failures slow the next attempt (429 rate_limited with Retry-After), enough of them lock the account —
 * then even the right password is refused (429 account_locked) — and each failure and lockout is audited;
 * after the lockout the right password works again. Unknown and known emails answer in comparable time
 * (today's numbers were 6 ms against 295 ms: an oracle for which emails have accounts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { client, DEMO_INVENTORY, tenantWithOwner, type Client } from './helpers/server.ts';

let server: RunningServer;
let home: string;
let admin: Client;
let email: string;
let other: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cheomdan-guard-'));
  server = await startServer({
    host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent',
    loginGuard: { maxFailures: 3, freeFailures: 0, baseDelayMs: 100, lockoutMs: 1500 },
  });
  admin = client(server.url, (await readFile(join(home, 'admin-token'), 'utf8')).trim());
  email = (await tenantWithOwner(server.url, admin, 'guarded-lab')).email;
  other = (await tenantWithOwner(server.url, admin, 'timing-lab')).email;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(home, { recursive: true, force: true });
});

const login = (e: string, password: string) => client(server.url).post('/v1/auth/login', { email: e, password });

describe('login guard', () => {
  it('answers unknown and known emails in comparable time', async () => {
    const time = async (e: string) => {
      const t0 = performance.now();
      const r = await login(e, 'not the password');
      expect(r.status).toBe(401);
      return performance.now() - t0;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await time(`nobody-${i}@nowhere.example`));
      await sleep(250); // past the back-off these failures add
      known.push(await time(other));
      await sleep(450);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const ratio = median(known) / median(unknown);
    expect(ratio, `known ${known.map(Math.round)} ms, unknown ${unknown.map(Math.round)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    await sleep(500); // the address's back-off runs out
  }, 30_000);

  it('backs off, then locks the account even for the right password, audits it, and lets it in afterwards', async () => {
    expect((await login(email, 'wrong 1')).status).toBe(401);
    const fast = await login(email, 'wrong 2');
    expect(fast.status).toBe(429);
    expect(fast.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(fast.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await sleep(150);
    expect((await login(email, 'wrong 2')).status).toBe(401);
    await sleep(250);
    expect((await login(email, 'wrong 3')).status).toBe(401); // the third failure locks
    const locked = await login(email, 'correct horse battery');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('content-type')).toContain('application/problem+json');
    expect(locked.body).toMatchObject({ code: 'account_locked', status: 429 });
    expect(locked.body.detail).toMatch(/too many failed logins for this account; try again in \d+ s/);
    const audit = (await admin.get('/v1/audit?limit=200')).body.items as { action: string; subject: string }[];
    expect(audit.filter((a) => a.action === 'login.failure' && a.subject === email)).toHaveLength(3);
    expect(audit.some((a) => a.action === 'login.locked' && a.subject === `account:${email}`)).toBe(true);
    await sleep(1600);
    expect((await login(email, 'correct horse battery')).status).toBe(201);
  }, 30_000);
});
