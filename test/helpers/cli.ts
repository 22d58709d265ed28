/** The `cheomdan` command spawned as a person runs it: `node bin/cheomdan.js …`, with no inherited Cheomdan settings. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type TestServer } from './server.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a separate process; `env` is all the Cheomdan configuration it gets. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CHEOMDAN_') && !k.startsWith('VITEST')) env[k] = v;
  Object.assign(env, { NO_COLOR: '1' }, opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cheomdan.js'), ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** The CLI against a test server with a token (and a credentials file that does not exist). */
export const cliWithToken = (s: TestServer, token: string, args: string[]): Promise<CliRun> =>
  runCli(args, { env: { CHEOMDAN_URL: s.url, CHEOMDAN_TOKEN: token, CHEOMDAN_CONFIG: join(s.home, 'no-credentials.json') } });
