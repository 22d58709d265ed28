/**
 * Tenant isolation in the portal, and API-token login. Two tenants (alpha, beta), each with an owner,
 * created through the API as the operator; each submits jobs. Alpha's owner logs in to the portal with
 * an API token and must not see beta's job anywhere: not in the job lists, not live when beta submits
 * more, not by name on the cluster heatmap, and beta's job page says "not found" (as the API does, so
 * the job's existence does not leak). Alpha's own jobs do show, live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from '../../src/contract/index.ts';
import { startTestServer, tenantWithOwner, waitForJob, client, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let alpha: { owner: Client; email: string };
let beta: { owner: Client; email: string };
let betaJob: Job;
let alphaJob: Job;
const started: { c: Client; id: string }[] = [];

const submit = async (c: Client, body: Record<string, unknown>) => {
  const r = await c.post('/v1/jobs', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const job = Job.parse(r.body);
  started.push({ c, id: job.id });
  return job;
};

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  const admin = client(s.url, s.adminToken);
  alpha = await tenantWithOwner(s.url, admin, 'alpha-ai');
  beta = await tenantWithOwner(s.url, admin, 'beta-bio');
  betaJob = await submit(beta.owner, { name: 'beta-secret-model', command: ['sleep', '120'], devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
  alphaJob = await submit(alpha.owner, { name: 'alpha-visible', command: ['sleep', '120'], devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
  await waitForJob(beta.owner, betaJob.id, ['running']);
  await waitForJob(alpha.owner, alphaJob.id, ['running']);
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  for (const { c, id } of started) await c.post(`/v1/jobs/${id}/cancel`).catch(() => {});
  await b?.close();
  await s?.close();
});

describe('portal: tenant isolation', () => {
  it('logs in with an API token (a wrong one is refused on the form)', async () => {
    const { page } = b;
    const token = (await alpha.owner.post('/v1/tokens', { name: 'portal-test' })).body.token as string;
    await page.goto(s.url + '/');
    await page.getByRole('tab', { name: 'API token' }).click();
    await page.getByRole('textbox', { name: 'API token' }).fill('chd_not-a-real-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The server did not accept this token' }).waitFor();
    await page.getByRole('textbox', { name: 'API token' }).fill(token);
    await page.getByLabel('Keep me logged in on this computer').check();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Hello, alpha-ai owner' }).waitFor();
    // "Keep me logged in": the token is in localStorage, so a new tab of this profile is logged in too.
    expect(await page.evaluate(`localStorage.getItem('cheomdan.token')`)).toBe(token);
    // Operator pages are not offered to a tenant owner.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Queue' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Tenants' }).count()).toBe(0);
  });

  it("shows alpha's jobs and never beta's, also live", async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/dashboard`);
    await page.getByTestId('running-table').getByText('alpha-visible').waitFor();
    await page.locator('[data-testid=live][data-live=open]').waitFor();
    await page.goto(`${s.url}/#/jobs`);
    const table = page.getByTestId('jobs-table');
    await table.getByText('alpha-visible').waitFor();
    // Beta submits while alpha watches; alpha submits too. Only alpha's new job appears.
    const betaLive = await submit(beta.owner, { name: 'beta-live-secret', command: ['true'], partition: 'cpu' });
    const alphaLive = await submit(alpha.owner, { name: 'alpha-live', command: ['true'], partition: 'cpu' });
    await table.getByText('alpha-live').waitFor();
    await waitForJob(beta.owner, betaLive.id);
    await new Promise((r) => setTimeout(r, 800)); // a stream batch is 250 ms; give a leak time to show
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('beta-');
    expect(text).not.toContain(betaJob.id);
    await screenshot(page, 'isolation-jobs');
    await waitForJob(alpha.owner, alphaLive.id);
  });

  it("says not found for beta's job page, as for a job that does not exist", async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/jobs/${betaJob.id}`);
    await page.getByTestId('job-not-found').waitFor();
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('beta-secret-model');
    await screenshot(page, 'isolation-not-found');
    await page.goto(`${s.url}/#/jobs/job_doesnotexist`);
    await page.getByTestId('job-not-found').filter({ hasText: 'job_doesnotexist' }).waitFor();
  });

  it("shows beta's devices as in use on the heatmap, without naming beta's job", async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/cluster`);
    const heat = page.getByTestId('heatmap');
    await expect.poll(() => heat.locator(`.cell[data-job="${alphaJob.id}"]`).count()).toBe(1);
    expect(await heat.locator('.cell[data-state=allocated]').count()).toBe(3); // alpha 1 + beta 2
    expect(await heat.locator(`.cell[data-job="${betaJob.id}"]`).count()).toBe(0);
    expect(await heat.innerText()).not.toContain('beta-');
    await screenshot(page, 'isolation-cluster');
  });
});
