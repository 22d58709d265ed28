/**
 * An upload survives kill -9 of the server: the CLI uploads a 300 MB file, the server is killed mid-way
 * and started again, the CLI resumes from the offset the server had acknowledged and completes; the
 * stored SHA-256 is the file's, and no version with part of the file was ever committed.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { client, spawnServer, waitFor } from '../helpers/server.ts';

const port = 20000 + Math.floor(Math.random() * 20000);
let home = '';
let work = '';
const children: { kill(sig?: NodeJS.Signals): boolean }[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

it('kill -9 mid-upload, restart: the CLI resumes and completes with the right SHA-256', async () => {
  home = await mkdtemp(join(tmpdir(), 'cheomdan-upcrash-'));
  work = await mkdtemp(join(tmpdir(), 'cheomdan-upcrash-work-'));
  const SIZE = 300_000_000;
  const file = join(work, 'scan.bin');
  const hash = (await import('node:crypto')).createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    let left = SIZE;
    const write = () => {
      while (left > 0) {
        const b = randomBytes(Math.min(left, 4 << 20));
        hash.update(b);
        left -= b.length;
        if (!out.write(b)) return void out.once('drain', write);
      }
      out.end(resolve);
    };
    write();
  });
  const sha = hash.digest('hex');

  const first = await spawnServer(home, port);
  children.push(first.child);
  const admin = client(first.url, (await readFile(join(home, 'admin-token'), 'utf8')).trim());
  expect((await admin.post('/v1/tenants', { slug: 'snuh', name: 'SNU Hospital', kind: 'public', sector: 'healthcare' })).status).toBe(201);
  expect((await admin.post('/v1/users', { email: 'x@snuh.example', name: 'x', role: 'owner', tenant: 'snuh', password: 'correct horse battery' })).status).toBe(201);
  const token = (await client(first.url).post('/v1/auth/login', { email: 'x@snuh.example', password: 'correct horse battery' })).body.token as string;
  const owner = client(first.url, token);
  expect((await owner.post('/v1/datasets', { name: 'ct', domain: 'healthcare' })).status).toBe(201);

  const upload = runCli(['datasets', 'upload', file, '--dataset', 'ct'], {
    cwd: work, env: { CHEOMDAN_URL: first.url, CHEOMDAN_TOKEN: token, CHEOMDAN_CONFIG: join(work, 'cfg', 'credentials.json') },
  });
  // Part of the file is stored (acknowledged or not): kill the server.
  await waitFor(() => owner.get('/v1/storage'), (r) => r.body.usedBytes > 100e6, 60_000, '100 MB of the upload to be stored');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  await new Promise((r) => setTimeout(r, 1000));
  const second = await spawnServer(home, port);
  children.push(second.child);

  const done = await upload;
  expect(done.code, done.stderr + done.stdout).toBe(0);
  expect(done.stdout).toMatch(/ct v1: committed — 1 files, 300 MB; .* resumed after an interruption/);
  const api = client(second.url, token);
  const d = (await api.get('/v1/datasets/ct')).body;
  expect(d.versions.map((v: { number: number; state: string }) => [v.number, v.state])).toEqual([[1, 'committed']]);
  expect((await api.get('/v1/datasets/ct/versions/1/files')).body.items).toEqual([{ path: 'scan.bin', size: SIZE, sha256: sha }]);
  // The bytes read back are the file's (every chunk checked on the way, and the whole).
  const res = await fetch(`${second.url}/v1/datasets/ct/versions/1/files/scan.bin`, { headers: { authorization: `Bearer ${token}` } });
  const h2 = (await import('node:crypto')).createHash('sha256');
  for await (const b of res.body as unknown as AsyncIterable<Uint8Array>) h2.update(b);
  expect(h2.digest('hex')).toBe(sha);
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
}, 180_000);
