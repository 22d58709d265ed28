/**
 * Tenant isolation, endpoint by endpoint: a user of tenant A never reads or changes tenant B's jobs, logs,
 * events, projects, users or tenant record. Another tenant's resources look exactly like missing ones (404).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let a: Client;
let b: Client;
let bJob: any;
let bRunning: any;
let bTenant: string;
let bProject: any;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  a = (await tenantWithOwner(s.url, admin, 'alpha-health')).owner;
  const tb = await tenantWithOwner(s.url, admin, 'beta-motors');
  b = tb.owner;
  bTenant = tb.tenantId;
  bJob = (await b.post('/v1/jobs', { command: ['sh', '-c', 'echo secret-of-beta'] })).body;
  await waitForJob(b, bJob.id);
  bRunning = (await b.post('/v1/jobs', { command: ['sleep', '30'] })).body;
  await waitForJob(b, bRunning.id, ['running']);
  bProject = (await b.get('/v1/projects')).body.items[0];
  await a.post('/v1/jobs', { command: ['true'] });
});
afterAll(async () => {
  await b?.post(`/v1/jobs/${bRunning?.id}/cancel`);
  await s?.close();
});

describe('tenant A cannot see or touch tenant B', () => {
  it('GET /v1/jobs lists only A\'s jobs', async () => {
    const r = await a.get('/v1/jobs?limit=500');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.every((j: any) => j.tenant !== bTenant)).toBe(true);
  });
  it('GET /v1/jobs?tenant=B is forbidden', async () => {
    expect((await a.get('/v1/jobs?tenant=beta-motors')).status).toBe(403);
  });
  it('GET /v1/jobs?state=running hides B\'s running job', async () => {
    const r = await a.get('/v1/jobs?state=running');
    expect(r.body.items.map((j: any) => j.id)).not.toContain(bRunning.id);
  });
  for (const [name, call] of Object.entries({
    'GET /v1/jobs/:id': (id: string) => a.get(`/v1/jobs/${id}`),
    'GET /v1/jobs/:id/events': (id: string) => a.get(`/v1/jobs/${id}/events`),
    'GET /v1/jobs/:id/logs': (id: string) => a.get(`/v1/jobs/${id}/logs`),
    'GET /v1/jobs/:id/logs?stream=stderr': (id: string) => a.get(`/v1/jobs/${id}/logs?stream=stderr`),
    'POST /v1/jobs/:id/cancel': (id: string) => a.post(`/v1/jobs/${id}/cancel`),
  })) {
    it(`${name} answers 404 for B's job, exactly as for a missing one`, async () => {
      const r = await call(bJob.id);
      const missing = await call('job_doesnotexist');
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
      expect(JSON.stringify(r.body)).not.toContain('secret-of-beta');
      expect(missing.status).toBe(404);
      expect(r.body.detail.replace(bJob.id, 'X')).toBe(missing.body.detail.replace('job_doesnotexist', 'X'));
    });
  }
  it('cannot cancel B\'s running job', async () => {
    expect((await a.post(`/v1/jobs/${bRunning.id}/cancel`)).status).toBe(404);
    expect((await b.get(`/v1/jobs/${bRunning.id}`)).body.state).toBe('running');
  });
  it('cannot submit into B\'s project', async () => {
    const byId = await a.post('/v1/jobs', { command: ['true'], project: bProject.id });
    expect(byId.status).toBe(400);
    expect(byId.body.detail).toMatch(/no project/);
  });
  it('GET /v1/projects, /v1/users, /v1/tenants show only A', async () => {
    const p = await a.get('/v1/projects');
    expect(p.body.items.every((x: any) => x.tenant !== bTenant)).toBe(true);
    const u = await a.get('/v1/users');
    expect(u.body.items.every((x: any) => x.tenant !== bTenant)).toBe(true);
    const t = await a.get('/v1/tenants');
    expect(t.body.items.map((x: any) => x.slug)).toEqual(['alpha-health']);
  });
  it('GET /v1/tenants/:id of B is 404, by id and by slug', async () => {
    expect((await a.get(`/v1/tenants/${bTenant}`)).status).toBe(404);
    expect((await a.get('/v1/tenants/beta-motors')).status).toBe(404);
  });
  it('cannot create users or projects in B', async () => {
    const u = await a.post('/v1/users', { email: 'spy@alpha.example', name: 'spy', role: 'member', tenant: 'beta-motors' });
    expect(u.status).toBe(404);
    const p = await a.post('/v1/projects', { slug: 'spy', name: 'spy', tenant: 'beta-motors' });
    expect(p.status).toBe(404);
    expect((await b.get('/v1/users')).body.items.map((x: any) => x.email)).not.toContain('spy@alpha.example');
  });
  it('GET /v1/me shows A\'s own tenant and projects only', async () => {
    const me = await a.get('/v1/me');
    expect(me.body.tenant.slug).toBe('alpha-health');
    expect(me.body.projects.every((x: any) => x.tenant === me.body.tenant.id)).toBe(true);
  });
  it('the live stream carries none of B\'s changes', async () => {
    const ac = new AbortController();
    const token = (await client(s.url).post('/v1/auth/login', { email: 'owner@alpha-health.example', password: 'correct horse battery' })).body.token;
    const res = await fetch(`${s.url}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      } catch { /* aborted */ }
    })();
    const mine = (await a.post('/v1/jobs', { command: ['true'] })).body;
    const theirs = (await b.post('/v1/jobs', { command: ['true'] })).body;
    await waitForJob(a, mine.id);
    await waitForJob(b, theirs.id);
    await new Promise((r) => setTimeout(r, 600));
    ac.abort();
    await reading;
    expect(text).toContain(mine.id);
    expect(text).not.toContain(theirs.id);
  });
  it('operators see both', async () => {
    const r = await admin.get('/v1/jobs?limit=500');
    const tenants = new Set(r.body.items.map((j: any) => j.tenant));
    expect(tenants.has(bTenant)).toBe(true);
    expect(tenants.size).toBeGreaterThanOrEqual(2);
    expect((await admin.get(`/v1/jobs/${bJob.id}/logs`)).body).toBe('secret-of-beta\n');
  });
});
