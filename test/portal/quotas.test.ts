/**
 * Quotas through the portal, on a real server (demo inventory: 8 × H100 SXM) and Chromium: the operator
 * creates a cohort and sets a quota with the form; a fractional count is refused by the shared QuotaSet
 * schema before anything is sent, and a guarantee over the cluster's capacity by the server, each shown
 * under the guaranteed field, with no quota made. A borrower's running job shows as borrowed. The operator
 * removes a quota. An organization's owner sees only its own quotas and no edit controls; a job its quota
 * holds says so, naming the quota, on its page. Screenshots in
 * English and Korean at 1,400 px wide (test-artifacts/portal/quotas-*.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

const H100 = 'nvidia-h100-sxm-80gb';
let s: TestServer;
let b: Browser;
let admin: Client;
let lender: { tenantId: string; email: string; owner: Client };
let borrower: { tenantId: string; email: string; owner: Client };
let third: { tenantId: string; email: string; owner: Client };

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  lender = await tenantWithOwner(s.url, admin, 'owner-hospital');
  borrower = await tenantWithOwner(s.url, admin, 'borrower-lab');
  third = await tenantWithOwner(s.url, admin, 'third-party');
  b = await launchBrowser();
  await b.page.setViewportSize({ width: 1400, height: 900 });
}, 180_000);

afterAll(async () => {
  await b?.close();
  await s?.close();
});

const quotas = async () => (await admin.get('/v1/quotas')).body.items as { id: string; tenant: string; resource: string; guaranteed: number; inUse: number; borrowed: number }[];

describe('portal: quotas', () => {
  it('operator sets a quota with the form; bad values are shown by field and change nothing', async () => {
    const { page } = b;
    const first = s.server.firstStart!;
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quotas' }).click();
    await page.getByRole('heading', { name: 'Quotas', exact: true }).waitFor();
    await page.getByText('No quotas: every organization may use any idle device.').waitFor();

    // A cohort first: a bad name is refused by the schema, a good one listed.
    await page.getByLabel('Name', { exact: true }).fill('GPU Pool');
    await page.getByRole('button', { name: 'Create cohort' }).click();
    await page.locator('#cf-name-error').waitFor();
    expect((await admin.get('/v1/cohorts')).body.items).toEqual([]);
    await page.getByLabel('Name', { exact: true }).fill('gpu-pool');
    await page.getByLabel('Description').fill('H100 pool of the demo');
    await page.getByRole('button', { name: 'Create cohort' }).click();
    await page.getByTestId('cohorts-table').getByText('gpu-pool').waitFor();

    await page.getByLabel('Organization').selectOption({ label: 'owner-hospital' });
    await page.getByLabel('Resource').selectOption(H100);
    await page.getByLabel('Cohort', { exact: true }).selectOption('gpu-pool');
    const cases: [string, RegExp][] = [
      ['1.5', /a whole number of devices/], // the shared schema, before sending
      ['-1', /not negative/], // the shared schema
      ['9', /over the cluster's 8/], // the server: the demo has 8 H100 SXM
    ];
    for (const [value, message] of cases) {
      await page.getByLabel('Guaranteed').fill(value);
      await page.getByRole('button', { name: 'Set quota' }).click();
      await expect.poll(() => page.locator('#qf-guaranteed-error').innerText().catch(() => ''), { message: value }).toMatch(message);
      expect(await page.getByLabel('Guaranteed').getAttribute('aria-invalid')).toBe('true');
      expect(await quotas()).toEqual([]);
    }
    await screenshot(page, 'quotas-form-error-en');
    await page.getByLabel('Guaranteed').fill('8');
    await page.getByRole('button', { name: 'Set quota' }).click();
    const row = page.getByTestId('quotas-table').locator('tr', { hasText: 'owner-hospital' });
    await row.getByText('Set by an operator').waitFor();
    expect(await page.locator('#qf-guaranteed-error').count()).toBe(0);
    expect(await quotas()).toMatchObject([{ tenant: lender.tenantId, resource: H100, guaranteed: 8, cohort: 'gpu-pool' }]);

    // The borrower: nothing guaranteed, borrows without limit from the cohort (the "unlimited" box).
    await page.getByLabel('Organization').selectOption({ label: 'borrower-lab' });
    await page.getByLabel('Guaranteed').fill('0');
    await page.getByLabel('Unlimited').check();
    await page.getByRole('button', { name: 'Set quota' }).click();
    await page.getByTestId('quotas-table').locator('tr', { hasText: 'borrower-lab' }).waitFor();
    expect((await quotas()).find((q) => q.tenant === borrower.tenantId)).toMatchObject({ guaranteed: 0, borrowLimit: null, lendLimit: null, cohort: 'gpu-pool' });

    // A group quota on a third organization, then removed.
    await page.getByLabel('Organization').selectOption({ label: 'third-party' });
    await page.getByLabel('Resource').selectOption('h100-class');
    await page.getByLabel('Cohort', { exact: true }).selectOption('');
    await page.getByLabel('Guaranteed').fill('2');
    await page.getByRole('button', { name: 'Set quota' }).click();
    const third = page.getByTestId('quotas-table').locator('tr', { hasText: 'third-party' });
    await third.getByText('nvidia-h100-sxm-80gb, nvidia-h100-pcie-80gb').waitFor();
    await third.getByRole('button', { name: 'Remove' }).click();
    await third.waitFor({ state: 'detached' });
    expect((await quotas()).length).toBe(2);

    // The borrower runs on the lender's idle H100s: shown as in use and borrowed.
    const job = await borrower.owner.post('/v1/jobs', { name: 'borrowing', command: ['sh', '-c', 'sleep 60'], devicesPerTask: 4, acceleratorTypes: [H100], timeLimitSeconds: 120 });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    await waitForJob(borrower.owner, job.body.id, ['running']);
    await page.reload();
    await page.getByTestId('quotas-table').locator('tr', { hasText: 'borrower-lab' }).getByText('4 borrowed').waitFor();
    await screenshot(page, 'quotas-operator-en');
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: '할당량', exact: true }).waitFor();
    await page.getByText('4개 차용').waitFor();
    await screenshot(page, 'quotas-operator-ko');
    await page.getByTestId('lang').selectOption('en');
    await page.getByRole('button', { name: 'Log out' }).click();
  }, 120_000);

  it("an organization's owner sees only its own quotas, read-only", async () => {
    const { page } = b;
    await loginWithPassword(page, s.url, lender.email, 'correct horse battery');
    await page.goto(`${s.url}/#/quotas`);
    const table = page.getByTestId('quotas-table');
    await table.locator('tbody tr').first().waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await table.getByText(H100).waitFor();
    expect(await table.getByText('borrower-lab').count()).toBe(0);
    // No organization column, no edit controls.
    expect(await table.locator('th', { hasText: 'Organization' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Set quota' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create cohort' }).count()).toBe(0);
    await page.getByTestId('cohorts-table').getByText('gpu-pool').waitFor();
    await screenshot(page, 'quotas-owner-en');
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: '할당량', exact: true }).waitFor();
    await screenshot(page, 'quotas-owner-ko');
    await page.getByTestId('lang').selectOption('en');
    expect(b.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  }, 60_000);
  it('a job held by its quota says which quota and why on its page', async () => {
    const { page } = b;
    expect((await admin.put('/v1/quotas', { tenant: 'third-party', resource: H100, guaranteed: 0 })).status).toBe(200);
    const job = await third.owner.post('/v1/jobs', { name: 'held', command: ['true'], devicesPerTask: 1, acceleratorTypes: [H100], timeLimitSeconds: 60 });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    await waitFor(() => third.owner.get(`/v1/jobs/${job.body.id}`), (r) => r.body.pendingReason === 'quota', 10_000, 'held by its quota');
    await loginWithPassword(page, s.url, third.email, 'correct horse battery');
    await page.goto(`${s.url}/#/jobs/${job.body.id}`);
    const why = page.getByTestId('why-pending');
    await why.getByText("Your organization's quota for this accelerator type is in use").waitFor();
    expect(await why.innerText()).toMatch(/quota of organization '.+' on nvidia-h100-sxm-80gb: guaranteed 0, 0 in use, no borrowing allowed/);
    await screenshot(page, 'quotas-job-held-en');
    await page.getByTestId('lang').selectOption('ko');
    await why.getByText('이 가속기 종류에 대한 기관 할당량을 모두 사용 중입니다').waitFor();
    await screenshot(page, 'quotas-job-held-ko');
    await page.getByTestId('lang').selectOption('en');
  }, 60_000);
});
