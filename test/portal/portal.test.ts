/**
 * The portal end to end, as an operator uses it: a real server (local executor running real processes on
 * the demo inventory's declared devices), the built portal served at /, and headless Chromium.
 * Password login; submitting through the form and watching the job start and its output appear live;
 * cancel; the shared schema's validation messages; a pending job explaining why and when; the queue;
 * the cluster heatmap; live list updates; keyboard navigation; Korean; the dark theme; tenants and users.
 * Every main page is saved to test-artifacts/portal/*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, JobPage, JobSubmit } from '../../src/contract/index.ts';
import { client, startTestServer, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
const started: string[] = [];

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  for (const id of started) await admin.post(`/v1/jobs/${id}/cancel`).catch(() => {});
  await b?.close();
  await s?.close();
});

const submit = async (body: Record<string, unknown>) => {
  const r = await admin.post('/v1/jobs', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const job = Job.parse(r.body);
  started.push(job.id);
  return job;
};

describe('portal (operator)', () => {
  it('serves the portal at / and logs in with email and password', async () => {
    const { page } = b;
    await page.goto(s.url + '/');
    await page.getByRole('heading', { name: 'Log in to Cheomdan' }).waitFor();
    await screenshot(page, 'login');
    const first = s.server.firstStart!;
    // A wrong password is refused with the server's message, and the form stays.
    await page.getByLabel('Email', { exact: true }).fill(first.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.getByRole('heading', { name: /Hello, .* operator view/ }).waitFor();
    await page.locator('[data-testid=live][data-live=open]').waitFor();
    // The token is kept for this tab only (no "keep me logged in"), and the page reload keeps the session.
    expect(await page.evaluate(`[sessionStorage.getItem('cheomdan.token') !== null, localStorage.getItem('cheomdan.token')]`)).toEqual([true, null]);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  it('submits a job through the form, watches it start and its output appear live', async () => {
    const { page } = b;
    await page.goto(s.url + '/#/submit');
    await page.getByRole('heading', { name: 'Submit a job' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('portal-hello');
    await page.getByLabel('Accelerator type').selectOption('nvidia-h100-sxm-80gb');
    await page.getByLabel('Devices per task').fill('2');
    await page.getByLabel('Command line', { exact: true }).fill(`bash -c "for i in 1 2 3; do echo line-\\$i; sleep 0.4; done; sleep 120"`);
    await expect.poll(() => page.getByTestId('estimate').innerText()).toContain('2 device(s)');
    await screenshot(page, 'submit');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    started.push(id);
    // The state badge turns to Running without a reload (live stream), and the output follows.
    await page.locator('.title-row [data-state=running]').waitFor();
    await expect.poll(() => page.getByTestId('logs').innerText(), { timeout: 15_000 }).toContain('line-3');
    await expect.poll(() => page.getByTestId('timeline').innerText()).toMatch(/Running/);
    await screenshot(page, 'job-running');
    const job = Job.parse((await admin.get(`/v1/jobs/${id}`)).body);
    expect(job).toMatchObject({ name: 'portal-hello', state: 'running', request: { devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'] } });
    expect(await page.getByText(job.placement![0]!.node).count()).toBeGreaterThan(0);
  });

  it('cancels the running job', async () => {
    const { page } = b;
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('.title-row [data-state=cancelled]').waitFor({ timeout: 20_000 });
    expect((await admin.get(`/v1/jobs/${id}`)).body.state).toBe('cancelled');
    await expect.poll(() => page.getByTestId('timeline').innerText()).toMatch(/Cancelled/);
    await expect(page.getByRole('button', { name: 'Cancel job' }).count()).resolves.toBe(0);
    await screenshot(page, 'job-cancelled');
  });

  it('shows the shared schema\'s validation messages and submits nothing', async () => {
    const { page } = b;
    const before = JobPage.parse((await admin.get('/v1/jobs?limit=500')).body).items.length;
    await page.goto(s.url + '/#/submit');
    await page.getByLabel('Tasks', { exact: true }).fill('0');
    await page.getByLabel('Command line', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    // The same messages the server's schema would give for this body.
    const expected = JobSubmit.safeParse({ tasks: 0, devicesPerTask: 1, cpusPerTask: 1, memoryMbPerTask: 4096, timeLimitSeconds: 3600 });
    expect(expected.success).toBe(false);
    const msg = (path: string) => expected.error!.issues.find((i) => i.path.join('.') === path)!.message;
    await page.locator('#tasks-error').filter({ hasText: msg('tasks') }).waitFor();
    await page.locator('#command-error').filter({ hasText: msg('command') }).waitFor();
    expect(await page.getByLabel('Tasks', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'submit-invalid');
    expect(JobPage.parse((await admin.get('/v1/jobs?limit=500')).body).items.length).toBe(before);
  });

  it('explains a pending job (reason, expected start) and lists it in the queue', async () => {
    const { page } = b;
    const blocker = await submit({ name: 'big-training', command: ['sleep', '300'], tasks: 2, devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 2 * 3600 });
    await waitForJob(admin, blocker.id, ['running']);
    const waiting = await submit({ name: 'waits-for-h100', command: ['sleep', '60'], tasks: 1, devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 1800 });
    const pending = await waitForJob(admin, waiting.id, ['pending'], 5_000);
    await expect.poll(async () => (await admin.get(`/v1/jobs/${waiting.id}`)).body.pendingReason, { timeout: 10_000 }).toBe('resources');
    void pending;

    await page.goto(`${s.url}/#/jobs/${waiting.id}`);
    const why = page.getByTestId('why-pending');
    await why.getByText('Waiting for enough free devices').waitFor();
    const job = Job.parse((await admin.get(`/v1/jobs/${waiting.id}`)).body);
    if (job.estimatedStart) await why.getByText(/Expected to start/).waitFor();
    await screenshot(page, 'job-pending');

    await page.goto(`${s.url}/#/queue`);
    const row = page.getByTestId('queue-table').getByRole('row').filter({ hasText: 'waits-for-h100' });
    await row.getByText('Waiting for enough free devices').waitFor();
    await screenshot(page, 'queue');

    const broken = await submit({ name: 'broken-run', command: ['bash', '-c', 'echo "CUDA error: out of memory" >&2; exit 3'], partition: 'cpu', devicesPerTask: 0 });
    await waitForJob(admin, broken.id, ['failed']);
    await page.goto(`${s.url}/#/dashboard`);
    await page.getByTestId('running-table').getByText('big-training').waitFor();
    await page.getByTestId('failures-table').getByRole('row').filter({ hasText: 'broken-run' }).getByText('Failed').waitFor();
    await page.getByTestId('running-table').getByText('operations').first().waitFor(); // tenant names arrived
    await page.getByTestId('pending-table').getByText('waits-for-h100').waitFor();
    await screenshot(page, 'dashboard');
  });

  it('shows the cluster as a heatmap: every device, its state, and the job on it', async () => {
    const { page } = b;
    const running = JobPage.parse((await admin.get('/v1/jobs?state=running&limit=500')).body).items;
    const blocker = running.find((j) => j.name === 'big-training')!;
    await page.goto(`${s.url}/#/cluster`);
    const heat = page.getByTestId('heatmap');
    await heat.locator('[data-node=gpu-001]').waitFor();
    // 2 GPU nodes × 4 + 1 NPU node × 4 devices; the blocker holds all 8 H100s.
    await expect.poll(() => heat.locator('.cell[data-state]').count()).toBe(12);
    await expect.poll(() => heat.locator(`.cell[data-job="${blocker.id}"]`).count()).toBe(8);
    expect(await heat.locator('.cell[data-state=free]').count()).toBe(4);
    await page.getByTestId('capacity').getByText('H100', { exact: false }).first().waitFor();
    await page.getByTestId('capacity').getByText(/PF/).first().waitFor();
    // Who jobs run as, from /healthz (the tests' server is root in CI: per-user; otherwise single-user).
    const mode = ((await (await fetch(`${s.url}/healthz`)).json()) as { isolation: { mode: string } }).isolation.mode;
    await expect.poll(() => page.getByTestId('isolation-mode').textContent())
      .toMatch(mode === 'per-user' ? /owners' own Unix accounts/ : /^Single-user mode/);
    // The utilisation chart gets its samples from the live capacity refreshes.
    await page.locator('[data-testid=utilisation] canvas').waitFor({ timeout: 25_000 });
    // And the operator's history from metered usage (the blocker has been running for a while).
    await page.locator('[data-testid=utilisation-history] canvas').waitFor();
    await screenshot(page, 'cluster');
    // Clicking a device opens the job that holds it.
    await heat.locator(`.cell[data-job="${blocker.id}"]`).first().click();
    await page.waitForURL(new RegExp(`#/jobs/${blocker.id}$`));
  });

  it('updates the jobs list live and opens a job from the keyboard', async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/jobs`);
    const table = page.getByTestId('jobs-table');
    await table.getByText('big-training').waitFor();
    const job = await submit({ name: 'arrives-live', command: ['sleep', '30'], tasks: 1, devicesPerTask: 1, acceleratorTypes: ['furiosa-rngd'], partition: 'npu' });
    await table.getByText('arrives-live').waitFor(); // no reload: the stream told the page
    await screenshot(page, 'jobs');
    await table.locator('.vt-body').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/jobs\/job_/);
    expect(page.url()).toContain(job.id); // the newest job is first
  });

  it('switches to Korean (kept across reloads) and to the dark theme', async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/dashboard`);
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '대시보드' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('ko');
    await page.reload();
    await page.getByRole('heading', { name: /안녕하세요/ }).waitFor();
    await page.getByTestId('pending-table').getByText('필요한 장치가 비기를 기다리고 있습니다').waitFor();
    await page.getByTestId('pending-table').getByText('operations').waitFor(); // tenant names arrived
    await screenshot(page, 'dashboard-ko');
    const pending = JobPage.parse((await admin.get('/v1/jobs?state=pending&limit=500')).body).items.find((j) => j.name === 'waits-for-h100')!;
    await page.goto(`${s.url}/#/jobs/${pending.id}`);
    await page.getByRole('heading', { name: '왜 대기 중인가요?' }).waitFor();
    await screenshot(page, 'job-pending-ko');
    await page.goto(`${s.url}/#/submit`);
    await page.getByRole('heading', { name: '작업 제출' }).waitFor();
    await screenshot(page, 'submit-ko');

    await page.getByTestId('theme').selectOption('dark');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.goto(`${s.url}/#/cluster`);
    await page.getByTestId('heatmap').locator('[data-node=gpu-001]').waitFor();
    await screenshot(page, 'cluster-dark-ko');
    await page.getByTestId('lang').selectOption('en');
    await page.getByTestId('theme').selectOption('light');
  });

  it('lists and adds tenants and users', async () => {
    const { page } = b;
    await page.goto(`${s.url}/#/tenants`);
    await page.getByLabel('Short name (slug)').fill('Bad Slug');
    await page.getByRole('button', { name: 'Add a tenant' }).click();
    await page.locator('#t-slug-error').waitFor();
    await page.getByLabel('Short name (slug)').fill('hanbit-ai');
    await page.getByLabel('Name', { exact: true }).fill('Hanbit AI');
    await page.getByLabel('Kind').selectOption('university');
    await page.getByRole('button', { name: 'Add a tenant' }).click();
    await page.getByTestId('tenants-table').getByText('hanbit-ai').waitFor();
    await screenshot(page, 'tenants');
    const tenants = (await admin.get('/v1/tenants')).body.items as { slug: string; kind: string }[];
    expect(tenants.find((t) => t.slug === 'hanbit-ai')).toMatchObject({ kind: 'university' });

    await page.goto(`${s.url}/#/users`);
    await page.getByLabel('Email').fill('kim@hanbit.example');
    await page.getByLabel('Name', { exact: true }).fill('Kim Minji');
    await page.getByLabel('Role').selectOption('owner');
    await page.getByLabel('Organization').selectOption({ label: 'hanbit-ai' });
    await page.getByRole('button', { name: 'Add a user' }).click();
    await page.getByTestId('users-table').getByText('kim@hanbit.example').waitFor();
    await screenshot(page, 'users');
    expect(b.errors.filter((e) => !/status of (400|401|404)/.test(e))).toEqual([]);
  });
});
