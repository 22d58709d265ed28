/**
 * `cheomdan serve`'s isolation options (issue 15): a bad --unix-accounts file is refused before anything
 * starts, naming the field; --single-user as root declares single-user mode in /healthz.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { spawnServer } from './helpers/server.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'cheomdan-serve-')); });
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('cheomdan serve --unix-accounts', () => {
  const cases: Record<string, { file: string; want: RegExp }> = {
    'not JSON': { file: '{mapping', want: /--unix-accounts .*: not valid JSON/ },
    'an array': { file: '[]', want: /give a JSON object, e\.g\. \{"mapping"/ },
    'an unknown field': { file: '{"maping": {}}', want: /unknown field\(s\) maping; give mapping, firstUid, lastUid, homeBase/ },
    'a mapping to a non-name': { file: '{"mapping": {"kim@x.kr": 12}}', want: /"mapping" maps user ids or e-mails to Unix account names/ },
    'a fractional uid': { file: '{"firstUid": 1.5}', want: /"firstUid" must be a whole number/ },
    'a relative home base': { file: '{"homeBase": "home"}', want: /"homeBase" must be an absolute path/ },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`refuses ${name}, starting nothing`, async () => {
      const file = join(dir, `${name.replaceAll(' ', '-')}.json`);
      await writeFile(file, c.file);
      const home = join(dir, `home-${name.replaceAll(' ', '-')}`);
      const r = await runCli(['serve', '--port', '0', '--home', home, '--unix-accounts', file]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(c.want);
      expect(r.stdout).not.toMatch(/listening/);
    });
  }
});

describe('cheomdan serve: limits, storage and blobs from the environment', () => {
  const cases: Record<string, { env: Record<string, string>; args?: string[]; want: RegExp }> = {
    'a limit that is not a number': { env: { CHEOMDAN_MAX_WAITING_JOBS_PER_USER: 'lots' }, want: /CHEOMDAN_MAX_WAITING_JOBS_PER_USER: "lots" is not a whole number/ },
    'a negative rate': { env: { CHEOMDAN_API_REQUESTS_PER_MINUTE: '-5' }, want: /CHEOMDAN_API_REQUESTS_PER_MINUTE: "-5" is not a whole number/ },
    'an unknown storage basis': { env: { CHEOMDAN_STORAGE_BASIS: 'used' }, want: /neither "stored" .* nor "granted"/ },
    'S3 blobs without keys': { env: {}, args: ['--blobs', 's3://center-data'], want: /--blobs: blobs on s3:\/\/center-data need AWS_ACCESS_KEY_ID/ },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`refuses ${name}, starting nothing`, async () => {
      const home = join(dir, `env-${name.replaceAll(' ', '-')}`);
      const r = await runCli(['serve', '--port', '0', '--home', home, ...(c.args ?? [])], { env: c.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(c.want);
      expect(r.stdout).not.toMatch(/listening/);
    });
  }
});

describe.skipIf(process.getuid?.() !== 0)('cheomdan serve --single-user (as root)', () => {
  it('declares single-user mode in /healthz, saying why', async () => {
    const port = 18_000 + Math.floor(Math.random() * 900);
    const home = join(dir, 'single');
    const { child, url } = await spawnServer(home, port, { CHEOMDAN_SINGLE_USER: '1' });
    try {
      const h = await (await fetch(`${url}/healthz`)).json() as { isolation?: { mode: string; description: string } };
      expect(h.isolation?.mode).toBe('single-user');
      expect(h.isolation?.description).toMatch(/runs as root but was told to run jobs as itself/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
