/**
 * Content-addressed blob storage: the one required interface every driver implements (tusd's StoreComposer
 * habit: small core, optional capabilities). Keys are opaque paths of `[a-z0-9_/-]` chosen by the caller
 * (the datasets service uses `<namespace>/<sha256>`); a driver never interprets them. Values are immutable:
 * putting a key that exists is a no-op, so a retried write is harmless and deduplication is free.
 *
 * Durability: once `put` resolves, the bytes survive a kill -9 of the server (the fs driver fsyncs, an S3
 * PUT is durable when it answers).
 */

export interface BlobStore {
  /** Human name for messages and /health: `fs:/path` or `s3://bucket/prefix`. */
  readonly name: string;
  /** Stores `data` under `key` unless the key exists already (same content by construction). */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The bytes under `key`; throws `BlobNotFound` when there are none. */
  get(key: string): Promise<Buffer>;
  has(key: string): Promise<boolean>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key starting with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<string>;
}

export class BlobNotFound extends Error {
  constructor(readonly key: string, readonly store: string) {
    super(`no blob "${key}" in ${store}`);
    this.name = 'BlobNotFound';
  }
}

const KEY = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/;

/** Keys are relative paths of lower-case segments: nothing a driver could turn into `..` or a root. */
export function checkKey(key: string): string {
  if (key.length > 512 || !KEY.test(key)) throw new Error(`invalid blob key "${key.slice(0, 80)}": lower-case [a-z0-9_-] segments joined by /`);
  return key;
}
