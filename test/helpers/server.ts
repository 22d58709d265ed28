/**
 * Test helpers: a real server on loopback (in this process, or as a child process for crash tests), with a
 * temp home and the demo inventory, plus a tiny typed HTTP client and fixtures for tenants and users.
 */
import type { BlobConfig } from '../../src/server/blobConfig.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import type { PolicyConfig } from '../../src/scheduler/policy.ts';
import { openStore } from '../../src/store/index.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DEMO_INVENTORY = join(ROOT, 'examples', 'inventories', 'demo.yaml');

export interface TestServer {
  url: string;
  home: string;
  adminToken: string;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(opts: { inventory?: string; policy?: string | PolicyConfig; databaseUrl?: string; blobs?: BlobConfig } = {}): Promise<TestServer> {
  const home = await mkdtemp(join(tmpdir(), 'cheomdan-test-'));
  const server = await startServer({
    host: '127.0.0.1', port: 0, home, inventoryPath: opts.inventory ?? DEMO_INVENTORY, policy: opts.policy,
    databaseUrl: opts.databaseUrl, logLevel: 'silent', tickMs: 100, blobs: opts.blobs,
  });
  const adminToken = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
  const t: TestServer = {
    url: server.url, home, adminToken, server,
    async close() {
      await t.server.close();
      await removeCreatedAccounts(home, opts.databaseUrl);
      await rm(home, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * As root, a server runs jobs as Unix accounts it creates (services/unixAccounts.ts): remove those a test
 * server made, so test runs do not fill the host's account database.
 */
export async function removeCreatedAccounts(home: string, databaseUrl?: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const store = await openStore({ url: databaseUrl, sqlitePath: join(home, 'cheomdan.db') }).catch(() => null);
  if (store === null) return;
  try {
    for (const a of await store.unixAccounts.list()) {
      if (a.origin !== 'created') continue;
      await promisify(execFile)('userdel', ['--remove', a.userName]).catch(() => undefined);
      await promisify(execFile)('groupdel', [a.userName]).catch(() => undefined);
    }
  } finally {
    await store.close();
  }
}

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A minimal client: JSON in, JSON (or text) out, bearer token. */
export function client(url: string, token?: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown): Promise<Response<T>> => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const ct = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: ct.includes('json') && text ? JSON.parse(text) : text };
  };
  return {
    /** The bearer token it sends (for requests made without it, e.g. downloads with fetch). */
    token: token ?? '',
    get: <T = any>(p: string) => call<T>('GET', p),
    post: <T = any>(p: string, b?: unknown) => call<T>('POST', p, b ?? {}),
    patch: <T = any>(p: string, b?: unknown) => call<T>('PATCH', p, b ?? {}),
    put: <T = any>(p: string, b?: unknown) => call<T>('PUT', p, b ?? {}),
    del: <T = any>(p: string) => call<T>('DELETE', p),
  };
}
export type Client = ReturnType<typeof client>;

/** Creates a tenant with an owner who has a password, and returns a client logged in as that owner. */
export async function tenantWithOwner(url: string, admin: Client, slug: string): Promise<{ tenantId: string; owner: Client; email: string }> {
  const t = await admin.post('/v1/tenants', { slug, name: `${slug} Inc.`, kind: 'startup', sector: 'healthcare' });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${JSON.stringify(t.body)}`);
  const email = `owner@${slug}.example`;
  const u = await admin.post('/v1/users', { email, name: `${slug} owner`, role: 'owner', tenant: slug, password: 'correct horse battery' });
  if (u.status !== 201) throw new Error(`user: ${u.status} ${JSON.stringify(u.body)}`);
  const login = await client(url).post('/v1/auth/login', { email, password: 'correct horse battery' });
  if (login.status !== 201) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return { tenantId: t.body.id, owner: client(url, login.body.token), email };
}

/** Polls until `fn` returns a value that `done` accepts, or fails after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T = await fn();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}

export const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];
export async function waitForJob(c: Client, id: string, states: string[] = TERMINAL, timeoutMs = 20_000) {
  const r = await waitFor(() => c.get(`/v1/jobs/${id}`), (r) => states.includes(r.body.state), timeoutMs, `job ${id} to be ${states.join('|')}`);
  return r.body;
}

/** The server as a child process (`node bin/cheomdan.js serve`), for kill -9 tests. */
export async function spawnServer(home: string, port: number, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'cheomdan.js'), 'serve', '--port', String(port), '--home', home, '--inventory', DEMO_INVENTORY], {
    cwd: ROOT, env: { ...process.env, CHEOMDAN_LOG_LEVEL: 'warn', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${out}`);
    return fetch(url + '/healthz').then((r) => r.status).catch(() => 0);
  }, (s) => s === 200, 30_000, 'the server to answer /healthz');
  return { child, url };
}
