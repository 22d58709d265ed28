/**
 * The server's own files, and the isolation mode it declares at start.
 *
 * secureHome(home): CHEOMDAN_HOME (mode 0711) and what the server keeps in it — the SQLite database and its
 * -wal/-shm, admin-token, keys — mode 0600 (files) / 0700 (directories), owned by the server's user. Run at
 * every start, not only the first: a home made by an older version, restored from a backup or created
 * with a loose umask is tightened, because a job that can read the database or the operator's token is
 * the operator. Job output directories under `jobs/<id>/` are left alone: each belongs to its job's owner
 * (executors/local/runAs.ts); `jobs/` itself is the server's, 0711, and `runs/` 0700. CHEOMDAN_HOME and
 * `jobs/` are traversable but not listable (0711) so that a job can reach its own private directory by
 * its absolute path — `cd "$PWD"`, a child process started with its working directory as cwd — which
 * 0700 parents refuse with EACCES; every entry in them is 0600 / 0700, so no one else's file opens.
 *
 * isolationMode(): "per-user" when the server is root (jobs run as their owners' Unix accounts), else
 * "single-user": every job runs as the server's own account, so the server must serve one organization
 * only (`checkSingleOrganization`), unless the operator says otherwise (`allowSeveralOrganizations`, for a
 * lab whose groups trust each other). The mode is logged at start and reported by GET /healthz.
 */
import { chmod, chown, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheomdanError } from '../core/errors.ts';
import type { Store } from '../store/index.ts';

/** Entries of CHEOMDAN_HOME whose contents belong to job owners, not to the server. */
const OWNED_BY_JOBS = new Set(['jobs']);

/**
 * Tightens CHEOMDAN_HOME: the directory 0711, its files 0600 and its directories 0700 (recursively, but
 * not into `jobs/`, whose own mode is made 0711), all owned by the server's uid/gid. Symlinks are left as
 * they are (never followed). Returns the paths it changed.
 */
export async function secureHome(home: string, ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }): Promise<string[]> {
  const changed: string[] = [];
  const fix = async (path: string, mode: number): Promise<boolean> => {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return false;
    if ((st.mode & 0o7777) !== mode) {
      await chmod(path, mode);
      changed.push(path);
    }
    if (st.uid !== ids.uid || st.gid !== ids.gid) {
      await chown(path, ids.uid, ids.gid);
      if (!changed.includes(path)) changed.push(path);
    }
    return st.isDirectory();
  };
  const walk = async (dir: string, top: boolean): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      const jobsRoot = top && OWNED_BY_JOBS.has(entry.name) && entry.isDirectory();
      const isDir = await fix(path, jobsRoot ? 0o711 : entry.isDirectory() ? 0o700 : 0o600);
      if (isDir && !(top && OWNED_BY_JOBS.has(entry.name))) await walk(path, false);
    }
  };
  await fix(home, 0o711);
  // jobs/ exists from the start, 0711: made later by a job's recursive mkdir under umask 077 it would be 0700.
  await mkdir(join(home, 'jobs'), { recursive: true, mode: 0o711 });
  await walk(home, true);
  return changed;
}

/**
 * What the composition root calls at start, before it opens the store: umask 077 for everything the server
 * creates from now on (the SQLite -wal/-shm files appear only at the first write, after any chmod), then
 * secureHome for what is already there.
 */
export async function protectServerFiles(home: string): Promise<string[]> {
  process.umask(0o077);
  return secureHome(home);
}

export type IsolationMode = 'per-user' | 'single-user';

export interface IsolationInfo {
  mode: IsolationMode;
  /** One line for the start log and the portal. */
  description: string;
}

export function isolationMode(uid = process.getuid?.() ?? 0, tracking = 'process-group', asOwners = uid === 0): IsolationInfo {
  if (uid === 0 && asOwners) {
    return { mode: 'per-user', description: `jobs run as their owners' Unix accounts, each in a private directory; process tracking: ${tracking}` };
  }
  const why = uid === 0 ? 'the server runs as root but was told to run jobs as itself (--single-user)' : `the server runs as uid ${uid}, not root`;
  return {
    mode: 'single-user',
    description: `single-user mode: ${why}, so every job runs as this same account and can read what the server can; serve one organization only (run as root to run jobs as their owners); process tracking: ${tracking}`,
  };
}

/**
 * In single-user mode, refuses a store whose members belong to more than one organization (operators
 * belong to none), unless `allowSeveralOrganizations`. Call at start and before adding a user to another
 * organization.
 */
export async function checkSingleOrganization(store: Store, mode: IsolationMode, allowSeveralOrganizations = false): Promise<void> {
  if (mode === 'per-user' || allowSeveralOrganizations) return;
  const tenants = new Set((await store.users.list()).filter((u) => u.disabledAt === null && u.tenantId !== null).map((u) => u.tenantId));
  if (tenants.size > 1) {
    throw new CheomdanError(
      'invalid_config',
      `single-user mode (the server is not root) serves one organization, but members of ${tenants.size} organizations are enabled: their jobs would all run as one Unix account and read each other's files; run the server as root, disable the other organizations' members, or set allowSeveralOrganizations to accept it`,
    );
  }
}
