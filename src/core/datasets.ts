/**
 * The rules of dataset names, file paths in versions and dataset references in jobs (issue 10); pure, shared
 * by the contract, the services and the CLI so every door gives the same answer.
 */

/** Dataset names: like a repository's — letters, digits, `.`, `_`, `-`; 1–100; starting with a letter or digit. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const MAX_PATH_BYTES = 4096;

/**
 * Why a file path may not be stored in a version, or null when it may: a relative path of `/`-separated
 * segments, no `.` or `..` segment, no empty segment, no NUL or control character, no backslash, at most
 * 4,096 bytes of UTF-8 (PATH_MAX).
 */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return 'the path is empty';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `the path is ${Buffer.byteLength(path, 'utf8')} bytes; at most ${MAX_PATH_BYTES}`;
  if (path.includes('\0')) return 'the path contains a NUL byte';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(path)) return 'the path contains a control character';
  if (path.startsWith('/')) return 'the path is absolute; give it relative to the dataset root (e.g. "images/001.dcm")';
  if (path.includes('\\')) return 'the path contains a backslash; separate directories with "/"';
  for (const seg of path.split('/')) {
    if (seg === '') return 'the path has an empty segment ("//" or a trailing "/")';
    if (seg === '.' || seg === '..') return `the path has a "${seg}" segment; paths stay inside the dataset`;
  }
  return null;
}

/** `CHEOMDAN_DATASET_<NAME>`: upper case, every character outside [A-Z0-9_] turned into `_`. */
export function datasetEnvName(name: string): string {
  return `CHEOMDAN_DATASET_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/**
 * `#CHEOMDAN --dataset REF` lines of a script's header (beside #SBATCH, read until the first command, as
 * sbatch reads its directives); `--dataset=REF` too.
 */
export function datasetDirectives(script: string): string[] {
  return cheomdanDirectives(script, 'dataset');
}

/** The values of `#CHEOMDAN --<option> VALUE` (or `--<option>=VALUE`) lines in a script's header. */
export function cheomdanDirectives(script: string, option: 'dataset' | 'save-output'): string[] {
  const out: string[] = [];
  const re = new RegExp(`^#CHEOMDAN\\s+--${option}(?:=|\\s+)(\\S+)\\s*$`);
  for (const line of script.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#!')) continue;
    if (!t.startsWith('#')) break;
    const m = re.exec(t);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** Where a job's output goes: `NAME[:PATH]`, PATH relative to the job's working directory (default `output`). */
export interface OutputRef {
  name: string;
  path: string;
}

export const DEFAULT_OUTPUT_PATH = 'output';

/** Parses `NAME[:PATH]` of `--save-output`; the error names what was wrong. */
export function parseOutputRef(text: string): OutputRef | { error: string } {
  const m = /^([^:]+)(?::(.*))?$/.exec(text.trim());
  if (!m) return { error: `"${text}" is not NAME[:PATH] (e.g. results:checkpoints)` };
  const [, name, path] = m;
  if (!DATASET_NAME.test(name!)) {
    return { error: `"${name}" is not a dataset name of your organization (letters, digits, ".", "_", "-"; output is saved to your own organization's datasets)` };
  }
  if (path !== undefined) {
    if (path.startsWith('/')) return { error: `output path "${path}" must be relative to the job's working directory (e.g. results); the job is told it as $CHEOMDAN_OUTPUT_DIR` };
    const why = pathProblem(path);
    if (why !== null) return { error: `output path "${path}": ${why}` };
  }
  return { name: name!, path: path ?? DEFAULT_OUTPUT_PATH };
}

/** A dataset a job asks for: `NAME[@VERSION][:MOUNT]`, NAME optionally `ORG/NAME` for another organization's. */
export interface DatasetRef {
  /** Organization slug when the dataset is another organization's (shared or public). */
  org: string | null;
  name: string;
  /** null: the latest committed version. */
  version: number | null;
  /** Where in the job's directory a link to it is made (relative); null: the default, `datasets/<name>`. */
  mount: string | null;
}

/** Parses `[ORG/]NAME[@VERSION][:MOUNT]`; the error names what was wrong. */
export function parseDatasetRef(text: string): DatasetRef | { error: string } {
  const m = /^(?:([a-z0-9][a-z0-9-]*)\/)?([^@:/]+)(?:@([^:]+))?(?::(.+))?$/.exec(text.trim());
  if (!m) return { error: `"${text}" is not NAME[@VERSION][:MOUNT] (e.g. chest-xray@3:/data/xray)` };
  const [, org, name, version, mount] = m;
  if (!DATASET_NAME.test(name!)) return { error: `"${name}" is not a dataset name (letters, digits, ".", "_", "-")` };
  let v: number | null = null;
  if (version !== undefined) {
    const n = /^v?(\d+)$/.exec(version);
    if (!n || Number(n[1]) < 1) return { error: `"@${version}" is not a version: give its number (e.g. @3), or leave it out for the latest` };
    v = Number(n[1]);
  }
  if (mount !== undefined) {
    // A link in the job's own directory: a path outside it would let a job place links where others look.
    if (mount.startsWith('/')) return { error: `mount "${mount}" must be relative to the job's directory (e.g. data/xray); the job also finds the dataset at $${datasetEnvName(name!)}` };
    const why = pathProblem(mount);
    if (why !== null) return { error: `mount "${mount}": ${why}` };
  }
  return { org: org ?? null, name: name!, version: v, mount: mount ?? null };
}

/** Bytes as people read them: 1.50 GB, 980 MB (decimal units, as disks and quotas are sold; 3 significant digits). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}
