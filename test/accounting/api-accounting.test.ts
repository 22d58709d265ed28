/**
 * Programs and allocations end to end through the real HTTP API, with accounting enforced: a program is
 * opened, an application submitted, scored and approved; jobs run and are charged at the rate in force;
 * the balance runs out and the next job is refused (at submit) or waits (allocation_exhausted); reports
 * show it all. Plus authority (who may do what), tenant isolation, and bad input that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Allocation, Application, LedgerTransaction, Program, UsageReport } from '../../src/contract/accounting.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from '../helpers/server.ts';

const H100 = 'nvidia-h100-sxm-80gb';
let s: TestServer;
let admin: Client;
let acme: Client;
let beta: Client;
let reviewer: Client;
let reviewerEmail: string;
let acmeTenant: string;

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

beforeAll(async () => {
  process.env.CHEOMDAN_ACCOUNTING = 'enforce';
  s = await startTestServer();
  delete process.env.CHEOMDAN_ACCOUNTING;
  admin = client(s.url, s.adminToken);
  const a = await tenantWithOwner(s.url, admin, 'acme-ai');
  acme = a.owner;
  acmeTenant = a.tenantId;
  beta = (await tenantWithOwner(s.url, admin, 'beta-bio')).owner;
  const r = await tenantWithOwner(s.url, admin, 'review-board');
  reviewer = r.owner;
  reviewerEmail = r.email;
}, 60_000);
afterAll(async () => s?.close());

/** A fresh snapshot of what must not change when a request is refused. */
const state = async () => ({
  programs: (await admin.get('/v1/programs')).body.items.length,
  applications: (await admin.get('/v1/applications')).body.items.length,
  allocations: (await admin.get('/v1/allocations')).body.items.length,
  ledger: (await admin.get('/v1/ledger?limit=1000')).body.items.length,
  rates: (await admin.get('/v1/rates')).body.items.length,
});

describe('rates', () => {
  it('only operators set rates; bad rates are refused and change nothing', async () => {
    const before = await state();
    expect((await acme.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 1 })).status).toBe(403);
    const bad = await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: '1.23456' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toContain('serviceUnitsPerHour');
    expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: 'no-such-gpu', serviceUnitsPerHour: 1 })).status).toBe(422);
    expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 1, effectiveFrom: '2020-01-01' })).status).toBe(400);
    expect((await admin.post('/v1/rates', { resource: 'cpu', acceleratorType: H100, serviceUnitsPerHour: 1 })).status).toBe(400);
    expect(await state()).toEqual(before);
  });

  it('sets 72 SU per H100-hour (0.02 SU per device-second) and 3.6 SU per CPU-hour', async () => {
    const r = await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 72, note: 'H100 list rate' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 72, inForce: true });
    expect((await admin.post('/v1/rates', { resource: 'cpu', serviceUnitsPerHour: 3.6 })).status).toBe(201);
    expect((await admin.post('/v1/rates', { resource: 'reservation_multiplier', multiplier: 1.5 })).status).toBe(201);
  });
});

let program: ReturnType<typeof Program.parse>;
let application: ReturnType<typeof Application.parse>;
let allocation: ReturnType<typeof Allocation.parse>;

describe('a program, an application, reviews and a decision', () => {
  const body = {
    slug: 'gwangju-2027', name: 'Gwangju regional AI support 2027', opensAt: today(), closesAt: inDays(30), budget: 10,
    tenantCap: 5, eligibility: { tenantKinds: ['startup'], regions: ['gwangju'] }, sectorShares: { healthcare: 50 },
    criteria: [{ key: 'impact', name: 'Impact', weight: 2 }, { key: 'feasibility', name: 'Feasibility', weight: 1 }],
    allocationTerms: { firstTranchePct: 50, progressReportMonths: [1, 3], discountPct: 50 },
  };

  it('refuses programs from non-operators and malformed ones, changing nothing', async () => {
    const before = await state();
    expect((await acme.post('/v1/programs', body)).status).toBe(403);
    const bad = await admin.post('/v1/programs', { ...body, closesAt: '2020-01-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('body.closesAt');
    expect((await admin.post('/v1/programs', { ...body, criteria: [] })).status).toBe(400);
    expect((await admin.post('/v1/programs', { ...body, budget: -5 })).status).toBe(400);
    expect((await admin.post('/v1/programs', { ...body, surprise: 1 })).status).toBe(400);
    expect(await state()).toEqual(before);
  });

  it('an operator opens a program with a 10 SU budget', async () => {
    const r = await admin.post('/v1/programs', body);
    expect(r.status).toBe(201);
    program = Program.parse(r.body);
    expect(program).toMatchObject({ open: true, budget: 10, remaining: 10, tenantCap: 5 });
    expect((await acme.get('/v1/programs')).body.items.map((p: { slug: string }) => p.slug)).toContain('gwangju-2027');
  });

  it('an owner applies; eligibility and the cap are checked at submission', async () => {
    const ask = { program: 'gwangju-2027', title: 'Pathology foundation model', description: 'Fine-tune on 2M slides.', accelerators: [{ type: H100, count: 2 }], durationDays: 120, serviceUnits: 0.1, expectedOutputs: ['paper', 'open model'], submit: true };
    const noRegion = await acme.post('/v1/applications', ask);
    expect(noRegion.status).toBe(400);
    expect(noRegion.body.detail).toMatch(/regions gwangju/);
    const overCap = await acme.post('/v1/applications', { ...ask, region: 'gwangju', serviceUnits: 6 });
    expect(overCap.status).toBe(400);
    expect(overCap.body.detail).toMatch(/at most 5 SU per organization/);
    expect((await admin.post('/v1/applications', { ...ask, region: 'gwangju' })).status).toBe(403);
    const ok = await acme.post('/v1/applications', { ...ask, region: 'gwangju' });
    expect(ok.status).toBe(201);
    application = Application.parse(ok.body);
    expect(application).toMatchObject({ state: 'submitted', serviceUnits: 0.1 });
  });

  it('another tenant cannot see it; only assigned reviewers score, on every criterion', async () => {
    expect((await beta.get(`/v1/applications/${application.id}`)).status).toBe(404);
    expect((await beta.get('/v1/applications')).body.items).toEqual([]);
    expect((await reviewer.post(`/v1/applications/${application.id}/reviews`, { scores: { impact: 8, feasibility: 6 } })).status).toBe(404);
    expect((await admin.post(`/v1/applications/${application.id}/reviews`, { scores: { impact: 8, feasibility: 6 } })).status).toBe(403);
    expect((await admin.post('/v1/programs/gwangju-2027/reviewers', { user: reviewerEmail })).status).toBe(200);
    const missing = await reviewer.post(`/v1/applications/${application.id}/reviews`, { scores: { impact: 8 } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('scores.feasibility');
    expect((await reviewer.post(`/v1/applications/${application.id}/reviews`, { scores: { impact: 11, feasibility: 6 } })).status).toBe(400);
    const scored = await reviewer.post(`/v1/applications/${application.id}/reviews`, { scores: { impact: 8, feasibility: 5 }, comment: 'strong team' });
    expect(scored.status).toBe(200);
    expect(scored.body.state).toBe('under_review');
    const seen = await admin.get(`/v1/applications/${application.id}`);
    expect(seen.body.score).toBe(7); // (8×2 + 5×1) / 3
    expect(seen.body.reviews[0]).toMatchObject({ scores: { impact: 8, feasibility: 5 }, comment: 'strong team' });
    expect((await acme.get(`/v1/applications/${application.id}`)).body.reviews).toBeUndefined();
  });

  it('only operators decide; approval for less awards an allocation with half released now', async () => {
    expect((await reviewer.post(`/v1/applications/${application.id}/approve`, { reason: 'good' })).status).toBe(403);
    expect((await admin.post(`/v1/applications/${application.id}/approve`, { serviceUnits: 0.2, reason: 'more than asked' })).status).toBe(400);
    expect((await admin.post(`/v1/applications/${application.id}/approve`, {})).status).toBe(400);
    const r = await admin.post(`/v1/applications/${application.id}/approve`, { serviceUnits: 0.08, reason: 'strong; trimmed to the pilot' });
    expect(r.status).toBe(200);
    expect(r.body.application).toMatchObject({ state: 'approved', approvedServiceUnits: 0.08, decisionReason: 'strong; trimmed to the pilot' });
    allocation = Allocation.parse(r.body.allocation);
    expect(allocation).toMatchObject({ tenant: acmeTenant, acceleratorTypes: [H100], concurrentLimit: 2, discountPct: 50, state: 'active' });
    expect(allocation.balance).toEqual({ awarded: 0.08, committed: 0.04, available: 0.04, held: 0, spent: 0, expired: 0 });
    expect(allocation.reportSchedule.map((d) => d.kind)).toEqual(['progress', 'progress', 'final']);
    expect((await admin.get('/v1/programs/gwangju-2027')).body.remaining).toBe(9.92);
    // a decided application cannot be decided again
    expect((await admin.post(`/v1/applications/${application.id}/reject`, { reason: 'changed my mind' })).status).toBe(409);
    expect((await acme.post(`/v1/applications/${application.id}/withdraw`)).status).toBe(409);
  });
});

describe('jobs are charged to the allocation', () => {
  it('a job is held at start, settled to its device-seconds × rate, and the rest released', async () => {
    // 60 s × 1 H100 × 72 SU/h = 1.2 SU: too much for 0.04 SU — refused at submit with the balance and the cost.
    const refused = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, acceleratorTypes: [H100], timeLimitSeconds: 60 });
    expect(refused.status).toBe(402);
    expect(refused.body.code).toBe('insufficient_balance');
    expect(refused.body.detail).toBe(`allocation ${allocation.id} has 0.04 SU available; this job may cost up to 1.2 SU (0.017 h × 1 devices × 72 SU/device-hour); shorten --time or ask for fewer devices`);
    // 2 s × 0.02 SU/s = 0.04 SU: exactly the balance.
    const r = await acme.post('/v1/jobs', { command: ['sleep', '0.5'], devicesPerTask: 1, timeLimitSeconds: 2 });
    expect(r.status).toBe(201);
    const done = await waitForJob(acme, r.body.id);
    expect(done.state).toBe('succeeded');
    expect(done.acceleratorType).toBe(H100); // narrowed to the allocation's type
    await waitFor(() => acme.get(`/v1/ledger?job=${r.body.id}`), (x) => x.body.items.some((t: { kind: string }) => t.kind === 'settle'), 10_000, 'the settlement');
    const txns = z.array(LedgerTransaction).parse((await acme.get(`/v1/ledger?job=${r.body.id}`)).body.items);
    expect(txns.map((t) => t.kind)).toEqual(['hold', 'settle', 'release']);
    const [hold, settle, release] = txns;
    expect(hold!.serviceUnits).toBe(0.04);
    // the charge is device-seconds × the rate (0.02 SU/s), rounded once to 0.001 SU; deviceHours is itself
    // shown rounded, so recomputing from it may land one rounding step away
    const wantMilli = Math.round(settle!.deviceHours * 3600 * 1000 * 0.02);
    expect(Math.abs(Math.round(settle!.serviceUnits * 1000) - wantMilli)).toBeLessThanOrEqual(1);
    expect(settle!.deviceHours * 3600).toBeGreaterThanOrEqual(0.4);
    expect(Math.round((settle!.serviceUnits + release!.serviceUnits) * 1000)).toBe(40);
    for (const t of txns) expect(t.entries.reduce((s, e) => s + Math.round(e.serviceUnits * 1000), 0)).toBe(0);
    const al = (await acme.get(`/v1/allocations/${allocation.id}`)).body;
    expect(al.balance.held).toBe(0);
    expect(Math.round((al.balance.available + al.balance.spent) * 1000)).toBe(40);
  });

  it('a job the balance cannot cover while it waits stays pending with allocation_exhausted, and starts once SUs are added', async () => {
    const balance = async () => (await acme.get(`/v1/allocations/${allocation.id}`)).body.balance;
    await waitFor(balance, (b) => b.held === 0, 20_000, 'no holds');
    expect((await admin.post(`/v1/allocations/${allocation.id}/adjust`, { serviceUnits: 0.05, reason: 'test: room for two jobs' })).status).toBe(200);
    // A takes both devices the allocation may use at once (concurrent limit 2): 2 devices × 1 s = 0.04 SU held.
    const a = await acme.post('/v1/jobs', { command: ['sleep', '0.8'], devicesPerTask: 2, timeLimitSeconds: 1 });
    expect(a.status).toBe(201);
    await waitForJob(acme, a.body.id, ['running', 'succeeded']);
    // B fits the balance at submit, then waits for A's devices (its quota)...
    const b = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, timeLimitSeconds: 1 });
    expect(b.status).toBe(201);
    // ...while an operator takes back all but 0.01 SU: when A ends, B's 0.02 SU hold cannot be covered.
    const avail = (await balance()).available;
    expect((await admin.post(`/v1/allocations/${allocation.id}/adjust`, { serviceUnits: -(Math.round((avail - 0.01) * 1000) / 1000), reason: 'test: monthly usage check resized it' })).status).toBe(200);
    await waitForJob(acme, a.body.id);
    const waiting = await waitFor(() => acme.get(`/v1/jobs/${b.body.id}`), (x) => x.body.pendingReason === 'allocation_exhausted', 15_000, 'B to wait for the balance');
    expect(waiting.body.state).toBe('pending');
    expect(waiting.body.pendingMessage).toMatch(/has 0\.0\d+ SU available; this job may cost up to 0\.02 SU/);
    const events = (await acme.get(`/v1/jobs/${b.body.id}/events`)).body.items.map((e: { message: string }) => e.message);
    expect(events.some((m: string) => m.startsWith('allocation_exhausted:'))).toBe(true);
    // no start attempt was counted and nothing is held for it
    expect(waiting.body.attempt).toBe(0);
    expect((await acme.get(`/v1/ledger?job=${b.body.id}`)).body.items).toEqual([]);
    expect((await admin.post(`/v1/allocations/${allocation.id}/adjust`, { serviceUnits: 0.03, reason: 'test: top up' })).status).toBe(200);
    expect((await waitForJob(acme, b.body.id)).state).toBe('succeeded');
    // take the top-up back so the next test starts from a small balance
    await waitFor(balance, (x) => x.held === 0, 20_000, 'no holds');
  });

  it('when the balance has run out, the next job is refused at submit; an operator adjustment and an accepted progress report refill it', async () => {
    // spend what is left: wait until nothing is held, then take back all but 0.001 SU
    const idle = await waitFor(() => acme.get(`/v1/allocations/${allocation.id}`), (x) => x.body.balance.held === 0, 20_000, 'no holds');
    const left = idle.body.balance.available;
    const take = Math.round((left - 0.001) * 1000) / 1000;
    if (take > 0) expect((await admin.post(`/v1/allocations/${allocation.id}/adjust`, { serviceUnits: -take, reason: 'test: leave 0.001 SU' })).status).toBe(200);
    expect((await acme.post(`/v1/allocations/${allocation.id}/adjust`, { serviceUnits: 1, reason: 'please' })).status).toBe(403);
    const refused = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, timeLimitSeconds: 1 });
    expect(refused.status).toBe(402);
    expect(refused.body.detail).toMatch(/has 0.001 SU available; this job may cost up to 0.02 SU/);
    // a progress report, accepted by an operator, releases the second tranche (0.04 SU)
    const rep = await acme.post(`/v1/allocations/${allocation.id}/reports`, { kind: 'progress', text: 'month 1: data pipeline done' });
    expect(rep.status).toBe(201);
    expect((await acme.post(`/v1/allocations/${allocation.id}/reports/${rep.body.id}/review`, { decision: 'accept' })).status).toBe(403);
    expect((await admin.post(`/v1/allocations/${allocation.id}/reports/${rep.body.id}/review`, { decision: 'accept', note: 'on track' })).status).toBe(200);
    expect((await admin.post(`/v1/allocations/${allocation.id}/reports/${rep.body.id}/review`, { decision: 'accept' })).status).toBe(409);
    const after = (await acme.get(`/v1/allocations/${allocation.id}`)).body;
    expect(after.balance.committed).toBe(0);
    expect(after.balance.available).toBe(0.041);
    expect(after.tranches.every((t: { releasedAt: string | null }) => t.releasedAt !== null)).toBe(true);
    const ok = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, timeLimitSeconds: 1 });
    expect(ok.status).toBe(201);
    await waitForJob(acme, ok.body.id);
  });

  it('a suspended allocation refuses new jobs; resuming lets them in', async () => {
    expect((await admin.post(`/v1/allocations/${allocation.id}/suspend`, { reason: 'off-purpose use under investigation' })).status).toBe(200);
    const r = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, timeLimitSeconds: 1 });
    expect(r.status).toBe(402);
    expect(r.body.detail).toMatch(/suspended \(off-purpose use under investigation\)/);
    expect((await admin.post(`/v1/allocations/${allocation.id}/suspend`, { reason: 'again' })).status).toBe(409);
    expect((await admin.post(`/v1/allocations/${allocation.id}/resume`)).status).toBe(200);
  });

  it('a tenant with no allocation is refused; the operations tenant is exempt', async () => {
    const r = await beta.post('/v1/jobs', { command: ['true'] });
    expect(r.status).toBe(402);
    expect(r.body.detail).toMatch(/no allocation/);
    const ops = await admin.post('/v1/jobs', { command: ['true'] });
    expect(ops.status).toBe(201);
    expect((await waitForJob(admin, ops.body.id)).state).toBe('succeeded');
  });
});

describe('ledger, reports and isolation', () => {
  it('the ledger balances: every transaction sums to zero; balances are the sums of entries', async () => {
    const all = z.array(LedgerTransaction).parse((await admin.get('/v1/ledger?limit=1000')).body.items);
    const sums = new Map<string, number>();
    for (const t of all) {
      expect(t.entries.reduce((s, e) => s + Math.round(e.serviceUnits * 1000), 0)).toBe(0);
      for (const e of t.entries) sums.set(e.account, (sums.get(e.account) ?? 0) + Math.round(e.serviceUnits * 1000));
    }
    expect([...sums.values()].reduce((s, v) => s + v, 0)).toBe(0);
    const al = (await admin.get(`/v1/allocations/${allocation.id}`)).body;
    for (const bucket of ['committed', 'available', 'held', 'spent', 'expired'] as const) {
      expect(sums.get(`allocation:${allocation.id}:${bucket}`) ?? 0).toBe(Math.round(al.balance[bucket] * 1000));
    }
    expect(sums.get(`program:${program.id}:budget`)).toBe(9920);
  });

  it('usage report: per tenant, month and type; the total equals what was spent; CSV too', async () => {
    const r = await acme.get('/v1/reports/usage?groupBy=tenant,month,acceleratorType');
    expect(r.status).toBe(200);
    const u = UsageReport.parse(r.body);
    const al = (await acme.get(`/v1/allocations/${allocation.id}`)).body;
    expect(u.total.serviceUnits).toBeCloseTo(al.balance.spent, 6);
    expect(u.rows.every((x) => x.tenant === acmeTenant && x.acceleratorType === H100)).toBe(true);
    expect(u.total.attempts).toBeGreaterThanOrEqual(4);
    const csv = await acme.get('/v1/reports/usage?groupBy=program&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('program,attempts,deviceHours,cpuHours,serviceUnits');
    expect(csv.body.split('\r\n')[1]).toMatch(new RegExp(`^${program.id},`));
    // per user and month (ABCI's monthly points per user): all of acme's jobs were its owner's
    const me = (await acme.get('/v1/me')).body.user.id;
    const perUser = UsageReport.parse((await acme.get('/v1/reports/usage?groupBy=user,month')).body);
    expect(perUser.rows.map((x) => x.user)).toEqual([me]);
    expect(perUser.rows[0]!.serviceUnits).toBeCloseTo(u.total.serviceUnits, 6);
    const bad = await acme.get('/v1/reports/usage?groupBy=galaxy');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/unknown dimension "galaxy"/);
  });

  it('outputs, schedules, at-risk and utilisation reports', async () => {
    expect((await acme.post(`/v1/allocations/${allocation.id}/outputs`, { kind: 'paper', title: 'PathoFM', reference: '10.1234/pathofm' })).status).toBe(201);
    expect((await acme.post(`/v1/allocations/${allocation.id}/outputs`, { kind: 'thesis', title: 'x' })).status).toBe(400);
    const outs = (await admin.get('/v1/reports/outputs?program=gwangju-2027')).body.items;
    expect(outs).toEqual([{ allocation: allocation.id, tenant: acmeTenant, program: program.id, counts: { paper: 1 }, outputs: [{ kind: 'paper', title: 'PathoFM', reference: '10.1234/pathofm' }] }]);
    const sched = (await acme.get('/v1/reports/schedule')).body.items;
    expect(sched.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`)).toEqual(['progress:submitted_on_time', 'progress:upcoming', 'final:upcoming']);
    expect((await acme.get('/v1/reports/utilisation')).status).toBe(403);
    const garbage = await admin.get('/v1/reports/utilisation?from=garbage');
    expect(garbage.status).toBe(400);
    expect(garbage.body.detail).toMatch(/ISO-8601/);
    const util = (await admin.get('/v1/reports/utilisation')).body.rows.find((x: { acceleratorType: string }) => x.acceleratorType === H100);
    expect(util.devices).toBe(8);
    expect(util.usedDeviceHours).toBeGreaterThan(0);
    const risk = await admin.get('/v1/reports/at-risk?format=csv');
    expect(risk.status).toBe(200);
  });

  it('a tenant sees only its own allocations, ledger and usage', async () => {
    expect((await beta.get(`/v1/allocations/${allocation.id}`)).status).toBe(404);
    expect((await beta.get('/v1/allocations')).body.items).toEqual([]);
    expect((await beta.get(`/v1/ledger?allocation=${allocation.id}`)).status).toBe(404);
    expect((await beta.get('/v1/ledger')).body.items).toEqual([]);
    expect((await beta.get('/v1/reports/usage')).body.rows).toEqual([]);
    expect((await beta.get(`/v1/reports/usage?tenant=acme-ai`)).status).toBe(404);
    expect((await beta.post(`/v1/allocations/${allocation.id}/outputs`, { kind: 'paper', title: 'stolen' })).status).toBe(404);
    expect((await beta.post('/v1/jobs', { command: ['true'], allocation: allocation.id })).status).toBe(404);
  });

  it('a rate change never rewrites past charges', async () => {
    const before = (await admin.get('/v1/ledger?kind=settle&limit=1000')).body.items;
    expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 144 })).status).toBe(201);
    expect((await admin.get('/v1/ledger?kind=settle&limit=1000')).body.items).toEqual(before);
    const rates = (await admin.get('/v1/rates')).body.items.filter((x: { acceleratorType: string | null }) => x.acceleratorType === H100);
    // The first is the default a fresh install writes (1 SU = one H100 SXM hour), replaced by the test's 72.
    expect(rates.map((x: { serviceUnitsPerHour: number; inForce: boolean }) => [x.serviceUnitsPerHour, x.inForce])).toEqual([[1, false], [72, false], [144, true]]);
  });

  it('expiry moves what is left to expired, and an expired allocation takes no jobs', async () => {
    const before = (await waitFor(() => acme.get(`/v1/allocations/${allocation.id}`), (x) => x.body.balance.held === 0, 20_000, 'no holds')).body.balance;
    const r = await admin.post(`/v1/allocations/${allocation.id}/expire`, { reason: 'reclaimed: project ended early' });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('expired');
    expect(r.body.balance).toEqual({ ...before, available: 0, committed: 0, expired: Math.round((before.available + before.committed) * 1000) / 1000 });
    expect((await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, timeLimitSeconds: 1 })).status).toBe(402);
    expect((await admin.post(`/v1/allocations/${allocation.id}/expire`, { reason: 'again' })).status).toBe(409);
    const ledger = (await acme.get(`/v1/ledger?allocation=${allocation.id}&kind=expiry`)).body.items;
    expect(ledger).toHaveLength(1);
    expect(ledger[0].memo).toBe('reclaimed: project ended early');
  });
});

describe('storage', () => {
  it('an operator grants storage with an allocation; bad storage is refused and changes nothing', async () => {
    const body = { tenant: 'review-board', name: 'storage grant', serviceUnits: 10, concurrentLimit: 1, endsAt: inDays(90) };
    const before = await state();
    for (const storageTb of [-1, 0.0001, 'ten', 2_000_000]) {
      const bad = await admin.post('/v1/allocations', { ...body, storageTb });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.errors)).toMatch(/storageTb/);
    }
    expect(await state()).toEqual(before);
    const ok = await admin.post('/v1/allocations', { ...body, storageTb: 10.5 });
    expect(ok.status).toBe(201);
    expect(ok.body.storageTb).toBe(10.5);
    expect((await reviewer.get(`/v1/allocations/${ok.body.id}`)).body.storageTb).toBe(10.5);
  });
});
