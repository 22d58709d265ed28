/**
 * Quotas live, on a real server with the local executor and the demo inventory (8 × H100 on two nodes):
 * organization A borrows B's idle H100s through their cohort; when B submits, A's most recently started
 * borrowed job is preempted and requeued, B's job starts, and A's waiting jobs say which quota holds them.
 * Bad quotas are refused with the field and the fix, changing nothing; organizations see only their own;
 * the CLI sets and lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWithToken } from './helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from './helpers/server.ts';

const H100 = 'nvidia-h100-sxm-80gb';
let s: TestServer;
let admin: Client;
let a: Client;
let b: Client;

beforeAll(async () => {
  // Reclaim as soon as the owner asks (the default lets a job run 60 s before it may be preempted).
  s = await startTestServer({ policy: { order: 'fifo-backfill', preemption: { minRunSeconds: 0 } } });
  admin = client(s.url, s.adminToken);
  a = (await tenantWithOwner(s.url, admin, 'borrower-lab')).owner;
  b = (await tenantWithOwner(s.url, admin, 'owner-hospital')).owner;
}, 60_000);
afterAll(async () => s?.close());

const quotaCount = async () => (await admin.get('/v1/quotas')).body.items.length;
const said = (r: { body: { detail?: string; errors?: { path: string; message: string }[] } }) =>
  `${r.body.detail} ${(r.body.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ')}`;
const job = (c: Client, name: string) => c.post('/v1/jobs', { name, command: ['sh', '-c', 'sleep 120'], devicesPerTask: 4, acceleratorTypes: [H100], timeLimitSeconds: 600 });

describe('quotas', () => {
  it('refuses bad quotas and cohorts with the field and the fix, changing nothing', async () => {
    expect((await admin.post('/v1/cohorts', { name: 'gpu-pool', description: 'H100 pool of the demo' })).status).toBe(201);
    const ok = { tenant: 'owner-hospital', resource: H100, guaranteed: 8, cohort: 'gpu-pool' };
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ ...ok, guaranteed: 9 }, 400, /the cluster has 8 device\(s\) of nvidia-h100-sxm-80gb.*guarantee at most 8/],
      [{ ...ok, guaranteed: -1 }, 400, /guaranteed: not negative/],
      [{ ...ok, guaranteed: 2.5 }, 400, /guaranteed: a whole number of devices/],
      [{ ...ok, borrowLimit: -2 }, 400, /borrowLimit: not negative/],
      [{ ...ok, resource: 'tpu-v5' }, 400, /"tpu-v5" is neither an accelerator type of the catalog nor a type group; use one of: h100-class/],
      [{ ...ok, tenant: 'nobody' }, 404, /no tenant "nobody"/],
      [{ ...ok, cohort: 'no-such-pool' }, 400, /no cohort "no-such-pool"; create it first/],
      [{ ...ok, lendLimit: 9, guaranteed: 4 }, 400, /lending limit \(9\) is more than the guarantee \(4\)/],
      [{ ...ok, tenant: 'borrower-lab', guaranteed: 0, borrowLimit: 8 }, 400, /cohort "gpu-pool" has no member guaranteed nvidia-h100-sxm-80gb, so there is nothing to borrow/],
      [{ ...ok, project: 'main' }, 400, /a project's quota is a cap inside its organization's and lends nothing/],
      [{ ...ok, project: 'nope', cohort: null }, 400, /has no project "nope"/],
      [{ ...ok, surprise: true }, 400, /surprise/],
    ];
    const before = await quotaCount();
    for (const [body, status, msg] of cases) {
      const r = await admin.put('/v1/quotas', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(said(r), JSON.stringify(body)).toMatch(msg);
    }
    expect(await quotaCount()).toBe(before);
    expect((await admin.post('/v1/cohorts', { name: 'gpu-pool' })).status).toBe(409);
    expect((await admin.post('/v1/cohorts', { name: 'Bad Name' })).status).toBe(400);
    // Only operators set quotas; an organization cannot set its own.
    const own = await b.put('/v1/quotas', ok);
    expect(own.status).toBe(403);
    expect(await quotaCount()).toBe(before);
  });

  it('lends B\'s idle guarantee to A and reclaims it when B submits; the waiting job says which quota holds it', async () => {
    const lender = await admin.put('/v1/quotas', { tenant: 'owner-hospital', resource: H100, guaranteed: 8, cohort: 'gpu-pool' });
    expect(lender.status, JSON.stringify(lender.body)).toBe(200);
    const borrower = await admin.put('/v1/quotas', { tenant: 'borrower-lab', resource: H100, guaranteed: 0, borrowLimit: 8, cohort: 'gpu-pool' });
    expect(borrower.status, JSON.stringify(borrower.body)).toBe(200);
    const audit = (await admin.get('/v1/audit?action=quota.set')).body.items ?? [];
    expect(audit.length).toBeGreaterThanOrEqual(2);

    const a1 = (await job(a, 'a1')).body.id;
    await waitForJob(a, a1, ['running']);
    const a2 = (await job(a, 'a2')).body.id;
    await waitForJob(a, a2, ['running']);
    const a3 = (await job(a, 'a3')).body.id;
    const held = await waitFor(() => a.get(`/v1/jobs/${a3}`), (r) => r.body.pendingReason === 'quota', 10_000, 'a3 held by its quota');
    expect(held.body.pendingMessage).toMatch(/quota of organization '.*' on nvidia-h100-sxm-80gb: guaranteed 0, 8 in use \(borrowing limit 8\)|borrowing limit 8 reached/);

    // A sees its own quota with what it borrows; B does not see A's.
    const mine = (await a.get('/v1/quotas')).body.items;
    expect(mine).toEqual([expect.objectContaining({ resource: H100, guaranteed: 0, borrowLimit: 8, inUse: 8, borrowed: 8, cohort: 'gpu-pool' })]);
    expect((await b.get('/v1/quotas')).body.items.map((q: { guaranteed: number }) => q.guaranteed)).toEqual([8]);
    expect((await b.get(`/v1/quotas/${borrower.body.id}`)).status).toBe(404);

    const t0 = Date.now();
    const b1 = (await job(b, 'b1')).body.id;
    await waitForJob(b, b1, ['running'], 30_000);
    const tookMs = Date.now() - t0;
    // a2 started last: it is the one reclaimed, requeued, and now waits on the cohort.
    const a2now = await waitFor(() => a.get(`/v1/jobs/${a2}`), (r) => r.body.state === 'pending' && r.body.pendingReason === 'quota', 10_000, 'a2 requeued and held');
    expect(a2now.body.pendingMessage).toMatch(/cohort 'gpu-pool' has 0 idle to lend/);
    expect((await a.get(`/v1/jobs/${a1}`)).body.state).toBe('running');
    const events = (await a.get(`/v1/jobs/${a2}/events`)).body.items.map((e: { message: string }) => e.message);
    expect(events).toEqual(expect.arrayContaining([`preempting (reclaim) for job ${b1}`, 'requeued after preemption']));
    // Reclaim is bounded by the executor's stop (SIGTERM, then SIGKILL after the grace period): seconds, not minutes.
    expect(tookMs).toBeLessThan(20_000);
    for (const id of [a1, a2, a3]) await a.post(`/v1/jobs/${id}/cancel`);
    await b.post(`/v1/jobs/${b1}/cancel`);
  }, 90_000);

  it('sets and lists quotas from the CLI', async () => {
    const set = await cliWithToken(s, s.adminToken, ['quotas', 'set', '--tenant', 'borrower-lab', '--resource', H100, '--guaranteed', '2', '--borrow', '4', '--cohort', 'gpu-pool']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/guaranteed 2 nvidia-h100-sxm-80gb, borrowing 4 in cohort gpu-pool; in force from the next scheduling cycle/);
    const list = await cliWithToken(s, s.adminToken, ['quotas', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const items = JSON.parse(list.stdout).items as { tenant: string; guaranteed: number }[];
    expect(items.map((q) => q.guaranteed).sort()).toEqual([2, 8]);
    const bad = await cliWithToken(s, s.adminToken, ['quotas', 'set', '--tenant', 'borrower-lab', '--resource', H100, '--guaranteed', '1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/a whole number of devices/);
    const table = await cliWithToken(s, s.adminToken, ['quotas']);
    expect(table.stdout).toMatch(/GUARANTEED/);
  });
});
