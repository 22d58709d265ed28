/**
 * Datasets on S3-compatible storage, end to end: a server whose blobs are in a bucket of a real S3-speaking
 * server (radosgw in CI, else s3rver — test/helpers/s3.ts) takes a tus upload, serves it back whole and by
 * Range, mounts it into a job, keeps a restricted dataset's objects encrypted (the bucket never holds its
 * plaintext) and erases them when the dataset is purged.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { tusClient } from '../helpers/tus.ts';

let s3: TestS3;
let s: TestServer;
let owner: Client;
let tus: ReturnType<typeof tusClient>;
let bucket: S3Client;
const prefix = `it-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  s3 = await startTestS3();
  s = await startTestServer({ blobs: { kind: 's3', ...s3.config, prefix } });
  const admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'snuh');
  owner = t.owner;
  tus = tusClient(s.url, (await client(s.url).post('/v1/auth/login', { email: t.email, password: 'correct horse battery' })).body.token);
  bucket = new S3Client({ endpoint: s3.config.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey } });
}, 60_000);
afterAll(async () => {
  bucket?.destroy();
  await s?.close();
  await s3?.stop();
});

const objects = async () => {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await bucket.send(new ListObjectsV2Command({ Bucket: s3.config.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.push(o.Key!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
};

it('uploads into the bucket, downloads whole and by Range, and a job reads the version', async () => {
  const data = randomBytes(3_000_000);
  expect((await owner.post('/v1/datasets', { name: 'ct', domain: 'healthcare' })).status).toBe(201);
  expect((await tus.put({ dataset: 'ct', path: 'scan.bin' }, data)).status).toBe(204);
  expect((await owner.post('/v1/datasets/ct/versions/1/commit', {})).status).toBe(200);
  expect((await objects()).length).toBeGreaterThanOrEqual(2); // content-defined chunks, one object each
  const whole = await fetch(`${s.url}/v1/datasets/ct/versions/1/files/scan.bin`, { headers: { authorization: `Bearer ${owner.token}` } });
  expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
  const part = await fetch(`${s.url}/v1/datasets/ct/versions/1/files/scan.bin`, { headers: { authorization: `Bearer ${owner.token}`, range: 'bytes=1000000-1000099' } });
  expect(part.status).toBe(206);
  expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(1_000_000, 1_000_100))).toBe(true);
  const j = await owner.post('/v1/jobs', { datasets: ['ct'], command: ['sh', '-c', 'wc -c < "$CHEOMDAN_DATASET_CT/scan.bin"'] });
  expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
  expect(((await owner.get(`/v1/jobs/${j.body.id}/logs`)).body as string).trim()).toBe('3000000');
}, 60_000);

it('a restricted dataset\'s objects are ciphertext in the bucket, and purge erases them', async () => {
  const marker = Buffer.from('PATIENT-ID 880101-1234567 '.repeat(40_000));
  expect((await owner.post('/v1/datasets', { name: 'ehr', sensitivity: 'restricted', domain: 'healthcare' })).status).toBe(201);
  const before = new Set(await objects());
  expect((await tus.put({ dataset: 'ehr', path: 'notes.txt' }, marker)).status).toBe(204);
  expect((await owner.post('/v1/datasets/ehr/versions/1/commit', {})).status).toBe(200);
  const added = (await objects()).filter((k) => !before.has(k));
  expect(added.length).toBeGreaterThan(0);
  for (const key of added) {
    const body = Buffer.from(await (await bucket.send(new GetObjectCommand({ Bucket: s3.config.bucket, Key: key }))).Body!.transformToByteArray());
    expect(body.includes(Buffer.from('PATIENT-ID'))).toBe(false);
  }
  const back = await fetch(`${s.url}/v1/datasets/ehr/versions/1/files/notes.txt`, { headers: { authorization: `Bearer ${owner.token}` } });
  expect(Buffer.from(await back.arrayBuffer()).equals(marker)).toBe(true);
  const purge = await owner.post('/v1/datasets/ehr/purge', {});
  expect(purge.status, JSON.stringify(purge.body)).toBe(200);
  const left = new Set(await objects());
  expect(added.filter((k) => left.has(k))).toEqual([]);
}, 60_000);
