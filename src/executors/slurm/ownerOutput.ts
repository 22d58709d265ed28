/**
 * A job submitted to Slurm as its owner writes its own logs: slurmstepd opens `--output`/`--error` by path,
 * as the job's user, on the node. So, before submitting, the job's log directory becomes the owner's
 * (mode 0700, never through a symlink), and every directory from it up to the output root (the server's
 * CHEOMDAN_HOME) that the server owns is made traversable by others (the execute bit only, never read:
 * nothing can be listed). Nothing above the root is changed: a directory there that others cannot traverse
 * (CHEOMDAN_HOME under /root, say) is refused with what to do, rather than chmod'ed. The server's own files
 * beside them stay 0600 and other owners' log directories 0700, so traversal reveals nothing; the local
 * executor needs none of this (its jobs start inside their directory, executors/local/runAs.ts).
 */
import { lstat, chmod, chown } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CheomdanError } from '../../core/errors.ts';
import { isStrictlyInside } from '../paths.ts';
import type { JobOwner } from '../types.ts';

export interface OwnerOutputOptions {
  /** The directory the server keeps logs under (CHEOMDAN_HOME); no log directory may lie outside it. */
  root: string;
  serverUid?: number | undefined;
}

const inside = (root: string, p: string) => p === root || isStrictlyInside(root, p);

export async function prepareOwnerOutput(paths: readonly string[], owner: JobOwner, opts: OwnerOutputOptions): Promise<void> {
  const root = resolve(opts.root);
  const serverUid = opts.serverUid ?? process.getuid?.() ?? 0;
  for (const dir of new Set(paths.map((p) => dirname(resolve(p))))) {
    if (dir === root || !inside(root, dir)) {
      throw new CheomdanError('executor_failed', `cannot start the job: its log directory ${dir} is not under the server's output root ${root}`);
    }
    const st = await lstat(dir).catch(() => null);
    if (st === null) continue; // Slurm fails the job as it does for a missing output directory
    if (!st.isDirectory()) {
      throw new CheomdanError('executor_failed', `cannot start the job: its log directory ${dir} is not a directory (a symlink is not followed)`);
    }
    if (st.uid === serverUid && st.uid !== owner.uid) {
      await chown(dir, owner.uid, owner.gid);
      await chmod(dir, 0o700);
    }
    for (let up = dirname(dir); ; up = dirname(up)) {
      const a = await lstat(up);
      const searchable = (a.mode & 0o001) !== 0;
      if (inside(root, up)) {
        if (a.isDirectory() && a.uid === serverUid && !searchable) await chmod(up, (a.mode & 0o7777) | 0o001);
      } else if (!searchable && !(a.uid === owner.uid && (a.mode & 0o100) !== 0) && !(a.gid === owner.gid && (a.mode & 0o010) !== 0)) {
        throw new CheomdanError('executor_failed',
          `cannot start the job: ${owner.userName} cannot reach its log directory, because ${up} (above the server's home ${root}) ` +
          `is not searchable by others (mode ${(a.mode & 0o777).toString(8).padStart(4, '0')}); put CHEOMDAN_HOME where every user can ` +
          `traverse, such as /var/lib/cheomdan, or run \`chmod o+x ${up}\` yourself`);
      }
      if (up === dirname(up)) break;
    }
  }
}
