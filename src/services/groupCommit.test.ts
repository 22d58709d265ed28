import { afterEach, describe, expect, it } from 'vitest';
import { CheomdanError } from '../core/errors.ts';
import { asTenantId } from '../core/ids.ts';
import { openTestStore } from '../store/testing/databases.ts';
import type { OpenedStore } from '../store/index.ts';
import { GroupCommit } from './groupCommit.ts';

let store: OpenedStore | undefined;
afterEach(async () => store?.close());

describe('group commit', () => {
  it('commits concurrent writes together and acknowledges each once committed', async () => {
    store = (await openTestStore('sqlite')).store;
    let transactions = 0;
    const real = store.transaction.bind(store);
    store.transaction = (fn) => { transactions++; return real(fn); };
    const gc = new GroupCommit(store, (tx, slug: string) => tx.tenants.create({ id: asTenantId(`ten_${slug}`), slug, name: slug, kind: 'startup', sector: 'other' }));
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => gc.submit(`t-${i}`)));
    expect(made.map((t) => t.slug)).toEqual(Array.from({ length: 20 }, (_, i) => `t-${i}`));
    expect(transactions).toBe(1);
    expect((await store.tenants.list()).length).toBe(20);
  });

  it('a bad write fails alone; the others in its batch still commit', async () => {
    store = (await openTestStore('sqlite')).store;
    const gc = new GroupCommit(store, (tx, slug: string) => tx.tenants.create({ id: asTenantId(`ten_${slug}`), slug, name: slug, kind: 'startup', sector: 'other' }));
    const results = await Promise.allSettled(['a1', 'b1', 'a1', 'c1'].map((s) => gc.submit(s)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(CheomdanError);
    expect((await store.tenants.list()).map((t) => t.slug).sort()).toEqual(['a1', 'b1', 'c1']);
  });
});
