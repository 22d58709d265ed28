/**
 * What every command gets: where to write, the environment, and a client for the server the global
 * options point at. Kept apart from process globals so `main()` can run in a test with captured output.
 */
import { CheomdanClient } from './client.ts';
import { credentialsPath, readCredentials, resolveConnection, type Connection } from './config.ts';

/** The CLI's exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The server refused the request (problem details printed). */
  refused: 1,
  /** Bad flags or arguments; nothing was sent. */
  usage: 2,
  /** Not logged in, or the token was rejected. */
  auth: 3,
  notFound: 4,
  /** The server could not be reached. */
  unreachable: 5,
} as const;

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

/** Not logged in: there is no token to send (exit code 3). */
export class NotLoggedInError extends Error {
  constructor(url: string) {
    super(`not logged in to ${url}; run \`cheomdan login\` (or set CHEOMDAN_TOKEN)`);
    this.name = 'NotLoggedInError';
  }
}

/** What the command did, it did, and it failed (a run that ended without a result): exit code 1, the reason printed. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export class Cli {
  /** Arguments after a `--`, for `cheomdan submit -- command args…`. */
  readonly afterDashes: readonly string[];
  private flags: GlobalFlags = {};
  private connection: Connection | undefined;

  constructor(readonly io: Io, afterDashes: readonly string[]) {
    this.afterDashes = afterDashes;
  }

  setGlobals(flags: GlobalFlags): void {
    this.flags = flags;
    this.connection = undefined;
  }

  get json(): boolean {
    return Boolean(this.flags.json);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints a value as JSON (for --json). */
  printJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  get credentialsPath(): string {
    return credentialsPath(this.io.env);
  }

  async resolveConnection(): Promise<Connection> {
    this.connection ??= resolveConnection(
      { url: this.flags.url, token: this.flags.token },
      this.io.env,
      await readCredentials(this.credentialsPath),
      this.credentialsPath,
    );
    return this.connection;
  }

  /** A client with the resolved token; throws NotLoggedInError when there is none and one is required. */
  async client(opts: { anonymous?: boolean } = {}): Promise<CheomdanClient> {
    const c = await this.resolveConnection();
    if (!c.token && !opts.anonymous) throw new NotLoggedInError(c.url);
    return new CheomdanClient({ baseUrl: c.url, token: opts.anonymous ? undefined : c.token });
  }
}
