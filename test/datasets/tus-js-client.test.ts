/**
 * A third-party tus client against /v1/uploads: tus-js-client (the library Uppy uses) uploads a file in
 * 1 MiB PATCHes with an API token and the documented Upload-Metadata keys, and the file lands in the version.
 */
import { randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from '../helpers/server.ts';
import { sha256hex } from '../helpers/tus.ts';

let s: TestServer;
let owner: Client;
let token = '';

beforeAll(async () => {
  s = await startTestServer();
  const admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'kepco-grid');
  owner = t.owner;
  token = (await client(s.url).post('/v1/auth/login', { email: t.email, password: 'correct horse battery' })).body.token;
  expect((await owner.post('/v1/datasets', { name: 'substation-logs', domain: 'energy' })).status).toBe(201);
}, 60_000);
afterAll(async () => s?.close());

const upload = (data: Buffer, metadata: Record<string, string>, opts: Partial<tus.UploadOptions> = {}) =>
  new Promise<tus.Upload>((resolve, reject) => {
    const u: tus.Upload = new tus.Upload(data, {
      endpoint: `${s.url}/v1/uploads`, chunkSize: 1024 * 1024, retryDelays: [50, 100, 200], metadata,
      headers: { authorization: `Bearer ${token}` }, onError: reject, onSuccess: () => resolve(u), ...opts,
    });
    u.start();
  });

it('tus-js-client uploads a 5 MB file in 1 MiB requests into a version, which commits with its SHA-256', async () => {
  const data = randomBytes(5_000_000);
  const progress: number[] = [];
  const u = await upload(data, { dataset: 'substation-logs', path: 'plant-7/2026-12-07.bin', sha256: sha256hex(data) }, { onProgress: (sent) => progress.push(sent) });
  expect(u.url).toMatch(/\/v1\/uploads\/up_/);
  expect(progress.at(-1)).toBe(data.length);
  const d = (await owner.get('/v1/datasets/substation-logs')).body;
  const n = d.versions[0].number;
  expect((await owner.post(`/v1/datasets/substation-logs/versions/${n}/commit`, {})).status).toBe(200);
  const files = (await owner.get(`/v1/datasets/substation-logs/versions/${n}/files`)).body.items;
  expect(files).toEqual([{ path: 'plant-7/2026-12-07.bin', size: data.length, sha256: sha256hex(data) }]);
});

it('an upload whose announced SHA-256 does not match is discarded with 460, and tus-js-client reports it', async () => {
  const data = randomBytes(100_000);
  const err = await upload(data, { dataset: 'substation-logs', path: 'bad.bin', sha256: '0'.repeat(64) }, { retryDelays: [] }).then(() => null, (e: Error) => e);
  expect(String(err)).toMatch(/response code: 460/);
});
