import { describe, expect, it } from 'vitest';
import { parseBlobSpec } from './blobConfig.ts';

describe('blob store configuration', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
  it('defaults to CHEOMDAN_HOME/blobs; fs: and bare paths', () => {
    expect(parseBlobSpec(undefined, '/h', {})).toEqual({ kind: 'fs', root: '/h/blobs' });
    expect(parseBlobSpec('fs:/srv/b', '/h', {})).toEqual({ kind: 'fs', root: '/srv/b' });
    expect(parseBlobSpec('data/b', '/h', {})).toEqual({ kind: 'fs', root: '/h/data/b' });
  });
  it('s3://bucket/prefix with the AWS environment', () => {
    expect(parseBlobSpec('s3://center-data/cheomdan', '/h', { ...keys, AWS_ENDPOINT_URL: 'http://127.0.0.1:7480', AWS_REGION: 'ap-northeast-2' })).toEqual({
      kind: 's3', bucket: 'center-data', prefix: 'cheomdan', endpoint: 'http://127.0.0.1:7480', region: 'ap-northeast-2', accessKeyId: 'k', secretAccessKey: 's',
    });
    expect(parseBlobSpec('s3://center-data', '/h', { ...keys, AWS_ENDPOINT_URL_S3: 'https://s3.example:9000' })).toMatchObject({ prefix: undefined, endpoint: 'https://s3.example:9000' });
  });
  it('says what is wrong', () => {
    expect(parseBlobSpec('s3://Bad_Bucket', '/h', keys)).toEqual({ error: expect.stringMatching(/not s3:\/\/BUCKET/) });
    expect(parseBlobSpec('s3://center-data', '/h', {})).toEqual({ error: expect.stringMatching(/need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/) });
    expect(parseBlobSpec('s3://center-data', '/h', { ...keys, AWS_ENDPOINT_URL: 'localhost:7480' })).toEqual({ error: expect.stringMatching(/not http\(s\)/) });
    expect(parseBlobSpec('fs:', '/h', {})).toEqual({ error: expect.stringMatching(/needs a directory/) });
  });
});
