/**
 * The isolation matrix, generated from the OpenAPI document the server publishes (issue 15) — not a
 * hand-written list, so a new route is tried the day it is added: every operation × {anonymous, an expired
 * token, a token without the operation's scope, a member of another organization, a member without the
 * role}, with path parameters filled with the victim organization's real ids (its job, dataset, project,
 * allocation, user, token, upload…). Refused means: anonymous and expired → 401; out of scope → 403; and for
 * the other two, whatever the answer (a 404 that looks like a missing object, a 403, or a 200 listing of
 * their own things), no response body carries anything of the victim's (its ids, names, job output).
 * Prints the operations × principals tried and the leaks (0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore } from '../src/store/index.ts';
import { PUBLIC_ROUTES, scopeOfRoute } from '../src/contract/scopes.ts';
import { SCOPES, type Scope } from '../src/core/scopes.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from './helpers/server.ts';
import { tusClient } from './helpers/tus.ts';

let s: TestServer;
let admin: Client;
let victim: Client;
let attacker: Client;
let memberNoRole: Client;
const secrets: string[] = [];
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  const v = await tenantWithOwner(s.url, admin, 'victim-hospital');
  victim = v.owner;
  attacker = (await tenantWithOwner(s.url, admin, 'attacker-co')).owner;
  expect((await admin.post('/v1/users', { email: 'nurse@victim-hospital.example', name: 'nurse', role: 'member', tenant: 'victim-hospital', password: 'correct horse battery' })).status).toBe(201);
  memberNoRole = client(s.url, (await client(s.url).post('/v1/auth/login', { email: 'nurse@victim-hospital.example', password: 'correct horse battery' })).body.token);
  // The victim's things, with names that must never show up elsewhere.
  const job = (await victim.post('/v1/jobs', { name: 'victim-secret-job', command: ['sh', '-c', 'echo victim-secret-output'] })).body;
  await waitForJob(victim, job.id);
  expect((await victim.post('/v1/datasets', { name: 'victim-secret-scans', sensitivity: 'restricted' })).status).toBe(201);
  const tus = tusClient(s.url, victim.token);
  expect((await tus.put({ dataset: 'victim-secret-scans', path: 'p.dcm' }, Buffer.from('victim-secret-bytes'))).status).toBe(204);
  expect((await victim.post('/v1/datasets/victim-secret-scans/versions/1/commit', {})).status).toBe(200);
  const open = await tus.create(100, { dataset: 'victim-secret-scans', path: 'q.dcm', version: '2' }).catch(() => null);
  const dataset = (await victim.get('/v1/datasets/victim-secret-scans')).body;
  const project = (await victim.get('/v1/projects')).body.items[0];
  const token = (await victim.post('/v1/tokens', { name: 'victim-secret-token' })).body;
  const alloc = (await admin.post('/v1/allocations', { tenant: 'victim-hospital', name: 'victim-secret-allocation', serviceUnits: 10, concurrentLimit: 1, endsAt: new Date(Date.now() + 86_400_000 * 30).toISOString() })).body;
  const users = (await victim.get('/v1/users')).body.items as { id: string; email: string }[];
  Object.assign(ids, {
    job: job.id, dataset: dataset.id, project: project.id, token: token.id, allocation: alloc.id ?? '', tenant: v.tenantId,
    user: users.find((u) => u.email.startsWith('owner@'))!.id,
    upload: open && open.headers.get('location') ? open.headers.get('location')!.split('/').pop()! : 'up_none',
  });
  secrets.push('victim-secret', job.id, dataset.id, project.id, token.id, v.tenantId, ids.user!, 'victim-hospital');
  if (alloc.id) secrets.push(alloc.id);
}, 120_000);
afterAll(async () => s?.close());

interface Op { method: string; path: string; url: string }

async function operations(): Promise<Op[]> {
  const doc = (await client(s.url).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const m of Object.keys(methods)) {
      const pattern = path.replace(/\{\*\}/g, '*').replace(/\{(\w+)\}/g, ':$1');
      // Each path parameter gets the victim's id of the kind the path names.
      const url = path
        .replace(/\/jobs\/\{id\}/, `/jobs/${ids.job}`).replace(/\/datasets\/\{ref\}/, `/datasets/${ids.dataset}`)
        .replace(/\/tokens\/\{id\}/, `/tokens/${ids.token}`).replace(/\/users\/\{id\}/, `/users/${ids.user}`)
        .replace(/\/tenants\/\{id\}/, `/tenants/${ids.tenant}`).replace(/\/allocations\/\{id\}/, `/allocations/${ids.allocation}`)
        .replace(/\/uploads\/\{id\}/, `/uploads/${ids.upload}`).replace(/\{n\}/, '1').replace(/\{\*\}/, 'p.dcm')
        .replace(/\{\w+\}/g, 'x');
      ops.push({ method: m.toUpperCase(), path: pattern, url });
    }
  }
  return ops;
}

const call = async (token: string | undefined, op: Op) => {
  const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method) && op.method !== 'DELETE' ? '{}' : undefined;
  // Streams (the live feed, followed logs) never end: read what arrives within a second, then hang up.
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 1500);
  try {
    const r = await fetch(s.url + op.url, {
      method: op.method, signal: ac.signal,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), 'tus-resumable': '1.0.0' },
      body,
    });
    let text = '';
    if (op.method !== 'HEAD' && r.body) {
      const reader = r.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString();
        }
      } catch {
        /* hung up on a stream: what arrived is checked */
      }
    }
    return { status: r.status, text };
  } finally {
    clearTimeout(timer);
  }
};

describe('the isolation matrix', () => {
  it('every operation × every principal is refused, and nothing of the other organization appears', async () => {
    const ops = await operations();
    // An expired token: made, then moved into the past in the database (never used, so never cached).
    const expired = (await attacker.post('/v1/tokens', { name: 'soon-expired', expiresInDays: 1 })).body;
    const db = await openStore({ sqlitePath: `${s.home}/cheomdan.db` });
    await sql`UPDATE api_tokens SET expires_at = ${Date.now() - 1000} WHERE id = ${expired.id}`.execute(db.db);
    await db.close();
    // One token per scope, of the attacker's organization: each operation is tried with one lacking its scope.
    const scoped: Record<string, string> = {};
    for (const sc of SCOPES) scoped[sc] = (await attacker.post('/v1/tokens', { name: `only-${sc}`, scopes: [sc] })).body.token;
    const lacking = (need: Scope) => scoped[need === 'read' ? 'sessions' : 'read']!;
    let tried = 0;
    const leaks: string[] = [];
    const wrong: string[] = [];
    const check = (who: string, op: Op, r: { status: number; text: string }) => {
      tried++;
      // (An id the request itself carries may be echoed back — "no job job_…" — that tells nothing.)
      for (const x of secrets) if (r.text.includes(x) && !op.url.includes(x)) leaks.push(`${who} ${op.method} ${op.path} → ${r.status} contains "${x}"`);
      if (r.status >= 500) wrong.push(`${who} ${op.method} ${op.path} → ${r.status}`);
    };
    for (const op of ops) {
      const isPublic = PUBLIC_ROUTES.includes(`${op.method} ${op.path}`);
      const anon = await call(undefined, op);
      check('anonymous', op, anon);
      if (!isPublic && anon.status !== 401) wrong.push(`anonymous ${op.method} ${op.path} → ${anon.status}, not 401`);
      const exp = await call(expired.token, op);
      check('expired', op, exp);
      if (!isPublic && exp.status !== 401) wrong.push(`expired ${op.method} ${op.path} → ${exp.status}, not 401`);
      if (!isPublic) {
        const need = scopeOfRoute(op.method, op.path)!;
        const out = await call(lacking(need), op);
        check(`without ${need}`, op, out);
        if (out.status !== 403) wrong.push(`a token without ${need}: ${op.method} ${op.path} → ${out.status}, not 403`);
      }
      check('other organization', op, await call(attacker.token, op));
      const nr = await call(memberNoRole.token, op);
      // A member of the victim's own organization may read its things; without the owner's role they change none of its people.
      if (/^(POST|PUT|PATCH|DELETE) \/v1\/(users|tenants|allocations|programs|rates|cohorts|quotas|reservations|nodes)/.test(`${op.method} ${op.path}`) && nr.status < 400) {
        wrong.push(`a member without the role: ${op.method} ${op.path} → ${nr.status}`);
      }
      tried++;
    }
    console.log(`isolation matrix: ${ops.length} operations × 5 principals = ${tried} requests; leaks ${leaks.length}; wrong answers ${wrong.length}`);
    expect(leaks).toEqual([]);
    expect(wrong).toEqual([]);
    expect(ops.length).toBeGreaterThan(90);
    // The victim still has everything.
    await waitFor(() => victim.get(`/v1/jobs/${ids.job}`), (r) => r.status === 200, 5000, 'the victim\'s job');
    expect((await victim.get('/v1/datasets/victim-secret-scans')).body.versions.length).toBeGreaterThan(0);
  }, 120_000);
});
