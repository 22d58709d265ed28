/**
 * Reservations through the portal (accounting off, the embedded default): the operator reserves gpu-001 for
 * an organization with the form (a bad node is named in the form, nothing is made), the owner sees it, picks
 * it on the submit page, and the job runs on gpu-001 with the reservation named on its page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
let owner: { email: string; owner: Client };

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = await tenantWithOwner(s.url, admin, 'kaist-course');
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await b?.close();
  await s?.close();
});

describe('portal: reservations', () => {
  it('operator reserves a node for an organization; the owner runs a job inside it', async () => {
    const { page } = b;
    const first = s.server.firstStart!;
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.goto(`${s.url}/#/reservations`);
    await page.getByRole('heading', { name: 'Reservations', exact: true }).waitFor();
    await page.getByLabel('Organization').selectOption({ label: 'kaist-course' });
    await page.getByLabel('Reservation', { exact: true }).fill('Deep learning course, week 3');
    await page.getByLabel('Nodes (comma-separated)').fill('gpu-404');
    // datetime-local inputs take the browser's local time (its time zone need not be this process's)
    const local = (ms: number) => page.evaluate((t) => new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 16), ms);
    await page.getByLabel('Starts').fill(await local(Date.now() - 60_000));
    await page.getByLabel('Ends').fill(await local(Date.now() + 3 * 3_600_000));
    await page.getByRole('button', { name: 'Reserve nodes' }).click();
    await expect.poll(() => page.locator('#rf-nodes-error').innerText()).toContain('unknown node "gpu-404"');
    expect((await admin.get('/v1/reservations')).body.items).toEqual([]);
    await page.getByLabel('Nodes (comma-separated)').fill('gpu-001');
    await page.getByRole('button', { name: 'Reserve nodes' }).click();
    const row = page.getByTestId('reservations-table').locator('tr', { hasText: 'Deep learning course, week 3' });
    await row.getByText('Holding').waitFor();
    await screenshot(page, 'reservations-operator');
    await page.getByRole('button', { name: 'Log out' }).click();

    await loginWithPassword(page, s.url, owner.email, 'correct horse battery');
    await page.goto(`${s.url}/#/reservations`);
    await page.getByText('Deep learning course, week 3').waitFor();
    await page.goto(`${s.url}/#/submit`);
    await page.getByLabel('Command line', { exact: true }).fill('bash -c "echo in the course slot"');
    await page.getByLabel(/^Reservation/).selectOption({ label: 'Deep learning course, week 3 — gpu-001' });
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    const id = decodeURIComponent(page.url().split('/').pop()!);
    const job = await waitForJob(owner.owner, id);
    expect(job).toMatchObject({ state: 'succeeded' });
    expect(job.placement.map((p: { node: string }) => p.node)).toEqual(['gpu-001']);
    await page.getByText('Reservation', { exact: true }).waitFor();
    await screenshot(page, 'job-in-reservation');
  }, 120_000);
});
