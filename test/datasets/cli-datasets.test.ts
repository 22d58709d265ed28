/**
 * `cheomdan datasets` as a person runs it (the CLI as its own process): create, upload a directory and a
 * file, show, list files, download and compare, append (never replacing), share, delete a version, storage.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let token = '';
let work = '';
const cli = (args: string[], cwd = work): Promise<CliRun> =>
  runCli(args, { cwd, env: { CHEOMDAN_URL: s.url, CHEOMDAN_TOKEN: token, CHEOMDAN_CONFIG: join(work, 'cfg', 'credentials.json') } });

beforeAll(async () => {
  s = await startTestServer();
  const admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'kia-av');
  await tenantWithOwner(s.url, admin, 'snu-ai');
  token = (await client(s.url).post('/v1/auth/login', { email: t.email, password: 'correct horse battery' })).body.token;
  work = mkdtempSync(join(tmpdir(), 'chd-cli-ds-'));
  mkdirSync(join(work, 'drives', 'day1'), { recursive: true });
  writeFileSync(join(work, 'drives', 'day1', 'cam0.bin'), randomBytes(2_500_000));
  writeFileSync(join(work, 'drives', 'day1', 'lidar.bin'), randomBytes(300_000));
  writeFileSync(join(work, 'README.md'), '# drives\n');
}, 60_000);
afterAll(async () => s?.close());

it('creates a dataset and uploads a directory and a file as version 1, with a summary line', async () => {
  const c = await cli(['datasets', 'create', 'drives', '--domain', 'automotive', '--description', 'Seoul drives']);
  expect(c.stdout, c.stderr).toMatch(/dataset kia-av\/drives \(ds_.*\): created, internal/);
  const u = await cli(['datasets', 'upload', 'drives', 'README.md', '--dataset', 'drives', '-m', 'day 1']);
  expect(u.code, u.stderr + u.stdout).toBe(0);
  expect(u.stdout).toMatch(/drives v1: committed — 3 files, 2\.80 MB; 2\.80 MB new after deduplication/);
  // Not a terminal: progress as lines on stderr.
  expect(u.stderr).toMatch(/drives v1: .* of 2\.80 MB/);
});

it('lists and shows it, with --json', async () => {
  const l = await cli(['--json', 'datasets', 'list']);
  const items = JSON.parse(l.stdout);
  expect(items).toMatchObject([{ name: 'drives', latestVersion: 1, fileCount: 3, domain: 'automotive' }]);
  const show = await cli(['datasets', 'show', 'drives']);
  expect(show.stdout).toMatch(/Dataset +kia-av\/drives/);
  expect(show.stdout).toMatch(/v1 +committed/);
  const files = await cli(['datasets', 'show', 'drives@1', '--files']);
  expect(files.stdout).toMatch(/README\.md/);
  expect(files.stdout).toMatch(/drives\/day1\/cam0\.bin +2\.50 MB/);
});

it('downloads a version and the bytes are the same', async () => {
  const out = join(work, 'out');
  const d = await cli(['datasets', 'download', 'drives@1', '-o', out]);
  expect(d.code, d.stderr).toBe(0);
  expect(d.stdout).toMatch(/drives v1: 3 files, 2\.80 MB in .* \(SHA-256 checked\)/);
  expect(readFileSync(join(out, 'drives', 'day1', 'cam0.bin')).equals(readFileSync(join(work, 'drives', 'day1', 'cam0.bin')))).toBe(true);
  const one = await cli(['datasets', 'download', 'drives', 'drives/day1/lidar.bin', '-o', join(work, 'one')]);
  expect(one.stdout).toMatch(/1 files/);
});

it('append adds the next version from the latest and refuses, before any byte, to replace a file', async () => {
  mkdirSync(join(work, 'day2'));
  writeFileSync(join(work, 'day2', 'cam0.bin'), randomBytes(100_000));
  const a = await cli(['datasets', 'append', 'drives', 'day2', '--prefix', 'drives']);
  expect(a.code, a.stderr).toBe(0);
  expect(a.stdout).toMatch(/drives v2: committed — 4 files/);
  const again = await cli(['datasets', 'append', 'drives', 'README.md']);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/append never replaces files, and v2 of drives has README\.md/);
  const show = await cli(['--json', 'datasets', 'show', 'drives']);
  expect(JSON.parse(show.stdout).versions.map((v: { number: number }) => v.number)).toEqual([2, 1]);
});

it('shares with another organization, deletes a version, reports storage; bad references are refused with the reason', async () => {
  const sh = await cli(['datasets', 'share', 'drives', '--org', 'snu-ai']);
  expect(sh.stdout).toMatch(/drives: now readable by snu-ai; visible to: shared/);
  const rm = await cli(['datasets', 'rm', 'drives@1']);
  expect(rm.stdout).toMatch(/drives v1: deleted; its content is collected after/);
  const st = await cli(['datasets', 'storage']);
  expect(st.stdout).toMatch(/kia-av: 2\.90 MB used of 10\.0 TB; .* left/);
  const bad = await cli(['datasets', 'download', 'drives@latest']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/"@latest" is not a version/);
  const missing = await cli(['datasets', 'show', 'nope']);
  expect(missing.stderr).toMatch(/no dataset "nope"/);
});

it('submit --dataset mounts a version and --save-output keeps what the job wrote; a bad reference submits nothing', async () => {
  expect((await cli(['datasets', 'create', 'drive-models'])).code).toBe(0);
  // A directory the job's owner may use (as root, jobs run as their owners' Unix accounts).
  const runs = join(work, 'runs');
  mkdirSync(runs);
  chmodSync(work, 0o711);
  chmodSync(runs, 0o1777);
  const sub = await cli(['submit', '--dataset', 'drives:in', '--save-output', 'drive-models', '--', 'sh', '-c', 'wc -c < "$CHEOMDAN_JOB_DIR/in/README.md" > output/size.txt && test -f "$CHEOMDAN_DATASET_DRIVES/README.md"'], runs);
  expect(sub.code, sub.stderr).toBe(0);
  const id = sub.stdout.trim().split(/\s+/).pop()!;
  const c = client(s.url, token);
  const done = await waitForJob(c, id, undefined, 30_000);
  expect(done.state, (await c.get(`/v1/jobs/${id}/logs?stream=stderr`)).body).toBe('succeeded');
  const show = await waitFor(() => cli(['datasets', 'show', 'drive-models', '--files']), (r) => /size\.txt/.test(r.stdout), 20_000, 'the saved version');
  expect(show.stdout).toMatch(/size\.txt/);
  const bad = await cli(['submit', '--dataset', 'drives@latest', '--', 'true']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--dataset: "@latest" is not a version/);
});
