/**
 * A real S3-speaking server for tests, on loopback: the one in CHEOMDAN_TEST_S3 (`http://127.0.0.1:7480`,
 * with CHEOMDAN_TEST_S3_KEY / _SECRET / _BUCKET; scripts/s3-test-server.sh starts Ceph's radosgw and prints
 * them, and .ci/run does so), else s3rver started here (an S3 protocol server in Node storing objects as
 * files: light, unmaintained, less real). The bucket is made when missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3BlobConfig } from '../../src/blobs/s3.ts';

export interface TestS3 {
  /** radosgw (the environment's) or s3rver. */
  kind: string;
  config: S3BlobConfig;
  stop(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  let config: S3BlobConfig;
  let stop = async () => {};
  let kind: string;
  const external = process.env.CHEOMDAN_TEST_S3;
  if (external) {
    kind = `S3 at ${external}`;
    config = {
      endpoint: external, bucket: process.env.CHEOMDAN_TEST_S3_BUCKET ?? 'cheomdan-test',
      accessKeyId: process.env.CHEOMDAN_TEST_S3_KEY ?? '', secretAccessKey: process.env.CHEOMDAN_TEST_S3_SECRET ?? '',
    };
  } else {
    kind = 's3rver';
    const dir = mkdtempSync(join(tmpdir(), 'chd-s3rver-'));
    const { default: S3rver } = await import('s3rver');
    const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
    const { port } = await server.run();
    stop = async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); };
    config = { endpoint: `http://127.0.0.1:${port}`, bucket: 'cheomdan-test', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  }
  const admin = new S3Client({ endpoint: config.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } });
  await admin.send(new CreateBucketCommand({ Bucket: config.bucket })).catch((e: { name?: string }) => {
    if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
  });
  admin.destroy();
  return { kind, config, stop };
}
