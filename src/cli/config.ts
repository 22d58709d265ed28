/**
 * Where the CLI finds the server and its credentials.
 *
 * The credentials file ($CHEOMDAN_CONFIG, else ~/.config/cheomdan/credentials.json, mode 0600) holds
 * `{ url, token }`, written by `cheomdan login`. Precedence, highest first:
 *   url:   --url, $CHEOMDAN_URL, the file's url, http://127.0.0.1:7080
 *   token: --token, $CHEOMDAN_TOKEN, the file's token — the file's token only when the url is the file's
 *          url, so a token saved for one server is never sent to another.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const DEFAULT_URL = 'http://127.0.0.1:7080';

const Credentials = z.object({ url: z.string(), token: z.string() });
export type Credentials = z.infer<typeof Credentials>;

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHEOMDAN_CONFIG || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'cheomdan', 'credentials.json');
}

/** The saved credentials, or null when there are none. A damaged file is an error that names the file. */
export async function readCredentials(path: string): Promise<Credentials | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const r = Credentials.safeParse(json);
  if (!r.success) throw new Error(`${path} is not a Cheomdan credentials file; delete it and run \`cheomdan login\` again`);
  return r.data;
}

/** Saves credentials readable by the owner only (written to a temporary file, then renamed). */
export async function writeCredentials(path: string, c: Credentials): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export interface Connection {
  url: string;
  token: string | undefined;
  /** Where the token came from, for messages: "--token", "CHEOMDAN_TOKEN", the file path, or null. */
  tokenSource: string | null;
}

/** Resolves the server url and token (see the module header for the precedence). */
export function resolveConnection(
  flags: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
  saved: Credentials | null,
  savedPath: string,
): Connection {
  const url = normaliseUrl(flags.url || env.CHEOMDAN_URL || saved?.url || DEFAULT_URL);
  if (flags.token) return { url, token: flags.token, tokenSource: '--token' };
  if (env.CHEOMDAN_TOKEN) return { url, token: env.CHEOMDAN_TOKEN, tokenSource: 'CHEOMDAN_TOKEN' };
  if (saved && normaliseUrl(saved.url) === url) return { url, token: saved.token, tokenSource: savedPath };
  return { url, token: undefined, tokenSource: null };
}

/** Accepts "host:port" and trailing slashes; refuses what is not an http(s) URL. */
export function normaliseUrl(u: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new UsageError(`--url: "${u}" is not a URL; give e.g. http://127.0.0.1:7080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url: "${u}" must be an http:// or https:// URL`);
  }
  return withScheme.replace(/\/+$/, '');
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
