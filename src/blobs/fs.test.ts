import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBlobStore } from './conformance.ts';
import { FsBlobStore } from './fs.ts';

const roots: string[] = [];
afterAll(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });
const fresh = () => {
  const root = mkdtempSync(join(tmpdir(), 'chd-blobs-'));
  roots.push(root);
  return root;
};

describeBlobStore('fs', async () => ({ store: new FsBlobStore(fresh()) }));

it('fs: blobs are 0600 files fanned out under =xx directories; a crashed put\'s temporary file is swept by list', async () => {
  const root = fresh();
  const store = new FsBlobStore(root);
  await store.put('org/t1/abcdef0123', Buffer.from('hello'));
  const path = join(root, 'org', 't1', '=ab', 'abcdef0123');
  expect(statSync(path).mode & 0o777).toBe(0o600);
  mkdirSync(join(root, 'org', 't1', '=cd'), { recursive: true });
  writeFileSync(join(root, 'org', 't1', '=cd', '.tmp-123'), 'partial');
  const keys: string[] = [];
  for await (const k of store.list('org/')) keys.push(k);
  expect(keys).toEqual(['org/t1/abcdef0123']);
  expect(readdirSync(join(root, 'org', 't1', '=cd'))).toEqual([]);
});
