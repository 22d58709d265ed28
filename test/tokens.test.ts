/**
 * Scoped, expiring API tokens (issue 15): every route of /v1 has a scope (this test fails for a route
 * without one, read from the OpenAPI document the server publishes), a token is refused routes outside its
 * scopes with a message naming the scope it lacks, never makes a broader token, expires (90 days unless
 * asked, at most the server's maximum), and creating and revoking are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PUBLIC_ROUTES, ROUTE_SCOPES, scopeOfRoute } from '../src/contract/scopes.ts';
import { SCOPES } from '../src/core/scopes.ts';
import { IdentityService } from '../src/services/identity.ts';
import { actorFor } from '../src/services/actor.ts';
import { openStore, type OpenedStore } from '../src/store/index.ts';
import { expireEternalTokens } from '../src/store/migrations/0012_token_scopes.ts';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let owner: Client;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = (await tenantWithOwner(s.url, admin, 'kaist')).owner;
}, 60_000);
afterAll(async () => s?.close());

const token = async (c: Client, body: Record<string, unknown>) => {
  const r = await c.post('/v1/tokens', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { c: client(s.url, r.body.token), body: r.body };
};

describe('every route declares its scope', () => {
  it('each operation of the OpenAPI document has one, and the table names no route that does not exist', async () => {
    const doc = (await client(s.url).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const ops: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const m of Object.keys(methods)) ops.push(`${m.toUpperCase()} ${path.replace(/\{\*\}/g, '*').replace(/\{(\w+)\}/g, ':$1')}`);
    }
    const missing = ops.filter((o) => !PUBLIC_ROUTES.includes(o) && scopeOfRoute(o.split(' ')[0]!, o.split(' ')[1]!) === undefined);
    expect(missing).toEqual([]);
    const stale = Object.keys(ROUTE_SCOPES).filter((k) => !k.startsWith('HEAD ') && !ops.includes(k));
    expect(stale).toEqual([]);
    expect(ops.length).toBeGreaterThan(80);
    console.log(`scopes: ${ops.length} operations, each with a scope (${PUBLIC_ROUTES.length} public)`);
  });
});

describe('a token is held to its scopes', () => {
  it('a read token reads and is refused a submission, naming the scope it lacks; a jobs+read token submits', async () => {
    const ro = await token(owner, { name: 'dashboard', scopes: ['read'] });
    expect(ro.body.scopes).toEqual(['read']);
    expect((await ro.c.get('/v1/jobs')).status).toBe(200);
    const refused = await ro.c.post('/v1/jobs', { command: ['true'] });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/scopes \(read\) do not include "jobs", which POST \/v1\/jobs needs/);
    expect((await ro.c.post('/v1/datasets', { name: 'x' })).status).toBe(403);
    expect((await ro.c.get('/v1/nope')).status).toBe(404); // a missing route is still a 404
    const ci = await token(owner, { name: 'ci', scopes: ['read', 'jobs'] });
    expect((await ci.c.post('/v1/jobs', { command: ['true'] })).status).toBe(201);
    expect((await ci.c.post('/v1/tokens', { name: 'more' })).status).toBe(403); // making tokens needs admin
  });

  it('a token never makes a broader one; the default is the maker\'s scopes', async () => {
    const a = await token(owner, { name: 'admin-ish', scopes: ['admin', 'read'] });
    const broader = await a.c.post('/v1/tokens', { name: 'sneaky', scopes: ['admin', 'jobs'] });
    expect(broader.status).toBe(403);
    expect(broader.body.detail).toMatch(/cannot make a token with scope jobs/);
    const same = await a.c.post('/v1/tokens', { name: 'copy' });
    expect(same.status).toBe(201);
    expect(same.body.scopes).toEqual(['admin', 'read']);
    // A password login has every scope.
    expect((await owner.get('/v1/tokens')).body.items.some((t: { scopes: string[] }) => t.scopes.length === SCOPES.length)).toBe(true);
  });

  it('expires in 90 days unless asked, at most the maximum; bad input changes nothing', async () => {
    const d = await token(owner, { name: 'default' });
    const days = (Date.parse(d.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    const before = (await owner.get('/v1/tokens')).body.items.length;
    const tooLong = await owner.post('/v1/tokens', { name: 'forever', expiresInDays: 400 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.detail).toMatch(/at most 365 days/);
    const badScope = await owner.post('/v1/tokens', { name: 'x', scopes: ['root'] });
    expect(badScope.status).toBe(400);
    expect(JSON.stringify(badScope.body.errors)).toMatch(/scopes/);
    expect((await owner.get('/v1/tokens')).body.items.length).toBe(before);
    // The first-start operator token expires too.
    expect((await admin.get('/v1/tokens')).body.items.every((t: { expiresAt: string | null }) => t.expiresAt !== null)).toBe(true);
  });

  it('creating and revoking are audited; a revoked token is refused at once', async () => {
    const t = await token(owner, { name: 'to-revoke', scopes: ['read'] });
    expect((await t.c.get('/v1/me')).status).toBe(200);
    expect((await owner.del(`/v1/tokens/${t.body.id}`)).status).toBe(204);
    expect((await t.c.get('/v1/me')).status).toBe(401);
    const audit = (await admin.get('/v1/audit?limit=200')).body.items as { action: string; subject: string }[];
    expect(audit.filter((a) => a.subject === t.body.id).map((a) => a.action).sort()).toEqual(['token.create', 'token.revoke']);
  });
});

describe('expiry in the identity service', () => {
  let store: OpenedStore;
  beforeAll(async () => { store = await openStore({ sqlitePath: ':memory:' }); });
  afterAll(async () => store?.close());

  it('an expired token is refused even when it was cached; tokens from before scopes get an expiry', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const ctx = { store, clock: () => now, ids: (p: string) => `${p}_${Math.random().toString(36).slice(2)}`, log: pino({ level: 'silent' }), config: { home: '/tmp', defaultPartition: 'gpu', logsDir: '/tmp', defaultTimeLimitSeconds: 3600 } };
    const identity = new IdentityService(ctx as never, undefined, { defaultDays: 90, maxDays: 30 });
    const boot = (await identity.bootstrap())!;
    const op = await identity.authenticate(boot.token);
    const short = await identity.createToken(op, { name: 'short', expiresInDays: 1 });
    await identity.authenticate(short.token); // cached now
    now += 2 * 86_400_000;
    await expect(identity.authenticate(short.token)).rejects.toThrow(/unknown, revoked or expired/);
    await expect(identity.createToken(op, { name: 'long' })).rejects.toThrow(/at most 30 days/); // the default 90 is over this server's maximum
    // A token stored without an expiry (before migration 0012) gets one 90 days out.
    const user = actorFor((await store.users.getByEmail(boot.email))!).user;
    await store.tokens.create({ id: 'tok_old', userId: user.id, name: 'old', tokenHash: 'h-old', prefix: 'chd_old', scopes: [...SCOPES] });
    expect(await expireEternalTokens(store.db, now)).toBe(1);
    expect((await store.tokens.listByUser(user.id)).find((t) => t.id === 'tok_old')!.expiresAt).toBe(now + 90 * 86_400_000);
  });
});
