/**
 * Crash safety of charges: the server (a child process) is killed with SIGKILL inside a settlement's
 * transaction — after the settle entries are written, before the commit — then restarted. The restarted
 * server finds the job's exit again and settles it: exactly one hold, one settlement and one release, nothing
 * left held, and the charge equals the job's device-seconds × the rate. The window is widened with the
 * documented test hook CHEOMDAN_TEST_SETTLE_DELAY_MS; the kill is a real SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { client, spawnServer, waitFor } from '../helpers/server.ts';

const H100 = 'nvidia-h100-sxm-80gb';
const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => {
    const port = (srv.address() as { port: number }).port;
    srv.close(() => resolve(port));
  });
});

const children: ChildProcess[] = [];
let home: string | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (home) await rm(home, { recursive: true, force: true });
});

describe('kill -9 during settlement', () => {
  it('restarts to exactly one settlement', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-crash-'));
    const port = await freePort();
    const first = await spawnServer(home, port, { CHEOMDAN_ACCOUNTING: 'enforce', CHEOMDAN_TEST_SETTLE_DELAY_MS: '30000' });
    children.push(first.child);
    const admin = client(first.url, (await readFile(join(home, 'admin-token'), 'utf8')).trim());
    expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: H100, serviceUnitsPerHour: 36 })).status).toBe(201);
    expect((await admin.post('/v1/tenants', { slug: 'crash-co', name: 'Crash Co', kind: 'startup', sector: 'energy' })).status).toBe(201);
    expect((await admin.post('/v1/users', { email: 'o@crash.example', name: 'o', role: 'owner', tenant: 'crash-co', password: 'correct horse battery' })).status).toBe(201);
    const al = await admin.post('/v1/allocations', { tenant: 'crash-co', name: 'crash grant', serviceUnits: 10, acceleratorTypes: [H100], concurrentLimit: 4, endsAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(al.status).toBe(201);
    const token = (await client(first.url).post('/v1/auth/login', { email: 'o@crash.example', password: 'correct horse battery' })).body.token;
    const owner = client(first.url, token);

    let settling = '';
    first.child.stderr!.on('data', (d: Buffer) => (settling += d.toString()));
    const job = await owner.post('/v1/jobs', { command: ['sleep', '1'], devicesPerTask: 2, timeLimitSeconds: 60 });
    expect(job.status).toBe(201);
    await waitFor(async () => settling, (s) => s.includes(`settling ${job.body.id} attempt 1`), 30_000, 'the settlement to begin');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // The kill landed inside the transaction: nothing of the exit or the settlement was committed.
    const db = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    expect((await db.jobs.get(job.body.id))?.state).toBe('running');
    expect((await db.ledger.list({ jobId: job.body.id })).map((t) => t.kind)).toEqual(['hold']);
    await db.close();

    // Restart (no delay): the job is found ended and settled once.
    const second = await spawnServer(home, port, { CHEOMDAN_ACCOUNTING: 'enforce' });
    children.push(second.child);
    const owner2 = client(second.url, token);
    const done = await waitFor(() => owner2.get(`/v1/jobs/${job.body.id}`), (r) => r.body.state === 'succeeded', 30_000, 'the job to be recorded');
    expect(done.body.attempt).toBe(1);
    const txns = (await owner2.get(`/v1/ledger?job=${job.body.id}`)).body.items;
    expect(txns.map((t: { kind: string }) => t.kind)).toEqual(['hold', 'settle', 'release']);
    const settle = txns[1];
    // 36 SU per device-hour = 0.01 SU per device-second; rounded once to 0.001 SU
    // (deviceHours is shown rounded, so the two may differ by the last 0.001 SU)
    expect(Math.abs(Math.round(settle.serviceUnits * 1000) - Math.round(settle.deviceHours * 3600 * 10))).toBeLessThanOrEqual(1);
    expect(settle.deviceHours * 3600).toBeGreaterThanOrEqual(1.9); // two devices for ≥ 1 s
    expect(settle.deviceHours * 3600).toBeLessThan(20); // the end time is the executor's, not the restart's
    const balance = (await owner2.get(`/v1/allocations/${al.body.id}`)).body.balance;
    expect(balance.held).toBe(0);
    expect(Math.round((balance.available + balance.spent) * 1000)).toBe(10_000);

    // A second crash-free restart settles nothing again.
    second.child.kill('SIGKILL');
    await new Promise((r) => second.child.once('exit', r));
    const third = await spawnServer(home, port, { CHEOMDAN_ACCOUNTING: 'enforce' });
    children.push(third.child);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await client(third.url, token).get(`/v1/ledger?job=${job.body.id}`)).body.items).toHaveLength(3);
    third.child.kill('SIGTERM');
  }, 120_000);
});
