/**
 * The S3-compatible blob driver (`@aws-sdk/client-s3`): one object per key under a bucket and an optional
 * prefix. A put of a key that exists is skipped (HEAD first: keys are content addresses, so the bytes are
 * the same), an S3 PUT is durable when it answers, and reads return the whole object (chunks are at most
 * 4 MiB). Works with AWS S3 and with servers that speak its protocol (Ceph's radosgw, MinIO, s3rver):
 * path-style addressing unless told otherwise, and checksums only where an operation requires them
 * (recent SDKs send CRC32 and aws-chunked bodies by default, which many such servers reject).
 */
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { BlobNotFound, checkKey, type BlobStore } from './types.ts';

export interface S3BlobConfig {
  bucket: string;
  /** Keys are stored under this prefix (no leading or trailing slash), e.g. `cheomdan/blobs`. */
  prefix?: string | undefined;
  /** e.g. `http://127.0.0.1:7480` for radosgw; absent: AWS's endpoint for the region. */
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`), which self-hosted servers need; default true. */
  forcePathStyle?: boolean | undefined;
}

export class S3BlobStore implements BlobStore {
  readonly name: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(config: S3BlobConfig) {
    this.#bucket = config.bucket;
    this.#prefix = config.prefix ? `${config.prefix.replace(/^\/+|\/+$/g, '')}/` : '';
    this.name = `s3://${config.bucket}/${this.#prefix}`;
    const options: S3ClientConfig = {
      region: config.region ?? 'us-east-1',
      forcePathStyle: config.forcePathStyle ?? true,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 4,
    };
    if (config.endpoint) options.endpoint = config.endpoint;
    this.#client = new S3Client(options);
  }

  #key(key: string): string {
    return this.#prefix + checkKey(key);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const k = this.#key(key);
    if (await this.#exists(k)) return;
    await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: k, Body: data, ContentLength: data.length, ContentType: 'application/octet-stream' }));
  }

  async get(key: string): Promise<Buffer> {
    const k = this.#key(key);
    try {
      const r = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: k }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if (notFound(e)) throw new BlobNotFound(key, this.name);
      throw e;
    }
  }

  has(key: string): Promise<boolean> {
    return this.#exists(this.#key(key));
  }

  async delete(key: string): Promise<void> {
    // S3's DELETE of a missing key answers 204: forgiving, as the interface asks.
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
  }

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const r = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: token, MaxKeys: 1000 }));
      for (const o of r.Contents ?? []) if (o.Key !== undefined) yield o.Key.slice(this.#prefix.length);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async #exists(k: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: k }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  close(): void {
    this.#client.destroy();
  }
}

function notFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
