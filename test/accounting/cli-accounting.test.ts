/**
 * Programs and allocations through the `cheomdan` command, each call a spawned process against a real
 * server with accounting enforced: an operator sets a rate and opens a program; an owner applies; a reviewer
 * scores; the operator approves; the owner's jobs run and are charged; when the balance runs out the next
 * submission is refused with the balance and the cost; the usage report shows the charges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWithToken } from '../helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitFor, type TestServer } from '../helpers/server.ts';
import { join } from 'node:path';

const H100 = 'nvidia-h100-sxm-80gb';
let s: TestServer;
let ownerToken: string;
let reviewerToken: string;

const cli = (token: string, args: string[]) => cliWithToken(s, token, args);
const login = async (email: string) => (await client(s.url).post('/v1/auth/login', { email, password: 'correct horse battery' })).body.token as string;

beforeAll(async () => {
  process.env.CHEOMDAN_ACCOUNTING = 'enforce';
  s = await startTestServer();
  delete process.env.CHEOMDAN_ACCOUNTING;
  const admin = client(s.url, s.adminToken);
  ownerToken = await login((await tenantWithOwner(s.url, admin, 'dgist-lab')).email);
  reviewerToken = await login((await tenantWithOwner(s.url, admin, 'nipa-review')).email);
}, 60_000);
afterAll(async () => s?.close());

describe('cheomdan programs and allocations', { timeout: 120_000 }, () => {
  let appId = '';
  let allocationId = '';

  it('an operator sets a rate and opens a program', async () => {
    const rate = await cli(s.adminToken, ['rates', 'set', '--type', H100, '--su', '36', '--note', 'list price']);
    expect(rate.code, rate.stderr).toBe(0);
    expect(rate.stdout).toMatch(/rate \d+: device nvidia-h100-sxm-80gb 36 SU\/h/);
    const bad = await cli(ownerToken, ['rates', 'set', '--type', H100, '--su', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/only operators can set rates/);
    const p = await cli(s.adminToken, ['programs', 'create', '--slug', 'nairr-pilot', '--name', 'NAIRR-style pilot', '--opens', new Date(Date.now() - 86_400_000).toISOString(),
      '--closes', new Date(Date.now() + 30 * 86_400_000).toISOString(), '--budget', '100', '--criteria', 'merit:3,readiness:1', '--first-tranche', '100', '--report-months', '1,3,9']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/opened program nairr-pilot .* with 100 SU/);
    const list = await cli(ownerToken, ['programs']);
    expect(list.stdout).toMatch(/nairr-pilot\s+NAIRR-style pilot\s+yes/);
  });

  it('an owner applies, a reviewer scores, the operator approves', async () => {
    const a = await cli(ownerToken, ['apply', '--program', 'nairr-pilot', '--title', 'Battery materials', '--description', 'GNN screening', '--accel', `${H100}:2`, '--days', '90', '--su', '0.05', '--output', 'paper', '--json']);
    expect(a.code, a.stderr).toBe(0);
    appId = JSON.parse(a.stdout).id;
    expect(JSON.parse(a.stdout).state).toBe('submitted');
    const notYet = await cli(reviewerToken, ['review', appId, '--score', 'merit=9', '--score', 'readiness=5']);
    expect(notYet.code).toBe(4);
    expect((await cli(s.adminToken, ['programs', 'reviewer', 'nairr-pilot', 'owner@nipa-review.example'])).code).toBe(0);
    const badScore = await cli(reviewerToken, ['review', appId, '--score', 'merit=9']);
    expect(badScore.code).toBe(1);
    expect(badScore.stderr).toMatch(/scores\.readiness/);
    const r = await cli(reviewerToken, ['review', appId, '--score', 'merit=9', '--score', 'readiness=5', '--comment', 'fundable']);
    expect(r.code, r.stderr).toBe(0);
    const show = await cli(s.adminToken, ['applications', 'show', appId]);
    expect(show.stdout).toMatch(/score: 8 \(1 reviews\)/);
    const ap = await cli(s.adminToken, ['approve', appId, '--reason', 'top score', '--json']);
    expect(ap.code, ap.stderr).toBe(0);
    allocationId = JSON.parse(ap.stdout).allocation.id;
    const bal = await cli(ownerToken, ['balance']);
    expect(bal.stdout).toMatch(/active\s+0\.05 SU\s+0\.05 SU\s+0 SU\s+0 SU/);
    const balJson = JSON.parse((await cli(ownerToken, ['balance', '--json'])).stdout);
    expect(balJson.items).toEqual([expect.objectContaining({ id: allocationId, state: 'active', awarded: 0.05, available: 0.05, held: 0, spent: 0 })]);
  });

  it('jobs are charged; when the balance runs out the next one is refused; the report shows it', async () => {
    // 36 SU/h = 0.01 SU per device-second: a 3 s limit holds 0.03 SU
    const j = await cli(ownerToken, ['submit', '--gpus-per-task', '1', '--time', '0:0:3', '--json', '--', 'sleep', '1']);
    expect(j.code, j.stderr).toBe(0);
    const jobId = JSON.parse(j.stdout).id;
    const owner = client(s.url, ownerToken);
    await waitFor(() => owner.get(`/v1/ledger?job=${jobId}`), (r) => r.body.items.some((t: { kind: string }) => t.kind === 'release'), 20_000, 'the settlement');
    const ledger = await cli(ownerToken, ['ledger', '--job', jobId]);
    expect(ledger.stdout).toMatch(/hold[\s\S]*settle[\s\S]*release/);
    const show = await cli(ownerToken, ['job', 'show', jobId]);
    expect(show.stdout).toMatch(new RegExp(`allocation\\s+${allocationId}`));
    // 0.05 − ~0.01 left: a 5 s job (0.05 SU) cannot be covered
    const refused = await cli(ownerToken, ['submit', '--gpus-per-task', '1', '--time', '0:0:5', '--', 'true']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`allocation ${allocationId} has 0\\.0\\d+ SU available; this job may cost up to 0\\.05 SU \\(0\\.001 h × 1 devices × 36 SU/device-hour\\); shorten --time or ask for fewer devices`));
    const usage = await cli(ownerToken, ['report', 'usage', '--group-by', 'program,acceleratorType', '--csv']);
    expect(usage.code, usage.stderr).toBe(0);
    const [header, row] = usage.stdout.split(/\r?\n/);
    expect(header).toBe('program,acceleratorType,attempts,deviceHours,cpuHours,serviceUnits');
    expect(row).toMatch(new RegExp(`^prg_[^,]+,${H100},1,0\\.000\\d+,0,0\\.01\\d*$`));
    const table = await cli(s.adminToken, ['report', 'usage', '--group-by', 'tenant']);
    expect(table.stdout).toMatch(/TOTAL/);
    const sched = await cli(ownerToken, ['report', 'schedule', '--csv']);
    // a 90-day allocation: the month-1 progress report falls inside it (months 3 and 9 do not), then the final one
    expect(sched.stdout.split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(',').slice(3, 6).join(','))).toEqual([expect.stringMatching(/^progress,.*,upcoming$/), expect.stringMatching(/^final,.*,upcoming$/)]);
  });

  it('an operator grants storage with an allocation; a malformed amount is refused before anything is sent', async () => {
    const args = ['allocations', 'create', '--tenant', 'nipa-review', '--name', 'storage', '--su', '5', '--ends', '2030-01-01', '--limit', '1'];
    const bad = await cli(s.adminToken, [...args, '--storage-tb', '0.0001']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/storage in TB with at most 3 decimals/);
    const noTenant = await cli(s.adminToken, args.filter((_, i) => i !== 2 && i !== 3));
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toMatch(/say which tenant gets the allocation: --tenant/);
    const ok = await cli(s.adminToken, [...args, '--storage-tb', '10']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/allocation al_\S+: 5 SU and 10 TB of storage for /);
    // --program draws on the program's budget (the list's --program filter must not swallow it): the
    // pilot has 100 SU less the 0.05 awarded, so 500 SU is refused, naming the program
    const overBudget = await cli(s.adminToken, [...args, '--su', '500', '--program', 'nairr-pilot']);
    expect(overBudget.code).toBe(1);
    expect(overBudget.stderr).toMatch(/program nairr-pilot has 99\.95 SU left/);
  });
});
