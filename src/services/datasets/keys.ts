/**
 * Encryption at rest for restricted datasets: each has its own AES-256 key, stored wrapped (AES-256-GCM)
 * under the server's data master key (CHEOMDAN_HOME/secrets/data.key, 0600, made on first start). Erasing
 * a dataset's wrapped key erases its data: deduplicated, immutable chunks cannot otherwise be withdrawn.
 * A chunk is stored as iv (12) ‖ tag (16) ‖ ciphertext; GCM authenticates it, and the plaintext's SHA-256
 * is checked against the chunk's id as for every chunk.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { CheomdanError } from '../../core/errors.ts';

/** Reads the master key, creating it (32 random bytes, 0600, in a 0700 directory) when there is none. */
export async function loadMasterKey(path: string): Promise<Buffer> {
  try {
    const key = await fsp.readFile(path);
    if (key.length !== 32) throw new CheomdanError('invalid_config', `the data master key ${path} is ${key.length} bytes, not 32; restore it from backup (without it restricted datasets cannot be read)`);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    await fsp.writeFile(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadMasterKey(path); // another process made it first
    throw e;
  }
}

export function seal(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

/** The plaintext, or null when the bytes were not sealed by this key (tampered, truncated, another key). */
export function open(key: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < 28) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
  } catch {
    return null;
  }
}

export const newDatasetKey = (): Buffer => randomBytes(32);
export const wrapKey = (master: Buffer, key: Buffer): string => seal(master, key).toString('base64');
export function unwrapKey(master: Buffer, wrapped: string): Buffer {
  const key = open(master, Buffer.from(wrapped, 'base64'));
  if (key === null) throw new CheomdanError('invalid_config', 'a dataset key does not open with the data master key (CHEOMDAN_HOME/secrets/data.key was replaced?); restore the original key');
  return key;
}
