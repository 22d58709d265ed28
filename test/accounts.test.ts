/**
 * Account lifecycle (issue 15): change your password (the current one checked, your other login sessions
 * ended), disable a user (no login, every token cut off at once, audited), enable again, and a one-time
 * password reset code an operator or owner issues — usable once, for 24 hours, opening no other route.
 * Each refusal says why and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let owner: Client;
const pw = 'correct horse battery';
const login = (email: string, password: string) => client(s.url).post('/v1/auth/login', { email, password });

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = (await tenantWithOwner(s.url, admin, 'postech')).owner;
  for (const name of ['kim', 'lee', 'park']) {
    expect((await owner.post('/v1/users', { email: `${name}@postech.example`, name, role: 'member', password: pw })).status).toBe(201);
  }
  await tenantWithOwner(s.url, admin, 'other-org');
}, 60_000);
afterAll(async () => s?.close());

describe('changing your password', () => {
  it('needs the current one; ends your other login sessions, not the one you used', async () => {
    const laptop = client(s.url, (await login('kim@postech.example', pw)).body.token);
    const phone = client(s.url, (await login('kim@postech.example', pw)).body.token);
    const wrong = await laptop.post('/v1/me/password', { currentPassword: 'not it', newPassword: 'a much better passphrase' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.detail).toMatch(/current password is wrong; nothing was changed/);
    expect((await login('kim@postech.example', pw)).status).toBe(201);
    const short = await laptop.post('/v1/me/password', { currentPassword: pw, newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.errors)).toMatch(/newPassword/);
    expect((await laptop.post('/v1/me/password', { currentPassword: pw, newPassword: 'a much better passphrase' })).status).toBe(204);
    expect((await laptop.get('/v1/me')).status).toBe(200);
    expect((await phone.get('/v1/me')).status).toBe(401);
    expect((await login('kim@postech.example', pw)).status).toBe(401);
    expect((await login('kim@postech.example', 'a much better passphrase')).status).toBe(201);
  });
});

describe('disabling a user', () => {
  it('cuts every token off at once and refuses logins; enabling lets them log in again; audited', async () => {
    const lee = client(s.url, (await login('lee@postech.example', pw)).body.token);
    const made = await lee.post('/v1/tokens', { name: 'ci', scopes: ['read'] });
    const ci = client(s.url, made.body.token);
    expect((await ci.get('/v1/me')).status).toBe(200); // cached as valid
    const users = (await owner.get('/v1/users')).body.items as { id: string; email: string }[];
    const id = users.find((u) => u.email === 'lee@postech.example')!.id;
    const d = await owner.post(`/v1/users/${id}/disable`, {});
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.disabledAt).not.toBeNull();
    expect((await lee.get('/v1/me')).status).toBe(401);
    expect((await ci.get('/v1/me')).status).toBe(401);
    expect((await login('lee@postech.example', pw)).status).toBe(401);
    expect((await owner.post(`/v1/users/${id}/enable`, {})).body.disabledAt).toBeNull();
    expect((await ci.get('/v1/me')).status).toBe(401); // tokens stay revoked: log in again
    expect((await login('lee@postech.example', pw)).status).toBe(201);
    const audit = (await admin.get('/v1/audit?limit=200')).body.items as { action: string; subject: string }[];
    expect(audit.filter((a) => a.subject === id).map((a) => a.action)).toEqual(expect.arrayContaining(['user.disable', 'user.enable']));
  });

  it('refuses what would lock people out or reach past the organization', async () => {
    const me = (await admin.get('/v1/me')).body.user.id as string;
    const self = await admin.post(`/v1/users/${me}/disable`, {});
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/cannot disable yourself/);
    const kim = client(s.url, (await login('kim@postech.example', 'a much better passphrase')).body.token);
    const park = ((await owner.get('/v1/users')).body.items as { id: string; email: string }[]).find((u) => u.email === 'park@postech.example')!.id;
    const member = await kim.post(`/v1/users/${park}/disable`, {});
    expect(member.status).toBe(403);
    const otherOwner = (await tenantWithOwner(s.url, admin, 'third-org')).owner;
    expect((await otherOwner.post(`/v1/users/${park}/disable`, {})).status).toBe(404); // looks missing
    expect((await owner.post(`/v1/users/${me}/disable`, {})).status).toBe(404); // an operator is not theirs
    expect(((await owner.get('/v1/users')).body.items as { email: string; disabledAt: string | null }[]).find((u) => u.email === 'park@postech.example')!.disabledAt).toBeNull();
  });
});

describe('a one-time password reset', () => {
  it('an owner issues a code; it sets the password once, ends every login session, and opens no route', async () => {
    const park = client(s.url, (await login('park@postech.example', pw)).body.token);
    const id = ((await owner.get('/v1/users')).body.items as { id: string; email: string }[]).find((u) => u.email === 'park@postech.example')!.id;
    const issued = await owner.post(`/v1/users/${id}/password-reset`, {});
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.link).toBe(`/#/reset?code=${encodeURIComponent(issued.body.code)}`);
    const code = issued.body.code as string;
    // The code is no API token: every route refuses it.
    expect((await client(s.url, code).get('/v1/me')).status).toBe(403);
    expect((await park.get('/v1/tokens')).body.items.every((t: { name: string }) => t.name !== 'password reset')).toBe(true);
    const weak = await client(s.url).post('/v1/auth/reset', { code, password: 'short' });
    expect(weak.status).toBe(400);
    expect((await client(s.url).post('/v1/auth/reset', { code, password: 'park has a new passphrase' })).status).toBe(204);
    expect((await park.get('/v1/me')).status).toBe(401);
    expect((await login('park@postech.example', 'park has a new passphrase')).status).toBe(201);
    const again = await client(s.url).post('/v1/auth/reset', { code, password: 'and yet another one' });
    expect(again.status).toBe(401);
    expect(again.body.detail).toMatch(/unknown, used or expired/);
    expect((await client(s.url).post('/v1/auth/reset', { code: 'chd_' + 'x'.repeat(40), password: 'and yet another one' })).status).toBe(401);
  });
});

describe('the same from the CLI', () => {
  it('users disable/enable, users reset-password, password reset and password change', async () => {
    const { runCli } = await import('./helpers/cli.ts');
    const ownerToken = (await login('owner@postech.example', pw)).body.token as string;
    const env = (token?: string) => ({ env: { CHEOMDAN_URL: s.url, ...(token ? { CHEOMDAN_TOKEN: token } : {}), CHEOMDAN_CONFIG: '/nonexistent/credentials.json' } });
    expect((await owner.post('/v1/users', { email: 'choi@postech.example', name: 'choi', role: 'member', password: pw })).status).toBe(201);
    const off = await runCli(['users', 'disable', 'choi@postech.example'], env(ownerToken));
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/choi@postech\.example disabled: its tokens are revoked/);
    expect((await login('choi@postech.example', pw)).status).toBe(401);
    expect((await runCli(['users', 'enable', 'choi@postech.example'], env(ownerToken))).code).toBe(0);
    const reset = await runCli(['users', 'reset-password', 'choi@postech.example'], env(ownerToken));
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).toMatch(/#\/reset\?code=/);
    const code = reset.stdout.trim();
    const set = await runCli(['password', 'reset', '--code', code, '--password-stdin'], { ...env(), stdin: 'choi sets a new one\n' });
    expect(set.code, set.stderr).toBe(0);
    const choi = (await login('choi@postech.example', 'choi sets a new one')).body.token as string;
    const change = await runCli(['password', 'change', '--stdin'], { ...env(choi), stdin: 'choi sets a new one\nand then another one\n' });
    expect(change.code, change.stderr).toBe(0);
    expect((await login('choi@postech.example', 'and then another one')).status).toBe(201);
    const wrong = await runCli(['password', 'change', '--stdin'], { ...env(choi), stdin: 'not the password\nwhatever else here\n' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/current password is wrong/);
  });
});
