/**
 * Unix accounts against a real store and this host's real account database (getent, useradd): the
 * accounts are created as root in a uid range of their own and deleted afterwards. Skips, saying why, when
 * not root (creating accounts needs it; a non-root server runs in single-user mode and never calls this).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUserId } from '../core/ids.ts';
import { openStore, type OpenedStore, type UserRecord } from '../store/index.ts';
import { createTestDatabase, type TestDatabase } from '../store/testing/databases.ts';
import { createdName, hostAccountSystem, UnixAccounts } from './unixAccounts.ts';

const root = process.getuid?.() === 0;
const FIRST = 79_500;
const LAST = 79_599;

const userdel = (name: string): void => {
  try {
    execFileSync('userdel', ['--remove', name], { stdio: 'ignore' });
  } catch {
    // not there
  }
  try {
    execFileSync('groupdel', [name], { stdio: 'ignore' });
  } catch {
    // not there
  }
};

describe.skipIf(!root)('unix accounts (as root: creates real accounts)', () => {
  let db: TestDatabase;
  let opened: OpenedStore;
  const made: string[] = [];
  let n = 0;
  const aUser = async (): Promise<UserRecord> => {
    const id = asUserId(`usr_unixtest${process.pid}x${n++}`);
    made.push(createdName(id));
    return opened.users.create({ id, email: `${id}@example.org`, name: 'U', role: 'member' });
  };

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    opened = await openStore({ ...db.options, clock: () => 1 });
  });
  afterAll(async () => {
    for (const name of made) userdel(name);
    await opened.close();
    await db.drop();
  });

  it('creates chd-<short id> with the next free uid, records it, and hands back the same owner every time', async () => {
    const accounts = new UnixAccounts({ store: opened, clock: () => 5 }, { firstUid: FIRST, lastUid: LAST, homeBase: '/tmp' });
    const a = await aUser();
    const b = await aUser();
    const ownerA = await accounts.ownerFor(a);
    const ownerB = await accounts.ownerFor(b);
    expect(ownerA).toMatchObject({ userName: createdName(a.id), gid: ownerA.uid });
    expect(ownerA.uid).toBeGreaterThanOrEqual(FIRST);
    expect(ownerB.uid).toBeGreaterThan(ownerA.uid);
    expect(execFileSync('id', ['-u', ownerA.userName], { encoding: 'utf8' }).trim()).toBe(String(ownerA.uid));
    expect(await opened.unixAccounts.get(a.id)).toEqual({ userId: a.id, userName: ownerA.userName, uid: ownerA.uid, gid: ownerA.uid, origin: 'created', createdAt: 5 });
    // A new service instance (a restarted server) gives the same answer, by user id too.
    expect(await new UnixAccounts({ store: opened }, { firstUid: FIRST, lastUid: LAST }).ownerFor(a)).toEqual(ownerA);
    expect(await accounts.ownerForUserId(b.id)).toEqual(ownerB);
    await expect(accounts.ownerForUserId(asUserId('usr_nobody_here'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('recreates a recorded account lost in a reinstall with the same uid and gid', async () => {
    const accounts = new UnixAccounts({ store: opened }, { firstUid: FIRST, lastUid: LAST, homeBase: '/tmp' });
    const u = await aUser();
    const before = await accounts.ownerFor(u);
    userdel(before.userName); // what a reinstall of the host does to /etc/passwd
    expect(await hostAccountSystem().byName(before.userName)).toBeNull();
    const after = await accounts.ownerFor(u);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
    expect(execFileSync('id', ['-u', before.userName], { encoding: 'utf8' }).trim()).toBe(String(before.uid));
  });

  it('maps a user to an existing account by e-mail, and refuses what cannot be honoured', async () => {
    const u = await aUser();
    const existing = createdName(`existing-${process.pid}`);
    made.push(existing);
    execFileSync('useradd', ['--uid', String(LAST), '--user-group', '--no-create-home', existing]);
    const mapped = new UnixAccounts({ store: opened }, { mapping: { [u.email]: existing }, firstUid: FIRST, lastUid: LAST - 1 });
    expect(await mapped.ownerFor(u)).toMatchObject({ userName: existing, uid: LAST });
    expect((await opened.unixAccounts.get(u.id))?.origin).toBe('mapped');

    const cases: Record<string, { mapping: Record<string, string>; user: () => Promise<UserRecord>; want: RegExp }> = {
      'a mapping to an account that does not exist': { mapping: {}, user: aUser, want: /does not exist on this host/ },
      'a mapping to root': { mapping: {}, user: aUser, want: /uid 0: jobs never run as root/ },
      'a mapping changed after jobs ran': { mapping: {}, user: async () => u, want: /mapped to Unix account "daemon" but their jobs have run as/ },
    };
    const targets: Record<string, string> = { 'a mapping to an account that does not exist': 'no-such-account-x', 'a mapping to root': 'root', 'a mapping changed after jobs ran': 'daemon' };
    for (const [name, c] of Object.entries(cases)) {
      const user = await c.user();
      const svc = new UnixAccounts({ store: opened }, { mapping: { ...c.mapping, [user.email]: targets[name]! } });
      await expect(svc.ownerFor(user), name).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringMatching(c.want) });
    }
  });

  it('takes the next uid when another process takes its uid between the check and useradd', async () => {
    const host = hostAccountSystem();
    const intruder = `chd-race${process.pid}`;
    made.push(intruder);
    let raced = false;
    // Another server on the host creates an account with the uid this one chose, just before useradd.
    const system = {
      ...host,
      async create(a: Parameters<typeof host.create>[0]) {
        if (!raced) {
          raced = true;
          await host.create({ ...a, userName: intruder, home: `/tmp/${intruder}` });
        }
        return host.create(a);
      },
    };
    const accounts = new UnixAccounts({ store: opened, system }, { firstUid: FIRST + 60, lastUid: LAST, homeBase: '/tmp' });
    const u = await aUser();
    const owner = await accounts.ownerFor(u);
    expect(raced).toBe(true);
    expect(owner.uid).toBeGreaterThan(FIRST + 60);
    expect((await host.byName(intruder))?.uid).toBe(FIRST + 60);
    expect((await opened.unixAccounts.get(u.id))?.uid).toBe(owner.uid);
  });

  it('refuses when the host gave the recorded name another uid', async () => {
    const accounts = new UnixAccounts({ store: opened }, { firstUid: FIRST, lastUid: LAST, homeBase: '/tmp' });
    const u = await aUser();
    const owner = await accounts.ownerFor(u);
    execFileSync('usermod', ['--uid', String(owner.uid + 50), owner.userName]);
    await expect(accounts.ownerFor(u)).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining(`has uid ${owner.uid + 50}`) });
  });
});

describe('unix accounts configuration', () => {
  const cases: Record<string, { firstUid?: number; lastUid?: number; ok: boolean }> = {
    'the default range': { ok: true },
    'a range of its own': { firstUid: 200_000, lastUid: 299_999, ok: true },
    'system uids': { firstUid: 500, lastUid: 999, ok: false },
    'reversed': { firstUid: 80_000, lastUid: 70_000, ok: false },
    'containing nobody': { firstUid: 60_000, lastUid: 70_000, ok: false },
    'fractional': { firstUid: 70_000.5, ok: false },
    'past 2^31-2': { firstUid: 70_000, lastUid: 2 ** 31, ok: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      // The constructor checks configuration only: it never touches the store, so none is opened here.
      const make = () => new UnixAccounts({ store: {} as never }, { firstUid: c.firstUid, lastUid: c.lastUid });
      if (c.ok) expect(make).not.toThrow();
      else expect(make).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('uid range') }));
    });
  }
});

describe.skipIf(root)('unix accounts (not root)', () => {
  it('are created only by a server running as root: this run is not, so the real-account tests are skipped', () => {
    expect(root).toBe(false);
  });
});
