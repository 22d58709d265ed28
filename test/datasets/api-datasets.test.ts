/**
 * Datasets through the API on a real server: create, upload with tus (checksums, offsets, resumption),
 * commit, download (Range), new versions that deduplicate, sharing and restricted access with audit,
 * quotas, purge — and every bad input answered with a problem that names it, changing nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/blobs/fs.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from '../helpers/server.ts';
import { sha1b64, sha256hex, tusClient } from '../helpers/tus.ts';

let s: TestServer;
let admin: Client;
let hospital: Client;
let hospitalToken = '';
let other: Client;
let otherToken = '';
let tus: ReturnType<typeof tusClient>;

const tokenOf = async (email: string) => (await client(s.url).post('/v1/auth/login', { email, password: 'correct horse battery' })).body.token as string;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  const h = await tenantWithOwner(s.url, admin, 'seoul-hospital');
  hospital = h.owner;
  hospitalToken = await tokenOf(h.email);
  const o = await tenantWithOwner(s.url, admin, 'hyundai-lab');
  other = o.owner;
  otherToken = await tokenOf(o.email);
  tus = tusClient(s.url, hospitalToken);
}, 60_000);
afterAll(async () => s?.close());

describe('a dataset from creation to download', () => {
  const big = randomBytes(12_000_000); // ~12 chunks: an edit in the middle rewrites one to three of them
  const small = Buffer.from('label,count\ncat,3\n');
  let location = '';

  it('creates a dataset; a name taken, a bad name and a restricted public one are refused', async () => {
    const r = await hospital.post('/v1/datasets', { name: 'chest-xray', description: 'CXR 2026', domain: 'healthcare', licence: 'proprietary' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ name: 'chest-xray', sensitivity: 'internal', visibility: 'organization', latestVersion: null, versions: [] });
    expect((await hospital.post('/v1/datasets', { name: 'chest-xray' })).status).toBe(409);
    const bad = await hospital.post('/v1/datasets', { name: '../x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.name');
    const pub = await hospital.post('/v1/datasets', { name: 'ct', sensitivity: 'restricted', visibility: 'public' });
    expect(pub.status).toBe(400);
    expect(pub.body.detail).toMatch(/never be public/);
    expect((await hospital.get('/v1/datasets')).body.items.map((d: { name: string }) => d.name)).toEqual(['chest-xray']);
  });

  it('tus: OPTIONS advertises the protocol; creation answers 201 with a Location', async () => {
    const o = await fetch(`${s.url}/v1/uploads`, { method: 'OPTIONS' });
    expect(o.status).toBe(204);
    expect(o.headers.get('tus-version')).toBe('1.0.0');
    expect(o.headers.get('tus-extension')).toBe('creation,termination,checksum,expiration');
    expect(o.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256');
    const c = await tus.create(big.length, { dataset: 'chest-xray', path: 'images/a.bin', sha256: sha256hex(big) });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.headers.get('tus-resumable')).toBe('1.0.0');
    location = c.headers.get('location')!;
    expect(location).toMatch(/^\/v1\/uploads\/up_/);
    const h = await tus.head(location);
    expect(h.status).toBe(200);
    expect(h.headers.get('upload-offset')).toBe('0');
    expect(h.headers.get('upload-length')).toBe(String(big.length));
  });

  it('PATCH appends at the offset; a wrong offset is 409 and a wrong checksum 460, both leaving the offset as it was', async () => {
    const first = big.subarray(0, 1_234_567);
    const p1 = await tus.patch(location, 0, first, { 'upload-checksum': `sha1 ${sha1b64(first)}` });
    expect(p1.status, JSON.stringify(p1.body)).toBe(204);
    expect(p1.headers.get('upload-offset')).toBe(String(first.length));
    const wrong = await tus.patch(location, 5, big.subarray(5, 100));
    expect(wrong.status).toBe(409);
    expect(wrong.body.detail).toMatch(/Upload-Offset 5 does not match the upload's offset 1234567/);
    const rest = big.subarray(first.length);
    const corrupt = await tus.patch(location, first.length, rest, { 'upload-checksum': `sha256 ${sha1b64(rest)}` });
    expect(corrupt.status).toBe(460);
    expect(corrupt.body.detail).toMatch(/nothing of it was kept/);
    expect((await tus.head(location)).headers.get('upload-offset')).toBe(String(first.length));
    const done = await tus.patch(location, first.length, rest);
    expect(done.status).toBe(204);
    expect(done.headers.get('upload-offset')).toBe(String(big.length));
  });

  it('refuses tus requests without the protocol version (412) or with the wrong content type (415)', async () => {
    const noVersion = await fetch(`${s.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${hospitalToken}`, 'upload-length': '1' } });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get('tus-version')).toBe('1.0.0');
    expect(((await noVersion.json()) as { detail: string }).detail).toMatch(/Tus-Resumable must be 1.0.0/);
    const c = await tus.create(3, { dataset: 'chest-xray', path: 'x.txt' });
    const loc = c.headers.get('location')!;
    const bad = await tus.req('PATCH', loc, { 'content-type': 'text/plain', 'upload-offset': '0' }, Buffer.from('abc'));
    expect(bad.status).toBe(415);
    expect((await tus.req('DELETE', loc, {})).status).toBe(204);
    expect((await tus.head(loc)).status).toBe(404);
  });

  const badPaths: Record<string, [string, RegExp]> = {
    'a .. segment': ['a/../../etc/passwd', /"\.\." segment/],
    'an absolute path': ['/etc/passwd', /absolute/],
    'a NUL byte': ['a\0b', /NUL/],
    'over 4,096 bytes': ['x'.repeat(4097), /at most 4096/],
  };
  for (const [what, [path, want]] of Object.entries(badPaths)) {
    it(`refuses a path with ${what} before storing anything`, async () => {
      const r = await tus.create(3, { dataset: 'chest-xray', path });
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(want);
      expect(r.body.errors[0].path).toBe('Upload-Metadata.path');
    });
  }

  it('refuses metadata that is not tus\'s (a value not base64, a dataset missing, a dataset of another organization)', async () => {
    const notB64 = await tus.req('POST', '/v1/uploads', { 'upload-length': '1', 'upload-metadata': 'dataset ***' });
    expect(notB64.status).toBe(400);
    expect(notB64.body.detail).toMatch(/not base64/);
    expect((await tus.create(1, { path: 'a' })).body.detail).toMatch(/needs "dataset"/);
    const foreign = await tusClient(s.url, otherToken).create(1, { dataset: 'chest-xray', path: 'a' });
    expect(foreign.status).toBe(404);
  });

  it('commits the version: totals, then a commit again and an upload into it are refused', async () => {
    expect((await tus.put({ dataset: 'chest-xray', path: 'labels.csv' }, small)).status).toBe(204);
    expect((await tus.put({ dataset: 'chest-xray', path: 'empty.txt' }, Buffer.alloc(0))).status).toBe(201);
    const d = (await hospital.get('/v1/datasets/chest-xray')).body;
    expect(d.versions).toHaveLength(1);
    expect(d.versions[0]).toMatchObject({ number: 1, state: 'open' });
    const c = await hospital.post('/v1/datasets/chest-xray/versions/1/commit', { message: 'first images' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ number: 1, state: 'committed', fileCount: 3, totalBytes: big.length + small.length, message: 'first images' });
    expect((await hospital.post('/v1/datasets/chest-xray/versions/1/commit', {})).status).toBe(409);
    const late = await tus.create(1, { dataset: 'chest-xray', path: 'late.txt', version: '1' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/committed versions never change/);
  });

  it('lists files and downloads them whole and by Range, with their checksum', async () => {
    const files = (await hospital.get('/v1/datasets/chest-xray/versions/latest/files')).body;
    expect(files.items.map((f: { path: string }) => f.path)).toEqual(['empty.txt', 'images/a.bin', 'labels.csv']);
    expect(files.items[1].sha256).toBe(sha256hex(big));
    const whole = await fetch(`${s.url}/v1/datasets/chest-xray/versions/1/files/images/a.bin`, { headers: { authorization: `Bearer ${hospitalToken}` } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(sha256hex(Buffer.from(await whole.arrayBuffer()))).toBe(sha256hex(big));
    const part = await fetch(`${s.url}/v1/datasets/chest-xray/versions/1/files/images/a.bin`, { headers: { authorization: `Bearer ${hospitalToken}`, range: 'bytes=1000000-2000099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000000-2000099/${big.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(big.subarray(1_000_000, 2_000_100))).toBe(true);
    const tail = await fetch(`${s.url}/v1/datasets/chest-xray/versions/1/files/labels.csv`, { headers: { authorization: `Bearer ${hospitalToken}`, range: 'bytes=-6' } });
    expect(await tail.text()).toBe('cat,3\n');
    const outside = await fetch(`${s.url}/v1/datasets/chest-xray/versions/1/files/labels.csv`, { headers: { authorization: `Bearer ${hospitalToken}`, range: 'bytes=999-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${small.length}`);
  });

  it('a new version from the first, with one file changed in the middle, stores only the chunks around the change', async () => {
    const v = await hospital.post('/v1/datasets/chest-xray/versions', { message: 'fix', remove: ['labels.csv'] });
    expect(v.status, JSON.stringify(v.body)).toBe(201);
    expect(v.body).toMatchObject({ number: 2, state: 'open', parent: 1 });
    const edited = Buffer.from(big);
    edited.write('EDITED', 6_000_000);
    expect((await tus.put({ dataset: 'chest-xray', path: 'images/a.bin', version: '2' }, edited)).status).toBe(204);
    const c = await hospital.post('/v1/datasets/chest-xray/versions/2/commit', {});
    expect(c.body).toMatchObject({ fileCount: 2, totalBytes: edited.length });
    expect(c.body.newBytes).toBeGreaterThan(0);
    expect(c.body.newBytes).toBeLessThan(big.length * 0.75);
    const files = (await hospital.get('/v1/datasets/chest-xray/versions/2/files')).body.items.map((f: { path: string }) => f.path);
    expect(files).toEqual(['empty.txt', 'images/a.bin']);
    // Version 1 is unchanged.
    const v1 = await fetch(`${s.url}/v1/datasets/chest-xray/versions/1/files/images/a.bin`, { headers: { authorization: `Bearer ${hospitalToken}` } });
    expect(sha256hex(Buffer.from(await v1.arrayBuffer()))).toBe(sha256hex(big));
  });
});

describe('access', () => {
  it('another organization sees neither the dataset nor its files, exactly like a missing one', async () => {
    for (const path of ['/v1/datasets/chest-xray', '/v1/datasets/chest-xray/versions/1/files', '/v1/datasets/chest-xray/versions/1/files/labels.csv']) {
      const r = await other.get(path);
      const missing = await other.get(path.replace('chest-xray', 'no-such-set'));
      expect(r.status, path).toBe(404);
      expect(r.body.detail).toBe(missing.body.detail.replace('no-such-set', 'chest-xray'));
    }
    expect((await other.get('/v1/datasets')).body.items).toEqual([]);
    const id = (await hospital.get('/v1/datasets/chest-xray')).body.id;
    expect((await other.get(`/v1/datasets/${id}`)).status).toBe(404);
    expect((await other.post(`/v1/datasets/${id}/share`, { organization: 'hyundai-lab' })).status).toBe(404);
  });

  it('shared read-only with an organization: it reads, it cannot write', async () => {
    const r = await hospital.post('/v1/datasets/chest-xray/share', { organization: 'hyundai-lab' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.visibility).toBe('shared');
    expect(r.body.sharedWith).toMatchObject([{ kind: 'organization', name: 'hyundai-lab' }]);
    const seen = (await other.get('/v1/datasets')).body.items;
    expect(seen.map((d: { name: string }) => d.name)).toEqual(['chest-xray']);
    expect(seen[0].access).toEqual({ read: true, write: false });
    const file = await other.get('/v1/datasets/seoul-hospital%2Fchest-xray/versions/1/files/labels.csv');
    expect(file.status).toBe(200);
    expect((await other.post('/v1/datasets/seoul-hospital%2Fchest-xray/versions', {})).status).toBe(403);
    expect((await hospital.post('/v1/datasets/chest-xray/share', { organization: 'hyundai-lab', revoke: true })).status).toBe(200);
    expect((await other.get('/v1/datasets/seoul-hospital%2Fchest-xray')).status).toBe(404);
  });

  it('restricted: members without a grant see it but cannot read it; a grant lets them, and every read is audited; it is encrypted at rest', async () => {
    const d = await hospital.post('/v1/datasets', { name: 'patients', sensitivity: 'restricted', domain: 'healthcare' });
    expect(d.status).toBe(201);
    expect(d.body.sharedWith).toMatchObject([{ kind: 'user', name: 'owner@seoul-hospital.example' }]);
    const secret = Buffer.from('patient 0042: diagnosis ... '.repeat(1000));
    expect((await tus.put({ dataset: 'patients', path: 'records.txt' }, secret)).status).toBe(204);
    expect((await hospital.post('/v1/datasets/patients/versions/1/commit', {})).status).toBe(200);
    // A member of the hospital without a grant.
    expect((await admin.post('/v1/users', { email: 'nurse@seoul-hospital.example', name: 'nurse', role: 'member', tenant: 'seoul-hospital', password: 'correct horse battery' })).status).toBe(201);
    const nurse = client(s.url, await tokenOf('nurse@seoul-hospital.example'));
    expect((await nurse.get('/v1/datasets/patients')).body.access).toEqual({ read: false, write: false });
    const denied = await nurse.get('/v1/datasets/patients/versions/1/files/records.txt');
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/restricted/);
    // Operators see it but do not read it without a grant either.
    expect((await admin.get(`/v1/datasets/${d.body.id}/versions/1/files/records.txt`)).status).toBe(403);
    expect((await hospital.post('/v1/datasets/patients/share', { user: 'nurse@seoul-hospital.example' })).status).toBe(200);
    const read = await nurse.get('/v1/datasets/patients/versions/1/files/records.txt');
    expect(read.status).toBe(200);
    expect(read.body).toBe(secret.toString());
    const audit = (await admin.get(`/v1/audit?subject=${d.body.id}&action=dataset.read`)).body.items;
    expect(audit.length).toBe(1);
    expect(audit[0].detail).toMatchObject({ version: 1, path: 'records.txt' });
    // Never public; never granted to someone of another organization.
    expect((await hospital.patch('/v1/datasets/patients', { visibility: 'public' })).status).toBe(400);
    expect((await hospital.post('/v1/datasets/patients/share', { user: 'owner@hyundai-lab.example' })).status).toBe(400);
    // The blobs on disk do not hold the plaintext.
    const { execFileSync } = await import('node:child_process');
    // grep exits 1 when nothing matches.
    expect(() => execFileSync('grep', ['-rl', 'patient 0042', `${s.home}/blobs`], { stdio: 'pipe' })).toThrow(/status 1|Command failed/);
    expect(execFileSync('grep', ['-rl', 'label,count', `${s.home}/blobs`], { encoding: 'utf8' }).trim()).not.toBe('');
  });

  it('purge erases a restricted dataset: its content can never be read again', async () => {
    const r = await hospital.post('/v1/datasets/patients/purge', {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.erasedVersions).toBe(1);
    expect((await hospital.get('/v1/datasets/patients')).status).toBe(404);
    expect((await hospital.post('/v1/datasets/chest-xray/purge', {})).status).toBe(400);
  });
});

describe('quotas', () => {
  it('an upload past the organization\'s storage quota is refused before any byte is stored, saying how much is used and left', async () => {
    expect((await hospital.get('/v1/storage')).body.quotaBytes).toBe(10e12); // no allocation grants storage: the default
    const a = await admin.post('/v1/allocations', { tenant: 'seoul-hospital', name: 'imaging', serviceUnits: 1000, concurrentLimit: 4, storageTb: 0.01, endsAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const before = (await hospital.get('/v1/storage')).body;
    expect(before.usedBytes).toBeGreaterThan(3_000_000);
    expect(before.quotaBytes).toBe(10e9);
    const r = await tus.create(20e9, { dataset: 'chest-xray', path: 'huge.bin' });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/needs 20\.0 GB but the organization has [\d.]+ GB of storage left \([\d.]+ MB used, quota 10\.0 GB\)/);
    expect((await hospital.get('/v1/storage')).body).toEqual(before);
    const past = await tus.create(11e12, { dataset: 'chest-xray', path: 'huge.bin' });
    expect(past.status).toBe(413);
    expect(past.body.detail).toMatch(/Tus-Max-Size/);
  });
});

describe('garbage collection of orphan blobs', () => {
  it('a blob without a chunk row (a crash between the two writes) is removed on the second run that finds it, a recorded one never', async () => {
    const blobs = new FsBlobStore(join(s.home, 'blobs'));
    const orphan = Buffer.from('written just before a crash');
    const key = `o/${'0'.repeat(20)}/${createHash('sha256').update(orphan).digest('hex')}`;
    await blobs.put(key, orphan);
    const recordedBefore: string[] = [];
    for await (const k of blobs.list('o/')) if (k !== key) recordedBefore.push(k);
    expect(recordedBefore.length).toBeGreaterThan(0);
    const first = await admin.post('/v1/datasets-gc', {});
    expect(first.status).toBe(200);
    expect(first.body.orphanBlobs).toBe(0);
    expect(await blobs.has(key)).toBe(true); // one sighting is not enough: a writer may be about to record it
    const second = await admin.post('/v1/datasets-gc', {});
    expect(second.body.orphanBlobs).toBe(1);
    expect(await blobs.has(key)).toBe(false);
    for (const k of recordedBefore) expect(await blobs.has(k)).toBe(true);
    expect((await hospital.post('/v1/datasets-gc', {})).status).toBe(403);
  });
});
