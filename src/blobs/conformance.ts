/**
 * The one suite every blob driver passes (the habit of executors/conformance.ts and the store's): put is
 * idempotent, get returns exactly the bytes, missing keys are BlobNotFound, list sees every key under a
 * prefix and nothing else, delete is forgiving, keys outside the key grammar are refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobNotFound, type BlobStore } from './types.ts';

export function describeBlobStore(name: string, make: () => Promise<{ store: BlobStore; close?: () => Promise<void> }>): void {
  describe(`blob store conformance: ${name}`, () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

    it('stores and returns exactly the bytes, by key; a second put of a key is a no-op', async () => {
      const { store, close } = await make();
      try {
        const data = randomBytes(300_000);
        const key = `t/ns1/${sha(data)}`;
        expect(await store.has(key)).toBe(false);
        await store.put(key, data);
        await store.put(key, data);
        expect(await store.has(key)).toBe(true);
        expect(sha(await store.get(key))).toBe(sha(data));
        const empty = new Uint8Array(0);
        await store.put(`t/ns1/${sha(empty)}`, empty);
        expect((await store.get(`t/ns1/${sha(empty)}`)).length).toBe(0);
      } finally {
        await close?.();
      }
    });

    it('a missing key is BlobNotFound naming the key; deleting one is not an error', async () => {
      const { store, close } = await make();
      try {
        const key = `t/ns2/${'0'.repeat(64)}`;
        await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFound);
        await expect(store.get(key)).rejects.toThrow(key);
        await store.delete(key);
      } finally {
        await close?.();
      }
    });

    it('lists every key under a prefix and no other; delete removes one', async () => {
      const { store, close } = await make();
      try {
        const keys: string[] = [];
        for (let i = 0; i < 25; i++) {
          const data = Buffer.from(`blob ${i}`);
          const key = `t/${i % 2 === 0 ? 'even' : 'odd'}/${sha(data)}`;
          keys.push(key);
          await store.put(key, data);
        }
        const listed = async (prefix: string) => {
          const out: string[] = [];
          for await (const k of store.list(prefix)) out.push(k);
          return out.sort();
        };
        expect(await listed('t/even/')).toEqual(keys.filter((k) => k.startsWith('t/even/')).sort());
        expect(await listed('t/odd/')).toHaveLength(12);
        expect(await listed('t/none/')).toEqual([]);
        await store.delete(keys[0]!);
        expect(await store.has(keys[0]!)).toBe(false);
        expect(await listed('t/even/')).toHaveLength(12);
      } finally {
        await close?.();
      }
    });

    it('refuses keys outside the grammar (.., absolute, upper case, empty segments)', async () => {
      const { store, close } = await make();
      try {
        for (const bad of ['../x/aaaa', '/abs/aaaa', 'T/UPPER', 'a//b', '', 'a/b/', 'a/../b']) {
          await expect(store.put(bad, Buffer.from('x')), bad).rejects.toThrow(/invalid blob key/);
        }
      } finally {
        await close?.();
      }
    });
  });
}
