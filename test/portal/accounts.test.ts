/**
 * Account lifecycle through the portal: an organization's owner disables and enables a member on the Users
 * page and hands them a one-time reset link; the link opens the reset page without a login and sets the
 * password; the member changes it again on the Account page (a wrong current password is named, nothing
 * changes) and makes a token with chosen scopes. Screenshots in English and Korean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
let owner: { email: string; owner: Client };
const login = (email: string, password: string) => client(s.url).post('/v1/auth/login', { email, password });

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = await tenantWithOwner(s.url, admin, 'unist');
  expect((await owner.owner.post('/v1/users', { email: 'jung@unist.example', name: 'Jung', role: 'member', password: 'correct horse battery' })).status).toBe(201);
  b = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await b?.close();
  await s?.close();
});

describe('portal: accounts', () => {
  it('disable, enable, a reset link that sets the password, a password change, a scoped token', async () => {
    const { page } = b;
    await loginWithPassword(page, s.url, owner.email, 'correct horse battery');
    await page.goto(`${s.url}/#/users`);
    await page.getByRole('button', { name: 'Disable jung@unist.example' }).click();
    await page.getByTestId('users-table').locator('tr', { hasText: 'jung@unist.example' }).getByText('Disabled').waitFor();
    expect((await login('jung@unist.example', 'correct horse battery')).status).toBe(401);
    await page.getByRole('button', { name: 'Enable jung@unist.example' }).click();
    await page.getByTestId('users-table').locator('tr', { hasText: 'jung@unist.example' }).getByText('Active').waitFor();
    await page.getByRole('button', { name: 'Reset password jung@unist.example' }).click();
    const link = (await page.getByTestId('reset-link').locator('code').innerText()).trim();
    expect(link).toMatch(/\/#\/reset\?code=/);
    await screenshot(page, 'users-reset-link');
    await page.getByRole('button', { name: 'Log out' }).click();

    await page.goto(link);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: '새 비밀번호 설정' }).waitFor();
    await screenshot(page, 'reset-ko');
    await page.getByTestId('lang').selectOption('en');
    await page.getByLabel('New password', { exact: true }).fill('jung chose this one');
    await page.getByLabel('New password again').fill('jung chose this one');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Your password is set.').waitFor();

    await loginWithPassword(page, s.url, 'jung@unist.example', 'jung chose this one');
    await page.goto(`${s.url}/#/account`);
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('and now another one');
    await page.getByLabel('New password again').fill('and now another one');
    await page.getByTestId('password-change').getByRole('button', { name: 'Change password' }).click();
    await page.getByText('the current password is wrong; nothing was changed').waitFor();
    await page.getByLabel('Current password').fill('jung chose this one');
    await page.getByTestId('password-change').getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    expect((await login('jung@unist.example', 'and now another one')).status).toBe(201);

    await page.getByLabel('Token name').fill('notebook');
    await page.getByRole('checkbox', { name: /jobs/ }).uncheck();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByTestId('new-token').innerText();
    const tk = client(s.url, secret);
    expect((await tk.get('/v1/jobs')).status).toBe(200);
    expect((await tk.post('/v1/jobs', { command: ['true'] })).status).toBe(403);
    await screenshot(page, 'account-tokens');
  }, 120_000);
});
