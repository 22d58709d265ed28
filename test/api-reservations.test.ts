/**
 * Reservations through the API on a real server (local executor, demo inventory, accounting enforced):
 * an operator holds gpu-001 for one organization; another organization's jobs stay off it while it holds,
 * the holder's job that names it runs there and is charged at the reservation multiplier; an upcoming
 * reservation makes its jobs wait; cancelling frees the node. Bad input changes nothing; a tenant sees only
 * its own reservations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWithToken } from './helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from './helpers/server.ts';

const H100 = 'nvidia-h100-sxm-80gb';
const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
let s: TestServer;
let admin: Client;
let holder: Client;
let other: Client;

beforeAll(async () => {
  process.env.CHEOMDAN_ACCOUNTING = 'enforce';
  s = await startTestServer();
  delete process.env.CHEOMDAN_ACCOUNTING;
  admin = client(s.url, s.adminToken);
  holder = (await tenantWithOwner(s.url, admin, 'gist-class')).owner;
  other = (await tenantWithOwner(s.url, admin, 'other-lab')).owner;
  expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 36, note: 'list price' })).status).toBe(201);
  expect((await admin.post('/v1/rates', { resource: 'reservation_multiplier', multiplier: 1.5, note: 'as ABCI' })).status).toBe(201);
  for (const tenant of ['gist-class', 'other-lab']) {
    const a = await admin.post('/v1/allocations', { tenant, name: `${tenant} grant`, serviceUnits: 1000, concurrentLimit: 16, endsAt: at(60 * 24 * 30) });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
  }
}, 60_000);
afterAll(async () => s?.close());

const count = async () => (await admin.get('/v1/reservations')).body.items.length;
const submit = (c: Client, body: Record<string, unknown>) => c.post('/v1/jobs', { command: ['sh', '-c', 'echo on $CHEOMDAN_NODE; sleep 1'], devicesPerTask: 4, timeLimitSeconds: 600, ...body });

describe('reservations', () => {
  let rsv = '';

  it('refuses bad reservations with a reason, changing nothing', async () => {
    const ok = { tenant: 'gist-class', name: 'GPU class', nodes: ['gpu-001'], startsAt: at(-1), endsAt: at(60) };
    const before = await count();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ ...ok, nodes: ['gpu-009'] }, 400, /no node "gpu-009" in the cluster/],
      [{ ...ok, nodes: [] }, 400, /at least one node/],

      [{ ...ok, startsAt: at(-120), endsAt: at(-60) }, 400, /ends in the past/],
      [{ ...ok, startsAt: 'tomorrow' }, 400, /ISO-8601/],
      [{ ...ok, startsAt: '2030-03-02T09:00' }, 400, /give the time zone/],
      [{ ...ok, endsAt: at(-30) }, 400, /endsAt \(.*\) must be after startsAt/],
      [{ ...ok, tenant: 'nobody' }, 404, /no tenant "nobody"/],
      [{ ...ok, surprise: 1 }, 400, /surprise/],
    ];
    for (const [body, status, msg] of cases) {
      const r = await admin.post('/v1/reservations', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      const said = `${r.body.detail} ${(r.body.errors ?? []).map((e: { path: string; message: string }) => `${e.path}: ${e.message}`).join('; ')}`;
      expect(said).toMatch(msg);
    }
    expect((await holder.post('/v1/reservations', ok)).status).toBe(403);
    expect(await count()).toBe(before);
    const made = await admin.post('/v1/reservations', ok);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: 'GPU class', nodes: ['gpu-001'], state: 'active', cancelledAt: null });
    rsv = made.body.id;
    const overlap = await admin.post('/v1/reservations', { ...ok, tenant: 'other-lab', name: 'clash', startsAt: at(30), endsAt: at(90) });
    expect(overlap.status).toBe(409);
    expect(overlap.body.detail).toMatch(new RegExp(`gpu-001 is already reserved by ${rsv} \\("GPU class"\\)`));
    expect(await count()).toBe(before + 1);
  });

  it('a tenant sees only its own reservations; a job may name only its own, live one, in its partition', async () => {
    expect((await holder.get('/v1/reservations')).body.items.map((r: { id: string }) => r.id)).toEqual([rsv]);
    expect((await other.get('/v1/reservations')).body.items).toEqual([]);
    expect((await other.get(`/v1/reservations/${rsv}`)).status).toBe(404);
    expect((await submit(other, { reservation: rsv })).status).toBe(404);
    const tooBig = await submit(holder, { reservation: rsv, tasks: 2, devicesPerTask: 4, nodes: 2 });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.detail).toMatch(new RegExp(`the job can never fit in reservation ${rsv} \\(gpu-001\\)`));
    const tooLong = await submit(holder, { reservation: rsv, timeLimitSeconds: 3 * 3600 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.detail).toMatch(new RegExp(`the job's time limit \\(3 h\\) is longer than reservation ${rsv} has left \\([^)]+\\); a job in a reservation must end inside it`));
    const wrongPartition = await submit(holder, { reservation: rsv, partition: 'npu', devicesPerTask: 1, acceleratorTypes: ['furiosa-rngd'] });
    expect(wrongPartition.status).toBe(400);
    expect(wrongPartition.body.detail).toMatch(/none of them in partition "npu"/);
  });

  it("keeps other organizations' jobs off the reserved node; the holder's job runs there at the multiplier", async () => {
    // other-lab: one job fills gpu-002, the next would need gpu-001 for longer than the reservation leaves
    const first = await submit(other, { timeLimitSeconds: 7200, command: ['sleep', '30'] });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const running = await waitForJob(other, first.body.id, ['running']);
    expect(running.placement.map((p: { node: string }) => p.node)).toEqual(['gpu-002']);
    // A reservation over a node a running job will still hold is refused, naming the job, unless told so.
    const busy = { tenant: 'gist-class', name: 'now', nodes: ['gpu-002'], startsAt: at(0), endsAt: at(30) };
    const refused = await admin.post('/v1/reservations', busy);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(new RegExp(`1 running job\\(s\\) may still hold these nodes when the window opens \\(${first.body.id};`));
    const forced = await admin.post('/v1/reservations', { ...busy, ignoreJobs: true });
    expect(forced.status).toBe(201);
    expect((await admin.post(`/v1/reservations/${forced.body.id}/cancel`)).status).toBe(200);
    const second = await submit(other, { timeLimitSeconds: 7200 });
    const waiting = await waitFor(() => other.get(`/v1/jobs/${second.body.id}`), (r) => r.body.pendingReason === 'reservation', 10_000, 'the reservation reason');
    expect(waiting.body.state).toBe('pending');

    const mine = await submit(holder, { reservation: rsv });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body.reservation).toBe(rsv);
    const done = await waitForJob(holder, mine.body.id);
    expect(done).toMatchObject({ state: 'succeeded', reservation: rsv });
    expect(done.placement.map((p: { node: string }) => p.node)).toEqual(['gpu-001']);
    const ledger = await waitFor(() => holder.get(`/v1/ledger?job=${mine.body.id}`), (r) => r.body.items.some((t: { kind: string }) => t.kind === 'settle'), 10_000, 'the settlement');
    const hold = ledger.body.items.find((t: { kind: string }) => t.kind === 'hold');
    // 600 s × 4 devices × 36 SU/h = 24 SU, × 1.5 = 36 SU
    expect(hold).toMatchObject({ serviceUnits: 36, memo: '0.167 h × 4 devices × 36 SU/device-hour × 1.5 (reservation)' });
    const settled = ledger.body.items.find((t: { kind: string }) => t.kind === 'settle');
    // charged for the seconds it ran (about 1), × 1.5: about 0.06 SU where 1× would be 0.04
    expect(settled.serviceUnits).toBeCloseTo((settled.deviceHours * 36 * 1.5), 2);
    expect((await other.get(`/v1/jobs/${second.body.id}`)).body.state).toBe('pending');

    // Cancelled, the node is free again: other-lab's job starts on it.
    const cancelled = await admin.post(`/v1/reservations/${rsv}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    expect((await admin.post(`/v1/reservations/${rsv}/cancel`)).status).toBe(409);
    const started = await waitForJob(other, second.body.id, ['running', 'succeeded']);
    expect(started.placement.map((p: { node: string }) => p.node)).toEqual(['gpu-001']);
    expect((await submit(holder, { reservation: rsv })).body.detail).toMatch(/has been cancelled/);
    await admin.post(`/v1/jobs/${first.body.id}/cancel`);
  });

  it('a job naming an upcoming reservation waits for its window', async () => {
    const r = await admin.post('/v1/reservations', { tenant: 'gist-class', name: 'tomorrow', nodes: ['gpu-002'], startsAt: at(24 * 60), endsAt: at(25 * 60) });
    expect(r.body.state).toBe('upcoming');
    const j = await submit(holder, { reservation: r.body.id });
    const waiting = await waitFor(() => holder.get(`/v1/jobs/${j.body.id}`), (x) => x.body.pendingReason === 'reservation_not_active', 10_000, 'reservation_not_active');
    expect(waiting.body.pendingMessage).toMatch(new RegExp(`reservation ${r.body.id}`));
    await holder.post(`/v1/jobs/${j.body.id}/cancel`);
  });
});

describe('cheomdan reservations', () => {
  const cli = (token: string, args: string[]) => cliWithToken(s, token, args);

  it('an operator reserves, lists and cancels; bad input is refused with the reason', async () => {
    const base = ['reservations', 'create', '--tenant', 'gist-class', '--name', 'Thursday lab', '--starts', at(48 * 60), '--ends', at(50 * 60)];
    const bad = await cli(s.adminToken, [...base, '--nodes', 'gpu-404']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no node "gpu-404" in the cluster/);
    const made = await cli(s.adminToken, [...base, '--nodes', 'gpu-001,gpu-002']);
    expect(made.code, made.stderr).toBe(0);
    const id = /reservation (rsv_\S+):/.exec(made.stdout)?.[1];
    expect(made.stdout).toMatch(/gpu-001, gpu-002 for .* \(upcoming\); jobs name it with --reservation rsv_/);
    const list = await cli(s.adminToken, ['reservations']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+Thursday lab\\s+upcoming\\s+gpu-001,gpu-002\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d`));
    const job = await cli((await client(s.url).post('/v1/auth/login', { email: 'owner@gist-class.example', password: 'correct horse battery' })).body.token, [
      'submit', '--reservation', id!, '--gpus-per-task', '1', '--time', '10', '--', 'true',
    ]);
    expect(job.code, job.stderr).toBe(0);
    expect((await cli(s.adminToken, ['reservations', 'cancel', id!])).stdout).toMatch(/cancelled/);
    expect((await cli(s.adminToken, ['reservations'])).stdout).not.toMatch(new RegExp(id!));
    expect((await cli(s.adminToken, ['reservations', '--all'])).stdout).toMatch(/cancelled/);
  });
});
