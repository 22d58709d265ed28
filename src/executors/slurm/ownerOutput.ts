/**
 * A job submitted to Slurm as its owner writes its own logs: slurmstepd opens `--output`/`--error` by path,
 * as the job's user, on the node. So, before submitting, the job's log directory becomes the owner's
 * (mode 0700, never through a symlink), and every directory above it that the server owns is made
 * traversable by others (the execute bit only, never read: nothing can be listed). The server's own files
 * beside them stay 0600 and other owners' log directories 0700, so traversal reveals nothing; the local
 * executor needs none of this (its jobs start inside their directory, executors/local/runAs.ts).
 */
import { lstat, chmod, chown } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CheomdanError } from '../../core/errors.ts';
import type { JobOwner } from '../types.ts';

export async function prepareOwnerOutput(paths: readonly string[], owner: JobOwner, serverUid = process.getuid?.() ?? 0): Promise<void> {
  for (const dir of new Set(paths.map((p) => dirname(resolve(p))))) {
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
      if (a.isDirectory() && a.uid === serverUid && (a.mode & 0o001) === 0) await chmod(up, (a.mode & 0o7777) | 0o001);
      if (up === dirname(up)) break;
    }
  }
}
