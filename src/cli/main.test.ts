/**
 * `main()` in-process with captured streams: argument handling and exit codes that need no server.
 * The CLI against a real server, as spawned processes, is in test/cli.test.ts.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT, type Io } from './context.ts';
import { main } from './main.ts';

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const io: Io = { stdout, stderr, stdin, env: { CHEOMDAN_CONFIG: '/nonexistent/cheomdan/credentials.json', ...env }, cwd: '/tmp' };
  const code = await main(['node', 'cheomdan', ...args], io);
  return { code, stdout: out, stderr: err };
}

interface Case {
  args: string[];
  env?: Record<string, string>;
  wantCode: number;
  /** Must match stderr (or stdout for help and version). */
  want: RegExp;
}

const cases: Record<string, Case> = {
  'help is exit 0 on stdout': { args: ['--help'], wantCode: EXIT.ok, want: /Exit codes: 0 ok, 1 refused/ },
  'no command shows the usage, exit 2': { args: [], wantCode: EXIT.usage, want: /Usage: cheomdan/ },
  'unknown command suggests a near one': { args: ['job-show'], wantCode: EXIT.usage, want: /unknown command 'job-show'/ },
  'unknown option': { args: ['jobs', '--sate', 'pending'], wantCode: EXIT.usage, want: /unknown option '--sate'[\s\S]*Did you mean --state\?/ },
  'bad --limit': { args: ['jobs', '--limit', '9000'], wantCode: EXIT.usage, want: /'--limit <n>' argument '9000' is invalid\. give a whole number from 1 to 500/ },
  'bad --kind lists the choices': {
    args: ['tenants', 'create', '--slug', 'ab', '--name', 'A', '--kind', 'company'],
    wantCode: EXIT.usage,
    want: /Allowed choices are startup, enterprise, university, research_institute, public/,
  },
  'missing required option': { args: ['tokens', 'create'], wantCode: EXIT.usage, want: /required option '--name <name>' not specified/ },
  'a command after -- only for submit': { args: ['jobs', '--', 'ls'], wantCode: EXIT.usage, want: /only for cheomdan submit/ },
  'bad flags are all reported at once, before logging in is checked': {
    args: ['submit', '--tasks', '0', '--time', 'soon', '--mem-per-task', 'big', '--', 'true'],
    wantCode: EXIT.usage,
    want: /nothing was submitted:\n {2}--tasks: .*\n {2}--mem-per-task: .*\n {2}--time: /,
  },
  'valid flags get as far as the login check': {
    args: ['submit', '--chdir', '/x', '--env', 'A=1', '--', 'true'],
    wantCode: EXIT.auth,
    want: /not logged in/,
  },
  'not logged in': { args: ['whoami'], wantCode: EXIT.auth, want: /not logged in to http:\/\/127\.0\.0\.1:7080; run `cheomdan login`/ },
  'a bad --url': { args: ['whoami', '--url', 'ftp://x'], wantCode: EXIT.usage, want: /must be an http:\/\/ or https:\/\/ URL/ },
  'login without a terminal and without a way to log in': { args: ['login'], wantCode: EXIT.usage, want: /no way to log in given/ },
  'login two ways at once': { args: ['login', '--token', 't', '--token-file', 'f'], wantCode: EXIT.usage, want: /give one way to log in/ },
  'bad PORT for serve': { args: ['serve'], env: { PORT: 'http' }, wantCode: EXIT.usage, want: /PORT="http" is not a port number/ },
};

describe('main', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const r = await run(c.args, c.env);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(c.wantCode);
      expect(r.code === 0 ? r.stdout : r.stderr).toMatch(c.want);
    });
  }
});

describe('docs/cli.md', () => {
  it('documents exactly the exit codes the CLI uses', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Exit codes'), doc.indexOf('## Server address'));
    const documented = [...section.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(EXIT).sort());
  });
});
