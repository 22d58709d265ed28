/** Path containment both executors check before they hand a directory to a job's owner. */
import { isAbsolute, relative, sep } from 'node:path';

/** Whether `path` lies strictly below `root` (both absolute; `root` itself is not inside). */
export function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
