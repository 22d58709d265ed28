/**
 * The operator's audit log page. Audited actions are done through the API as the operator (a tenant with
 * a node drained and resumed many times, then a tenant with its owner, then the node drained again); the page lists them newest first with who did it
 * by name, filters by action and subject through the URL, and pages back with "Load more" (nextBefore).
 * A tenant owner is not offered the page and is told it is for operators if they open its URL.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
let owner: { email: string; tenantId: string };
let node: string;
const TOGGLES = 30; // 60 node.state entries: more than one page (50)

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  node = ((await admin.get('/v1/nodes')).body.items as { name: string }[])[0]!.name;
  for (let i = 0; i < TOGGLES; i++) {
    expect((await admin.patch(`/v1/nodes/${node}`, { state: 'draining', reason: `maintenance ${i}` })).status).toBe(200);
    expect((await admin.patch(`/v1/nodes/${node}`, { state: 'up' })).status).toBe(200);
  }
  owner = await tenantWithOwner(s.url, admin, 'delta-audit'); // tenant.create, user.create
  // The last thing done: drain it once more, so the newest entry is known.
  expect((await admin.patch(`/v1/nodes/${node}`, { state: 'draining', reason: 'firmware update' })).status).toBe(200);
  b = await launchBrowser();
}, 180_000);

/** The top of the page as the operator sees it (a full-page shot of 50 rows says less). */
async function shot(name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await b.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

afterAll(async () => {
  await b?.close();
  await s?.close();
});

describe('portal: audit log', () => {
  it('lists audited actions newest first, with names, and pages back with "Load more"', async () => {
    const { page } = b;
    const first = s.server.firstStart!;
    await loginWithPassword(page, s.url, first.email, first.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    const table = page.getByTestId('audit-table');
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    // Newest first: the last drain, by the operator shown by email, with its reason in the detail.
    const top = rows.first();
    expect(await top.getAttribute('data-action')).toBe('node.state');
    await expect.poll(() => top.innerText()).toContain(first.email);
    expect(await top.innerText()).toContain('firmware update');
    expect(await top.innerText()).toContain('Node state changed');
    await page.getByRole('status').filter({ hasText: '50 most recent entries' }).waitFor();
    // Then the owner and the tenant, in words, with the tenant's slug for its id.
    expect(await rows.nth(1).getAttribute('data-action')).toBe('user.create');
    expect(await rows.nth(1).innerText()).toContain(owner.email);
    expect(await rows.nth(1).innerText()).toContain('delta-audit'); // detail tenantId, named
    expect(await rows.nth(2).getAttribute('data-action')).toBe('tenant.create');
    expect(await rows.nth(2).innerText()).toContain('Organization added');
    // Names arrive with the session's directory a moment after the rows: wait for them before the shot.
    await rows.nth(1).locator('dd', { hasText: /^delta-audit$/ }).waitFor();
    await shot('audit');
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: '감사 로그', exact: true }).waitFor();
    await table.getByText('노드 상태 변경').first().waitFor();
    await table.getByText('기관 추가').waitFor();
    await shot('audit-ko');
    await page.getByTestId('lang').selectOption('en');
    // Older entries.
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(2 * TOGGLES + 1 + 3); // + the first start's default rates
    await page.getByRole('status').filter({ hasText: `${2 * TOGGLES + 4} entries` }).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-id'))));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
  });

  it('filters by action and by subject', async () => {
    const { page } = b;
    const table = page.getByTestId('audit-table');
    const rows = table.locator('tbody tr');
    await page.getByLabel('Action', { exact: true }).fill('tenant.create');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL(/#\/audit\?action=tenant.create/);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-action')).toBe('tenant.create');
    expect(await rows.first().innerText()).toContain(owner.tenantId);
    await screenshot(page, 'audit-filtered');
    // A subject link narrows to that resource (the node: its 61 state changes, more than a page).
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    await rows.first().getByRole('link', { name: node, exact: true }).click();
    await page.waitForURL(new RegExp(`subject=${node}`));
    await expect.poll(() => page.getByLabel('Subject', { exact: true }).inputValue()).toBe(node);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(2 * TOGGLES + 1);
    expect(await table.locator('tr:not([data-action="node.state"])').count()).toBe(1); // the header row
    await page.goto(`${s.url}/#/audit?action=no.such`);
    await page.getByTestId('audit-empty').filter({ hasText: 'No entries match these filters.' }).waitFor();
    expect(b.errors.filter((e) => !e.includes('favicon'))).toEqual([]);
  });

  it('is not offered to a tenant owner, and says so if they open it', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Log out' }).click();
    await loginWithPassword(page, s.url, owner.email, 'correct horse battery');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Users' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await page.goto(`${s.url}/#/audit`);
    await page.getByRole('heading', { name: 'For operators only' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Only operators can see this page.' }).waitFor();
    expect(await page.getByTestId('audit-table').count()).toBe(0);
    await screenshot(page, 'audit-forbidden');
    const login = await client(s.url).post('/v1/auth/login', { email: owner.email, password: 'correct horse battery' });
    expect((await client(s.url, login.body.token).get('/v1/audit')).status).toBe(403);
  });
});
