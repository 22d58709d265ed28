/** unix_accounts queries (migration 0007) on both dialects: uniqueness of user, name and uid; maxUid over created accounts. */
import { afterAll, describe, expect, it } from 'vitest';
import { asUserId } from '../core/ids.ts';
import { openStore, type OpenedStore } from './index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from './testing/databases.ts';

for (const dialect of testDialects()) {
  describe(`unix accounts store [${dialect}]`, () => {
    let db: TestDatabase;
    let store: OpenedStore;
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it('records accounts, refuses a second one for a user, a taken name or uid, and finds the highest created uid', async () => {
      db = await createTestDatabase(dialect);
      store = await openStore({ ...db.options, clock: () => 1 });
      for (const u of ['a', 'b', 'c', 'd']) await store.users.create({ id: asUserId(`usr_${u}`), email: `${u}@x`, name: u, role: 'member' });
      const a = { userId: asUserId('usr_a'), userName: 'chd-a', uid: 70_000, gid: 70_000, origin: 'created' as const, createdAt: 5 };
      await store.unixAccounts.insert(a);
      await store.unixAccounts.insert({ ...a, userId: asUserId('usr_b'), userName: 'chd-b', uid: 70_001, gid: 70_001 });
      await store.unixAccounts.insert({ ...a, userId: asUserId('usr_c'), userName: 'alice', uid: 80_000, gid: 100, origin: 'mapped' });
      const refused: Record<string, typeof a> = {
        'a second account for a user': { ...a, userName: 'chd-a2', uid: 70_005 },
        'a taken name': { ...a, userId: asUserId('usr_d'), uid: 70_006 },
        'a taken uid': { ...a, userId: asUserId('usr_d'), userName: 'chd-d' },
        'an unknown user': { ...a, userId: asUserId('usr_nobody'), userName: 'chd-z', uid: 70_009 },
      };
      for (const [name, rec] of Object.entries(refused)) {
        await expect(store.unixAccounts.insert(rec), name).rejects.toMatchObject({ code: 'conflict' });
      }
      expect(await store.unixAccounts.get(asUserId('usr_a'))).toEqual(a);
      expect(await store.unixAccounts.get(asUserId('usr_d'))).toBeUndefined();
      expect((await store.unixAccounts.list()).map((r) => r.userName)).toEqual(['chd-a', 'chd-b', 'alice']);
      expect(await store.unixAccounts.maxUid(70_000, 99_999)).toBe(70_001); // the mapped 80000 does not count
      expect(await store.unixAccounts.maxUid(71_000, 79_999)).toBeNull();
    });
  });
}
