/**
 * Which blob store a server uses (the composition root's configuration), from its configuration: `fs:/path` (or a bare path) for the filesystem
 * driver — the default, CHEOMDAN_HOME/blobs — or `s3://bucket[/prefix]` for S3-compatible storage, with the
 * endpoint and credentials from the environment AWS tools use (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION). The error says what is missing.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { S3BlobConfig } from '../blobs/s3.ts';

export type BlobConfig = { kind: 'fs'; root: string } | ({ kind: 's3' } & S3BlobConfig);

export function parseBlobSpec(spec: string | undefined, home: string, env: Readonly<Record<string, string | undefined>>): BlobConfig | { error: string } {
  if (spec === undefined || spec === '') return { kind: 'fs', root: join(home, 'blobs') };
  if (spec.startsWith('s3://')) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(spec);
    if (!m) return { error: `"${spec}" is not s3://BUCKET[/PREFIX] (a bucket name is 3–63 lower-case letters, digits, "." and "-")` };
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) return { error: `blobs on ${spec} need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment` };
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) return { error: `AWS_ENDPOINT_URL "${endpoint}" is not http(s)://HOST[:PORT]` };
    return { kind: 's3', bucket: m[1]!, prefix: m[2] || undefined, endpoint, region: env.AWS_REGION || undefined, accessKeyId, secretAccessKey };
  }
  const path = spec.startsWith('fs:') ? spec.slice(3) : spec;
  if (path === '' ) return { error: 'fs: needs a directory, e.g. fs:/srv/cheomdan/blobs' };
  return { kind: 'fs', root: isAbsolute(path) ? path : resolve(home, path) };
}
