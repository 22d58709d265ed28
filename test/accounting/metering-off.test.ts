/**
 * Usage is metered for every job (issue 13): on the embedded default (accounting off) a fresh install has
 * default rates, and an H100 job's device-hours and service units appear in the usage report of its
 * organization — charged to nothing. With accounting enforced, the same fresh install runs a job of an
 * organization that has an allocation without an operator setting any rate first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitForJob, type TestServer } from '../helpers/server.ts';

const servers: TestServer[] = [];
afterAll(async () => { for (const s of servers) await s.close(); });
const job = { command: ['sh', '-c', 'sleep 1'], devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 60 };

describe('metering on a fresh install', () => {
  it('accounting off: default rates, and the job\'s device-hours and SU in the usage report', async () => {
    const s = await startTestServer();
    servers.push(s);
    const admin = client(s.url, s.adminToken);
    const rates = (await admin.get('/v1/rates')).body.items as { resource: string; acceleratorType: string | null; serviceUnitsPerHour?: number }[];
    expect(rates.find((r) => r.resource === 'device' && r.acceleratorType === 'nvidia-h100-sxm-80gb')).toBeTruthy();
    const { owner } = await tenantWithOwner(s.url, admin, 'metered-lab');
    const id = (await owner.post('/v1/jobs', job)).body.id;
    expect((await waitForJob(owner, id)).state).toBe('succeeded');
    const report = (await owner.get('/v1/reports/usage?groupBy=tenant,acceleratorType')).body;
    const row = report.rows.find((r: { acceleratorType?: string }) => r.acceleratorType === 'nvidia-h100-sxm-80gb');
    expect(row, JSON.stringify(report)).toBeTruthy();
    expect(row.deviceHours).toBeGreaterThan(0);
    expect(row.serviceUnits).toBeGreaterThan(0);
    // Nothing was charged: the ledger's uncharged settlement says why.
    const ledger = (await owner.get(`/v1/ledger?jobId=${id}`)).body.items;
    expect(ledger).toEqual([expect.objectContaining({ kind: 'settle', allocation: null, memo: expect.stringMatching(/not charged: accounting is off/) })]);
  }, 60_000);

  it('accounting enforced: a job runs on a fresh install once its organization has an allocation, no rate set by hand', async () => {
    process.env.CHEOMDAN_ACCOUNTING = 'enforce';
    const s = await startTestServer();
    delete process.env.CHEOMDAN_ACCOUNTING;
    servers.push(s);
    const admin = client(s.url, s.adminToken);
    const { owner } = await tenantWithOwner(s.url, admin, 'enforced-lab');
    const a = await admin.post('/v1/allocations', { tenant: 'enforced-lab', name: 'starter', serviceUnits: 100, concurrentLimit: 4, endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const r = await owner.post('/v1/jobs', job);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await waitForJob(owner, r.body.id)).state).toBe('succeeded');
  }, 60_000);
});
