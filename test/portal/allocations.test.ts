/**
 * Programs, applications and allocations through the portal, with accounting enforced
 * (CHEOMDAN_ACCOUNTING=enforce: every job is charged to an allocation). The operator opens a program,
 * assigns themself as reviewer and sets a rate; a tenant owner cannot run a job without an allocation,
 * applies under the program and follows the application; the operator scores it as reviewer and
 * approves it for less than asked; the owner then sees the allocation's balance on the dashboard, gets a
 * cost estimate against it when submitting, and sees the job's charge, the spending and the usage chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
let owner: { email: string; owner: Client };
const OWNER_PASSWORD = 'correct horse battery'; // tenantWithOwner's

beforeAll(async () => {
  // This file runs in its own worker process, so the setting stays here.
  process.env.CHEOMDAN_ACCOUNTING = 'enforce';
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = await tenantWithOwner(s.url, admin, 'gamma-med');
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await b?.close();
  await s?.close();
  delete process.env.CHEOMDAN_ACCOUNTING;
});

const logout = async () => {
  await b.page.getByRole('button', { name: 'Log out' }).click();
  await b.page.getByRole('heading', { name: 'Log in to Cheomdan' }).waitFor();
};

describe('portal: programs, applications, allocations', () => {
  it('operator opens a program, assigns a reviewer and sets a rate', async () => {
    const { page } = b;
    const first = s.server.firstStart!;
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.goto(`${s.url}/#/programs`);
    await page.getByRole('heading', { name: 'Programs', exact: true }).waitFor();
    await page.getByLabel('Short name (slug)').fill('ai-voucher-2027');
    await page.getByLabel('Name', { exact: true }).fill('AI Compute Voucher 2027');
    await page.getByLabel('Budget (SU)').fill('100000');
    await page.getByRole('button', { name: 'Open a program' }).click();
    const program = page.locator('[data-program=ai-voucher-2027]');
    await program.getByText('Open', { exact: true }).waitFor();
    await program.getByLabel(/Reviewer email/).fill(first.email);
    await program.getByRole('button', { name: 'Add reviewer' }).click();
    await expect.poll(async () => (await admin.get('/v1/programs/ai-voucher-2027')).body.reviewers?.length).toBe(1);
    await screenshot(page, 'programs');

    await page.goto(`${s.url}/#/usage`);
    await page.getByLabel('Accelerator type').fill('nvidia-h100-sxm-80gb');
    await page.getByLabel('SU per hour').fill('3600'); // 1 SU per device-second: a 1 s job costs about 1 SU
    await page.getByLabel('Note').fill('H100 list price');
    await page.getByRole('button', { name: 'Set rate' }).click();
    await page.getByTestId('rates-table').getByText('H100 list price').waitFor();
    await logout();
  });

  it('owner cannot run a job without an allocation, applies, and follows the application', async () => {
    const { page } = b;
    await loginWithPassword(page, s.url, owner.email, OWNER_PASSWORD);
    await page.getByTestId('allocations').getByText('No allocation yet.').waitFor();
    // Without an allocation the server refuses the job, and the form says why.
    await page.goto(`${s.url}/#/submit`);
    await page.getByLabel('Command line', { exact: true }).fill('true');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'no allocation' }).waitFor();

    await page.goto(`${s.url}/#/programs`);
    await page.locator('[data-program=ai-voucher-2027]').getByRole('link', { name: 'Apply' }).click();
    await page.getByRole('heading', { name: 'Apply for an allocation' }).waitFor();
    await page.getByLabel('Title').fill('Chest X-ray foundation model');
    await page.getByLabel('Project description').fill('Pre-train a vision model on 2M de-identified chest X-rays for triage.');
    await page.getByLabel('How many devices').fill('4');
    await page.getByLabel('Service units requested').fill('5000');
    await page.getByLabel('Expected outputs (one per line)').fill('paper at MICCAI\nopen model weights');
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.waitForURL(/#\/applications\/(?!new)/);
    await page.locator('.title-row [data-state=submitted]').waitFor();
    await page.getByTestId('app-timeline').getByText('Submitted').waitFor();
    await screenshot(page, 'application-submitted');
    await logout();
  });

  it('operator scores it as reviewer and approves it for less than asked', async () => {
    const { page } = b;
    const first = s.server.firstStart!;
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.goto(`${s.url}/#/applications`);
    await page.getByTestId('applications-table').getByRole('link', { name: 'Chest X-ray foundation model' }).click();
    await page.getByRole('heading', { name: 'Your review' }).waitFor();
    await page.getByLabel(/^Impact/).fill('8');
    await page.getByLabel(/^Feasibility/).fill('7');
    await page.getByLabel('Comment').fill('Clear plan, realistic data access.');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByTestId('score').waitFor(); // (8×2 + 7×1) / 3 = 7.67
    expect(await page.getByTestId('score').innerText()).toContain('7.67');
    await page.getByLabel('Award (SU)').fill('4000');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Reason').first().waitFor();
    await page.locator('#decide-reason-error').waitFor(); // a reason is required, says the contract
    await page.getByLabel('Reason').fill('Strong proposal; budget trimmed to 4,000 SU.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.title-row [data-state=approved]').waitFor();
    await screenshot(page, 'application-approved');
    const apps = (await admin.get('/v1/applications')).body.items as { state: string; approvedServiceUnits: number; allocation: string }[];
    expect(apps[0]).toMatchObject({ state: 'approved', approvedServiceUnits: 4000 });
    expect(apps[0]!.allocation).toBeTruthy();

    // A direct grant, outside any program, ending later than the award (so jobs draw on the award first).
    await page.goto(`${s.url}/#/allocations`);
    await page.getByLabel('Organization').selectOption({ label: 'gamma-med' });
    await page.getByLabel('Allocation', { exact: true }).fill('Pilot credit');
    await page.getByLabel('Award (SU)').fill('500');
    await page.getByLabel('Ends').fill(new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10));
    // Storage in TB: a malformed amount is caught by the shared schema before anything is sent.
    await page.getByLabel('Storage, TB (charged per TB-month)').fill('0.0001');
    await page.getByRole('button', { name: 'Grant an allocation' }).click();
    await expect.poll(() => page.locator('#gf-storageTb-error').innerText()).toContain('at most 3 decimals');
    await page.getByLabel('Storage, TB (charged per TB-month)').fill('10');
    await page.getByRole('button', { name: 'Grant an allocation' }).click();
    await page.getByTestId('allocations-table').getByText('Pilot credit').waitFor();
    await page.getByTestId('allocations-table').getByText(/10 TB storage/).waitFor();
    await screenshot(page, 'allocations-operator');
    await logout();
  });

  it('owner sees the balance, gets a cost estimate, runs a job, and sees its charge and usage', async () => {
    const { page } = b;
    await loginWithPassword(page, s.url, owner.email, OWNER_PASSWORD);
    const panel = page.getByTestId('allocations');
    await panel.getByText(/4,000 of 4,000 SU available/).waitFor();
    await screenshot(page, 'dashboard-allocation');

    await page.goto(`${s.url}/#/submit`);
    await page.getByLabel('Name', { exact: true }).fill('xray-smoke-test');
    await page.getByLabel('Accelerator type').selectOption('nvidia-h100-sxm-80gb');
    await page.getByLabel('Hours').fill('0');
    await page.getByLabel('Minutes').fill('30');
    await page.getByLabel('Command line', { exact: true }).fill('bash -c "echo charged-run; sleep 1"');
    // Worst case: 1 device × 0.5 h × 3,600 SU/h = 1,800 SU, against 4,000 available.
    await expect.poll(() => page.getByTestId('cost').innerText()).toContain('Up to 1,800 SU at 3,600 SU per device-hour; 4,000 SU available');
    // 1.5 h would cost up to 5,400 SU, more than the balance: the form says so before sending.
    await page.getByLabel('Hours').fill('1');
    await expect.poll(() => page.getByTestId('cost').innerText()).toContain('more than the 4,000 SU available');
    await page.getByLabel('Hours').fill('0');
    await screenshot(page, 'submit-cost');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    await page.locator('.title-row [data-state=succeeded]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('logs').innerText()).toContain('charged-run');
    await expect.poll(() => page.getByTestId('charge').innerText(), { timeout: 15_000 }).toMatch(/SU charged for/);
    await page.getByText('Charged to').waitFor(); // the allocation the job was charged to, named on the job
    await screenshot(page, 'job-charged');

    await page.goto(`${s.url}/#/allocations`);
    const row = page.getByTestId('allocations-table').getByRole('row').filter({ hasText: 'Chest X-ray' });
    await row.getByText('Active').waitFor();
    const al = ((await owner.owner.get('/v1/allocations')).body.items as { name: string; balance: { spent: number; available: number } }[]).find((a) => a.name !== 'Pilot credit')!;
    expect(al.balance.spent).toBeGreaterThan(0); // settled from metered usage: about 1 SU per second run
    expect(al.balance.spent).toBeLessThan(30);
    await screenshot(page, 'allocations');

    await page.goto(`${s.url}/#/usage`);
    await page.getByTestId('usage').getByRole('cell', { name: 'nvidia-h100-sxm-80gb' }).waitFor();
    await screenshot(page, 'usage');
    // The same pages in Korean.
    await page.getByTestId('lang').selectOption('ko');
    await page.goto(`${s.url}/#/dashboard`);
    await page.getByTestId('allocations').getByText(/SU 사용 가능/).first().waitFor();
    await screenshot(page, 'dashboard-allocation-ko');
    await page.goto(`${s.url}/#/applications`);
    await page.getByTestId('applications-table').getByText('승인됨').waitFor();
    await screenshot(page, 'applications-ko');
    await page.getByTestId('lang').selectOption('en');
  });
});
