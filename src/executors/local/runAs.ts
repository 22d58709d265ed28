/**
 * Who a local job runs as, and what it is given from scratch.
 *
 * - `LaunchSpec.owner` names the Unix account (uid, gid, groups). When it is not the server's own account the
 *   server must be root: the job is switched to it with `setpriv` (supervisor.ts), and its output directory
 *   (the directory of its log files, which must lie under the executor's `outputRoot`, i.e.
 *   `$CHEOMDAN_HOME/jobs/<job>/`) becomes private: owned by the account, mode 0700. A server that is not root
 *   refuses such a job (it could only run it as itself, which is exactly what must not happen).
 * - The environment is built from the account, never from the server's environment: PATH a fixed system
 *   path, HOME/USER/LOGNAME/SHELL from the account, LANG C.UTF-8. (environment.ts then adds the spec's
 *   variables and the CHEOMDAN_* / device ones.) An operator may name server variables to pass on anyway
 *   (`inheritEnvironment`), e.g. TZ; nothing is passed by default.
 *
 * Trade-off: `setpriv` (util-linux) rather than Node's spawn `uid`/`gid`, because libuv drops every
 * supplementary group when it switches uid, and the supervisor itself must stay root to manage the cgroup.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, relative, resolve, sep } from 'node:path';
import { CheomdanError } from '../../core/errors.ts';
import { isStrictlyInside } from '../paths.ts';
import type { JobOwner, LaunchSpec } from '../types.ts';

/** The PATH a job starts with (Debian's default for users, plus sbin for tools such as ip). */
export const JOB_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

/** How a run is launched as its owner. */
export interface RunAs {
  /** The account the job runs as (the server's own when the spec names no owner). */
  owner: JobOwner;
  /** True when the job switches to another uid than the server's (the server is root). */
  switches: boolean;
  /** The job's private output directory (the directory of its stdout log). */
  privateDir: string;
}

/** The server's own account, as a JobOwner. */
export function serverAccount(): JobOwner {
  const u = userInfo();
  return { userName: u.username, uid: u.uid, gid: u.gid, groups: process.getgroups?.() ?? [], home: u.homedir };
}

function invalid(path: string, message: string): CheomdanError {
  return new CheomdanError('validation_failed', `${path}: ${message}`, { errors: [{ path, message }] });
}

const inside = isStrictlyInside;

/**
 * Decides how `spec` runs; throws (before anything runs) when it cannot run as its owner here.
 * `serverUid` is injectable for tests of the refusal.
 */
export function resolveRunAs(spec: LaunchSpec, outputRoot: string, serverUid = process.getuid?.() ?? 0): RunAs {
  const privateDir = dirname(resolve(spec.stdoutPath));
  const owner = spec.owner ?? serverAccount();
  for (const [k, v] of [['uid', owner.uid], ['gid', owner.gid]] as const) {
    if (!Number.isInteger(v) || v < 0) throw invalid(`owner.${k}`, `must be a non-negative integer, got ${v}`);
  }
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(owner.userName)) throw invalid('owner.userName', `not a Unix user name: "${owner.userName}"`);
  for (const g of owner.groups ?? []) {
    if (!Number.isInteger(g) || g < 0) throw invalid('owner.groups', `must be non-negative integers, got ${g}`);
  }
  const switches = owner.uid !== serverUid;
  if (!switches) return { owner, switches, privateDir };
  if (owner.uid === 0) throw invalid('owner.uid', 'a job never runs as root');
  if (serverUid !== 0) {
    throw new CheomdanError(
      'executor_failed',
      `cannot run job ${spec.jobId} as ${owner.userName} (uid ${owner.uid}): the server runs as uid ${serverUid}, not root, so it serves in single-user mode and runs jobs only as itself; run the server as root to run jobs as their owners`,
    );
  }
  for (const key of ['stdoutPath', 'stderrPath'] as const) {
    if (dirname(resolve(spec[key])) !== privateDir || !inside(outputRoot, privateDir)) {
      throw invalid(key, `a job that runs as ${owner.userName} keeps both logs in one directory under ${outputRoot} (its private directory), got "${spec[key]}"`);
    }
  }
  return { owner, switches, privateDir };
}

/**
 * Makes the job's output directory its owner's: created if missing, then (never through a symlink) owned
 * by the account with mode 0700. Its parents stay the server's.
 */
export function makePrivateDir(run: RunAs): void {
  const dir = run.privateDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new CheomdanError('executor_failed', `cannot start the job: its output directory ${dir} is not a directory`);
  chownSync(dir, run.owner.uid, run.owner.gid);
  chmodSync(dir, 0o700);
}

/** `setpriv` arguments that switch to the owner (uid, gid, exactly its groups), or [] when none is needed. */
export function switchArguments(run: RunAs, setpriv: string | null): string[] {
  if (!run.switches) return [];
  if (setpriv === null) {
    throw new CheomdanError('invalid_config', 'running jobs as their owners needs `setpriv` (util-linux); install it (apt-get install util-linux)');
  }
  const groups = [...new Set([run.owner.gid, ...(run.owner.groups ?? [])])];
  return [setpriv, `--reuid=${run.owner.uid}`, `--regid=${run.owner.gid}`, `--groups=${groups.join(',')}`, '--'];
}

/** Whether the job must `cd` to its working directory itself: it runs as another account, elsewhere than its private directory. */
export function mustEnterItself(run: RunAs, workingDirectory: string): boolean {
  if (!run.switches) return false;
  try {
    return realpathSync(workingDirectory) !== realpathSync(run.privateDir);
  } catch {
    return true;
  }
}

/** The environment a job starts from (before environment.ts adds the spec's and the executor's variables). */
export function baseEnvironment(
  run: RunAs,
  serverEnvironment: Readonly<Record<string, string | undefined>>,
  inherit: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: JOB_PATH,
    HOME: run.owner.home ?? run.privateDir,
    USER: run.owner.userName,
    LOGNAME: run.owner.userName,
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
  };
  for (const name of inherit) {
    const v = serverEnvironment[name];
    if (v !== undefined) env[name] = v;
  }
  return env;
}
