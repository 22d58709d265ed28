/**
 * The S3 driver passes the blob conformance suite the filesystem driver passes, against a real S3-speaking
 * server on loopback (radosgw when CHEOMDAN_TEST_S3 names it, as in CI; else s3rver — test/helpers/s3.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { describeBlobStore } from '../../src/blobs/conformance.ts';
import { S3BlobStore } from '../../src/blobs/s3.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';

let s3: TestS3;
let n = 0;
beforeAll(async () => { s3 = await startTestS3(); }, 60_000);
afterAll(async () => s3?.stop());

// Each case under its own prefix, so cases never see each other's keys.
describeBlobStore(`s3 (${process.env.CHEOMDAN_TEST_S3 ? process.env.CHEOMDAN_TEST_S3 : 's3rver'})`, async () => {
  const store = new S3BlobStore({ ...s3.config, prefix: `run-${process.pid}-${n++}` });
  return { store, close: async () => store.close() };
});
