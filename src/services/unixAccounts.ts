/**
 * The Unix account each Cheomdan user's jobs run as ("jobs run as their owners", issue 15).
 *
 *   ownerFor(user)  -> JobOwner   the account's name, uid, gid, supplementary groups and home, for
 *                                 LaunchSpec.owner; made on first use, recorded in the store (migration 0007)
 *   ownerForUserId(id)            the same from a job's `userId` (what the controller holds)
 *
 * - Mapped: configuration names an existing account for a user (by user id or e-mail), as a university
 *   maps its directory's logins; the account must exist (LDAP/SSSD or /etc/passwd) and is never changed.
 * - Created: otherwise the server creates `chd-<short id>` (short id: 10 hex digits of SHA-256 of the user
 *   id; a collision lengthens it) with its own group of the same number, the next free uid of a range
 *   (default 70000–99999: above the distribution's users and nobody's 65534, below the 100000 where
 *   subordinate uids for containers usually start), no password (it cannot log in: shell nologin).
 * - Stable: the uid is recorded before the account is made; on every later use the host's account is
 *   checked against the record and, where a reinstall lost it, recreated with the same uid and gid. A name
 *   or uid that the host gives to something else is refused with a message that says what to fix, never
 *   papered over: files on shared storage belong to uids, and a changed uid hands them to someone else.
 *
 * The host's account database is reached through `AccountSystem` (getent, id, groupadd, useradd), so that
 * the rules can be tested without creating accounts, and the real one is tested as root (test/).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { CheomdanError, isCheomdanError } from '../core/errors.ts';
import type { UserId } from '../core/ids.ts';
import type { JobOwner } from '../executors/types.ts';
import type { Store, UnixAccountRecord, UserRecord } from '../store/index.ts';

const run = promisify(execFile);

/** An account as the host knows it. */
export interface HostAccount {
  userName: string;
  uid: number;
  gid: number;
  home: string;
  /** Every group id of the account, its primary group included. */
  groups: number[];
}

/** The host's account database: reads and the one write (creating an account with a given uid). */
export interface AccountSystem {
  byName(userName: string): Promise<HostAccount | null>;
  /** The name of the account holding `uid`, or null. */
  nameOfUid(uid: number): Promise<string | null>;
  /** Whether a group holds `gid`. */
  gidTaken(gid: number): Promise<boolean>;
  create(a: { userName: string; uid: number; gid: number; home: string }): Promise<void>;
}

export interface UnixAccountsConfig {
  /** Cheomdan user id or e-mail -> existing Unix account name. */
  mapping?: Readonly<Record<string, string>> | undefined;
  /** Range for created accounts' uids (and gids); default 70000–99999. */
  firstUid?: number | undefined;
  lastUid?: number | undefined;
  /** Where created accounts' homes go; default /home. */
  homeBase?: string | undefined;
}

export const DEFAULT_FIRST_UID = 70_000;
export const DEFAULT_LAST_UID = 99_999;
export const CREATED_PREFIX = 'chd-';

/** `chd-` and `length` hex digits of the user id's SHA-256: stable, lower case, a valid Unix name. */
export function createdName(userId: string, length = 10): string {
  return `${CREATED_PREFIX}${createHash('sha256').update(userId).digest('hex').slice(0, length)}`;
}

function mismatch(message: string): CheomdanError {
  return new CheomdanError('invalid_config', message);
}

export class UnixAccounts {
  readonly #store: Store;
  readonly #system: AccountSystem;
  readonly #config: UnixAccountsConfig;
  readonly #clock: () => number;
  /** One creation at a time in this process: two first jobs of one user must not race for a uid. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: { store: Store; system?: AccountSystem; clock?: () => number }, config: UnixAccountsConfig = {}) {
    this.#store = deps.store;
    this.#system = deps.system ?? hostAccountSystem();
    this.#clock = deps.clock ?? Date.now;
    this.#config = config;
    const first = config.firstUid ?? DEFAULT_FIRST_UID;
    const last = config.lastUid ?? DEFAULT_LAST_UID;
    // Below 1000 are the distribution's system accounts; 65534 is nobody; 2^31-1 and up are not portable uids.
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1000 || last < first || last > 2 ** 31 - 2 || (first <= 65534 && last >= 65534)) {
      throw new CheomdanError('invalid_config', `the uid range for created Unix accounts must be whole numbers with 1000 <= firstUid <= lastUid < 2^31-1, not containing nobody's 65534; got ${first}–${last}`);
    }
  }

  /** The account `user`'s jobs run as, made and recorded on first use. */
  ownerFor(user: UserRecord): Promise<JobOwner> {
    const next = this.#queue.then(() => this.#ownerFor(user));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** ownerFor() by user id (the controller has the job's `userId`); `not_found` for an unknown user. */
  async ownerForUserId(userId: UserId): Promise<JobOwner> {
    const user = await this.#store.users.get(userId);
    if (user === undefined) throw new CheomdanError('not_found', `user ${userId} does not exist: no Unix account to run their job as`);
    return this.ownerFor(user);
  }

  async #ownerFor(user: UserRecord): Promise<JobOwner> {
    const mapped = this.#config.mapping?.[user.id] ?? this.#config.mapping?.[user.email.toLowerCase()];
    let record = await this.#store.unixAccounts.get(user.id);
    if (record === undefined) record = mapped !== undefined ? await this.#recordMapped(user, mapped) : await this.#recordCreated(user);
    if (mapped !== undefined && record.userName !== mapped) {
      throw mismatch(`user ${user.email} is mapped to Unix account "${mapped}" but their jobs have run as "${record.userName}" (uid ${record.uid}); change the mapping back, or move their files and the record`);
    }
    const host = await this.#system.byName(record.userName);
    if (host === null) {
      if (record.origin === 'mapped') throw mismatch(`Unix account "${record.userName}" (mapped for ${user.email}) does not exist on this host: create it or fix the mapping`);
      await this.#make(record); // lost in a reinstall: the same name, uid and gid again
      return this.#toOwner(record, await this.#mustExist(record));
    }
    if (host.uid !== record.uid || host.gid !== record.gid) {
      throw mismatch(`Unix account "${record.userName}" has uid ${host.uid} gid ${host.gid} on this host, but ${user.email}'s jobs ran as uid ${record.uid} gid ${record.gid}: restore the account's ids (usermod -u/-g) before their jobs run`);
    }
    return this.#toOwner(record, host);
  }

  #toOwner(record: UnixAccountRecord, host: HostAccount): JobOwner {
    return { userName: record.userName, uid: record.uid, gid: record.gid, groups: host.groups.filter((g) => g !== record.gid), home: host.home };
  }

  async #mustExist(record: UnixAccountRecord): Promise<HostAccount> {
    const host = await this.#system.byName(record.userName);
    if (host === null) throw new CheomdanError('executor_failed', `created Unix account "${record.userName}" but the host does not report it`);
    return host;
  }

  async #recordMapped(user: UserRecord, userName: string): Promise<UnixAccountRecord> {
    const host = await this.#system.byName(userName);
    if (host === null) throw mismatch(`Unix account "${userName}" (mapped for ${user.email}) does not exist on this host: create it or fix the mapping`);
    if (host.uid === 0) throw mismatch(`user ${user.email} is mapped to "${userName}", which is uid 0: jobs never run as root`);
    return this.#store.unixAccounts.insert({ userId: user.id, userName, uid: host.uid, gid: host.gid, origin: 'mapped', createdAt: this.#clock() });
  }

  async #recordCreated(user: UserRecord): Promise<UnixAccountRecord> {
    const first = this.#config.firstUid ?? DEFAULT_FIRST_UID;
    const last = this.#config.lastUid ?? DEFAULT_LAST_UID;
    let uid = ((await this.#store.unixAccounts.maxUid(first, last)) ?? first - 1) + 1;
    for (let length = 10; ; length += 4) {
      const userName = createdName(user.id, length);
      // Skip uids (and gids) the host already uses for accounts we did not record.
      while (uid <= last && ((await this.#system.nameOfUid(uid)) !== null || (await this.#system.gidTaken(uid)))) uid++;
      if (uid > last) throw mismatch(`no free uid left in ${first}–${last} for a new Unix account; widen the range in the configuration`);
      try {
        const record = await this.#store.unixAccounts.insert({ userId: user.id, userName, uid, gid: uid, origin: 'created', createdAt: this.#clock() });
        if ((await this.#system.byName(userName)) === null) {
          try {
            await this.#make(record);
          } catch (e) {
            // Between the check above and useradd, something else on the host (another server, an
            // administrator) took the uid: forget this record and try the next one.
            const holder = await this.#system.nameOfUid(uid);
            if (holder === null || holder === userName) throw e;
            await this.#store.unixAccounts.remove(user.id);
            uid++;
            continue;
          }
        }
        return record;
      } catch (e) {
        if (!isCheomdanError(e) || e.code !== 'conflict' || length > 40) throw e;
        // Another server took the uid, or two user ids share a hash prefix: try the next uid / a longer name.
        if (String(e.message).includes('uid')) uid++;
      }
    }
  }

  async #make(record: UnixAccountRecord): Promise<void> {
    const holder = await this.#system.nameOfUid(record.uid);
    if (holder !== null && holder !== record.userName) {
      throw mismatch(`cannot recreate Unix account "${record.userName}" with its recorded uid ${record.uid}: the host gave that uid to "${holder}"`);
    }
    await this.#system.create({ userName: record.userName, uid: record.uid, gid: record.gid, home: `${this.#config.homeBase ?? '/home'}/${record.userName}` });
  }
}

/** The real account database, through getent / id / groupadd / useradd (Debian's shadow utilities). */
export function hostAccountSystem(): AccountSystem {
  const getent = async (db: string, key: string): Promise<string | null> => {
    try {
      return (await run('getent', [db, key])).stdout.trim() || null;
    } catch {
      return null; // exit 2: no such entry
    }
  };
  return {
    async byName(userName) {
      const line = await getent('passwd', userName);
      if (line === null) return null;
      const [name, , uid, gid, , home] = line.split(':');
      const groups = (await run('id', ['-G', userName])).stdout.trim().split(/\s+/).map(Number);
      return { userName: name ?? userName, uid: Number(uid), gid: Number(gid), home: home ?? '/', groups };
    },
    async nameOfUid(uid) {
      return (await getent('passwd', String(uid)))?.split(':')[0] ?? null;
    },
    async gidTaken(gid) {
      return (await getent('group', String(gid))) !== null;
    },
    async create(a) {
      try {
        if ((await getent('group', a.userName)) === null) await run('groupadd', ['--gid', String(a.gid), a.userName]);
        await run('useradd', ['--uid', String(a.uid), '--gid', String(a.gid), '--no-user-group', '--create-home', '--home-dir', a.home,
          '--shell', '/usr/sbin/nologin', '--comment', 'Cheomdan job account', a.userName]);
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new CheomdanError('executor_failed', `cannot create Unix account "${a.userName}" (uid ${a.uid}): ${(err.stderr ?? err.message).trim()}; the server must run as root to create accounts, or map users to existing ones`, { cause: e });
      }
    },
  };
}
