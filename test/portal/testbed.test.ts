/**
 * The test bed in the portal (Chromium): an owner starts a Server run on the NPU type with the form (a
 * bad target QPS is named in the form and nothing is made), the run is a job that finishes with its
 * result; with runs made through the API beside it the page shows the results table, the compatibility
 * matrix (the perturbed model failing accuracy) and a comparison with latency CDFs drawn by uPlot — in
 * English and in Korean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitFor, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let owner: { email: string; owner: Client };

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  owner = await tenantWithOwner(s.url, client(s.url, s.adminToken), 'npu-maker');
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await b?.close();
  await s?.close();
});

const finished = (id: string) => waitFor(() => owner.owner.get(`/v1/testbed/runs/${id}`), (r) => r.body.finishedAt !== null, 90_000, `run ${id}`);

describe('portal: test bed', () => {
  it('starts a run from the form, shows results, compatibility and a comparison with CDFs, in both languages', async () => {
    const api = owner.owner;
    const offline = await api.post('/v1/testbed/runs', { model: 'digits-cnn', scenario: 'Offline', acceleratorType: 'furiosa-rngd', settings: { minDurationMs: 500, minQueryCount: 1, expectedQps: 50_000 } });
    const perturbed = await api.post('/v1/testbed/runs', { model: 'digits-cnn-perturbed', scenario: 'Offline', mode: 'accuracy', acceleratorType: 'furiosa-rngd' });
    expect(offline.status, JSON.stringify(offline.body)).toBe(201);
    expect(perturbed.status).toBe(201);
    // One at a time: runs on one node share its (two) CPUs here, and the browser needs some too.
    for (const id of [offline.body.id, perturbed.body.id]) await finished(id);

    const { page } = b;
    await loginWithPassword(page, s.url, owner.email, 'correct horse battery');
    await page.goto(`${s.url}/#/testbed`);
    await page.getByRole('heading', { name: 'AI-chip test bed' }).waitFor();
    await page.getByLabel('Accelerator', { exact: true }).selectOption('furiosa-rngd');
    await page.getByLabel('Target QPS').fill('0');
    await page.getByLabel('Minimum duration (s)').fill('3');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.locator('#tb-qps-error').innerText()).toMatch(/greater than 0/);
    expect((await api.get('/v1/testbed/runs')).body.items).toHaveLength(2);
    await page.getByLabel('Target QPS').fill('200'); // 600 queries in 3 s: enough for early stopping at p99
    await page.getByLabel('Latency bound (ms, p99)').fill('1000'); // loose: the suite runs beside it
    await page.getByRole('button', { name: 'Start run' }).click();
    const status = await page.getByRole('status').filter({ hasText: /Run tbr_\S+ submitted/ }).innerText();
    const serverRun = /Run (tbr_\S+) submitted/.exec(status)![1]!;
    await finished(serverRun);
    const done = (await api.get(`/v1/testbed/runs/${serverRun}`)).body;
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(done.summary.valid, done.summary.reasons.join('; ')).toBe(true);

    const runs = page.getByTestId('testbed-runs'); // live: no reload — the run's job ending refreshes the page
    await runs.locator(`tr[data-run="${serverRun}"] [data-verdict="valid"]`).waitFor();
    await runs.locator(`tr[data-run="${perturbed.body.id}"] [data-verdict="accuracy-fail"]`).waitFor();
    const compat = page.getByTestId('testbed-compatibility');
    await compat.locator('tr[data-compat="fail"]', { hasText: 'digits-cnn-perturbed' }).getByText(/71\.285%/).waitFor();
    await compat.locator('tr[data-compat="pass"]', { hasText: 'digits-cnn' }).waitFor();
    await page.getByTestId('testbed-results').getByText('Server').waitFor();

    await page.getByLabel(`Choose ${serverRun} for comparison`).check();
    await page.getByLabel(`Choose ${offline.body.id} for comparison`).check();
    await page.getByRole('button', { name: 'Compare selected (2)' }).click();
    const cmp = page.getByTestId('testbed-comparison');
    await cmp.getByText('Not directly comparable').waitFor();
    await cmp.getByText(/differ in scenario/).waitFor();
    await cmp.locator('[data-testid="latency-cdf"] canvas').waitFor();
    expect(await cmp.locator('.u-legend .u-series').count()).toBeGreaterThanOrEqual(3); // x, two runs (and the bound when shared)
    await screenshot(page, 'testbed-en');

    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: 'AI 반도체 테스트베드' }).waitFor();
    await page.getByText('호환성', { exact: true }).waitFor();
    await page.getByLabel(`비교할 실행 ${serverRun} 선택`).waitFor();
    await screenshot(page, 'testbed-ko');
    await page.getByTestId('lang').selectOption('en');
  }, 240_000);
});
