/**
 * The `cheomdan` command as a person uses it: each call SPAWNS `node bin/cheomdan.js …` with its own
 * credentials file, against a real server (startServer on a random port, temp home, the demo inventory with
 * declared H100s and RNGDs) whose local executor runs the jobs as real processes.
 */
import { chmod, mkdir, mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capacity, Job, JobPage, Node, Whoami } from '../src/contract/index.ts';
import { z } from 'zod';
import { spawn } from 'node:child_process';
import { runCli, type CliRun } from './helpers/cli.ts';
import { ROOT, startTestServer, type TestServer } from './helpers/server.ts';

let s: TestServer;
let dir: string;
/** Credentials files: the operator's, and a tenant member's. */
let adminCfg: string;
let userCfg: string;

/** Runs the CLI with a credentials file (the member's unless given), from the test's directory. */
const cli = (args: string[], opts: { config?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> =>
  runCli(args, { cwd: dir, stdin: opts.stdin, env: { CHEOMDAN_CONFIG: opts.config ?? userCfg, ...opts.env } });

const jobs = async (config = userCfg) => {
  const r = await cli(['jobs', '--json', '--limit', '500'], { config });
  expect(r.code, r.stderr).toBe(0);
  return JobPage.parse(JSON.parse(r.stdout)).items;
};

const show = async (id: string) => {
  const r = await cli(['job', 'show', id, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return Job.parse(JSON.parse(r.stdout));
};

async function waitForState(id: string, done: (j: Job) => boolean, timeoutMs = 20_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = await show(id);
    if (done(j)) return j;
    if (Date.now() > until) throw new Error(`job ${id} is still ${j.state} (${j.pendingReason ?? ''})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  s = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'cheomdan-cli-'));
  // Jobs run in the submit directory (this one) as their owner's Unix account when the server is root:
  // like a user's own directory, it must be one they can enter (credentials below stay 0600).
  await chmod(dir, 0o755);
  adminCfg = join(dir, 'admin', 'credentials.json');
  userCfg = join(dir, 'user', 'credentials.json');
});
afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Each test spawns several CLI processes (about 0.5 s each, more on a loaded 2-core machine).
describe('cheomdan against a real server', { timeout: 90_000 }, () => {
  it('logs in with the admin token file and saves credentials readable by the owner only', async () => {
    const r = await cli(['login', '--url', s.url, '--token-file', join(s.home, 'admin-token')], { config: adminCfg });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`logged in to ${s.url} as admin@`);
    expect((await stat(adminCfg)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(adminCfg, 'utf8'))).toEqual({ url: s.url, token: s.adminToken });

    const me = await cli(['whoami', '--json'], { config: adminCfg });
    expect(me.code, me.stderr).toBe(0);
    expect(Whoami.parse(JSON.parse(me.stdout)).user.role).toBe('operator');
  });

  it('creates a tenant, a project and a member with the admin commands', async () => {
    const t = await cli(['tenants', 'create', '--slug', 'acme-ai', '--name', 'Acme AI', '--kind', 'startup'], { config: adminCfg });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/created tenant acme-ai/);
    const p = await cli(['projects', 'create', '--slug', 'vision', '--name', 'Vision', '--tenant', 'acme-ai'], { config: adminCfg });
    expect(p.code, p.stderr).toBe(0);
    const u = await cli(
      ['users', 'create', '--email', 'kim@acme.example', '--name', 'Kim', '--role', 'member', '--tenant', 'acme-ai', '--password-stdin'],
      { config: adminCfg, stdin: 'correct horse battery\n' },
    );
    expect(u.code, u.stderr).toBe(0);
    const list = await cli(['users', 'list'], { config: adminCfg });
    expect(list.stdout).toMatch(/kim@acme\.example\s+Kim\s+member/);
    const bad = await cli(['tenants', 'create', '--slug', 'x', '--name', 'X', '--kind', 'startup'], { config: adminCfg });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: The request is not valid: .*\n {2}body\.slug: /);
  });

  it('logs in with email and password, and whoami shows the tenant', async () => {
    const r = await cli(['login', '--url', s.url, '--email', 'kim@acme.example', '--password-stdin'], { stdin: 'correct horse battery\n' });
    expect(r.code, r.stderr).toBe(0);
    const me = await cli(['whoami']);
    expect(me.code, me.stderr).toBe(0);
    expect(me.stdout).toMatch(/Kim <kim@acme\.example>/);
    expect(me.stdout).toMatch(/tenant\s+acme-ai/);

    const wrong = await cli(['login', '--url', s.url, '--email', 'kim@acme.example', '--password-stdin'], { config: join(dir, 'x.json'), stdin: 'wrong password!!' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('error: Authentication required');
  });

  it('submits with flags, and jobs --json parses with the contract', async () => {
    const r = await cli([
      'submit', '--name', 'flags', '--project', 'vision', '-n', '2', '--gpus-per-task', '1', '--accelerator', 'h100',
      '--cpus-per-task', '2', '--mem-per-task', '2G', '--time', '0:10:00', '--env', 'GREETING=hi', '--',
      'sh', '-c', 'echo $GREETING --json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^job_/);
    const job = (await jobs()).find((j) => j.id === id);
    expect(job?.request).toEqual({
      tasks: 2, devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'], cpusPerTask: 2, memoryMbPerTask: 2048,
      nodes: null, tasksPerNode: null, timeLimitSeconds: 600,
    });
    expect(job?.name).toBe('flags');
    const done = await waitForState(id, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(done.state).toBe('succeeded');
    const logs = await cli(['logs', id]);
    expect(logs.stdout).toContain('hi --json');
  });

  it('submits a Slurm script as it is: directives honoured, ignored ones warned about', async () => {
    const script = [
      '#!/bin/bash',
      '#SBATCH --job-name=from-slurm',
      '#SBATCH -N 1',
      '#SBATCH --ntasks-per-node=2',
      '#SBATCH --gres=gpu:h100:2',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --mem=4G',
      '#SBATCH -t 0-00:05:00',
      '#SBATCH --mail-type=END',
      '#SBATCH -o out-%j.log',
      'echo "script ran"',
      '',
    ].join('\n');
    await writeFile(join(dir, 'train.sh'), script);
    const r = await cli(['submit', 'train.sh']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: line 9: ignored: --mail-type=END');
    const job = await show(r.stdout.trim());
    expect(job.name).toBe('from-slurm');
    expect(job.script).toBe(script);
    expect(job.request).toMatchObject({ tasks: 2, devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'], cpusPerTask: 2, memoryMbPerTask: 2048, nodes: 1, tasksPerNode: 2, timeLimitSeconds: 300 });

    const over = await cli(['submit', '--time', '7', '--name', 'overridden', 'train.sh']);
    expect(over.code, over.stderr).toBe(0);
    expect(await show(over.stdout.trim())).toMatchObject({ name: 'overridden', request: { timeLimitSeconds: 420 } });
  });

  it('takes sbatch options on the command line, runs in the submit directory, names a job after its script', async () => {
    await mkdir(join(dir, 'runs', 'a'), { recursive: true });
    for (const d of ['runs', 'runs/a']) await chmod(join(dir, d), 0o755); // the owner's account enters it (the server's umask is 077)
    await writeFile(join(dir, 'where.sh'), '#!/bin/bash\n#SBATCH -t 60\n#SBATCH --mem-per-cpu=1G\npwd\n');
    // The command line wins over the script, as in sbatch (--mem replaces the script's --mem-per-cpu).
    const r = await cli(['submit', '-J', 'x', '-t', '10', '--mem', '4G', '--gres', 'gpu:1', 'where.sh']);
    expect(r.code, r.stderr).toBe(0);
    const job = await waitForState(r.stdout.trim(), (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(job).toMatchObject({ name: 'x', state: 'succeeded', request: { timeLimitSeconds: 600, memoryMbPerTask: 4096, devicesPerTask: 1 } });
    expect((await cli(['logs', job.id])).stdout).toBe(`${dir}\n`);

    // No -J: the script's file name; a relative -D is taken from the submit directory.
    const d = await cli(['submit', '-D', 'runs/a', 'where.sh']);
    expect(d.code, d.stderr).toBe(0);
    const inA = await waitForState(d.stdout.trim(), (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(inA).toMatchObject({ name: 'where.sh', workingDirectory: join(dir, 'runs', 'a') });
    expect((await cli(['logs', inA.id])).stdout).toBe(`${join(dir, 'runs', 'a')}\n`);

    // cheomdan sbatch prints what sbatch prints; --wrap, and %% in a file name.
    const w = await cli(['sbatch', '--wrap', 'echo wrapped', '-o', 'logs/w-100%%-%j.out']);
    expect(w.code, w.stderr).toBe(0);
    const id = /^Submitted batch job (\S+)\n$/.exec(w.stdout)?.[1];
    expect(id, w.stdout).toBeDefined();
    const wrapped = await waitForState(id!, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(wrapped.name).toBe('wrap');
    expect(wrapped.warnings.join('\n')).toContain(`as w-100%-${id}.out`);
    expect((await cli(['logs', id!])).stdout).toBe('wrapped\n');
    const p = await cli(['sbatch', '--parsable', '-t', '1', '--wrap=true']);
    expect(p.stdout).toMatch(/^job_\S+\n$/);
  });

  it('logs -f streams a job\'s output until it ends', async () => {
    const r = await cli(['submit', '--', 'sh', '-c', 'echo first; sleep 1; echo second; echo oops >&2']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const f = await cli(['logs', '-f', id]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe('first\nsecond\n');
    const e = await cli(['logs', id, '--stderr']);
    expect(e.stdout).toBe('oops\n');
    const detail = await cli(['job', 'show', id]);
    expect(detail.stdout).toMatch(/state\s+succeeded/);
    expect(detail.stdout).toMatch(/running → succeeded/);
  });

  it('cancels a running job', async () => {
    const r = await cli(['submit', '--time', '5', '--', 'sleep', '120']);
    const id = r.stdout.trim();
    await waitForState(id, (j) => j.state === 'running');
    const c = await cli(['cancel', id]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(id);
    expect((await waitForState(id, (j) => j.state !== 'running')).state).toBe('cancelled');
    const again = await cli(['cancel', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: The job cannot make that transition: .*already ended/);
  });

  it('lists jobs, nodes and capacity as tables within 100 columns, and as contract JSON', async () => {
    for (const args of [['jobs'], ['nodes'], ['capacity']]) {
      const r = await cli(args);
      expect(r.code, `${args}: ${r.stderr}`).toBe(0);
      for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
    expect((await cli(['jobs'])).stdout).toMatch(/^ID\s+NAME\s+STATE\s+REASON\s+DEVICES\s+SUBMITTED\n/);
    expect((await cli(['nodes'])).stdout).toContain('declared');
    z.object({ items: z.array(Node) }).parse(JSON.parse((await cli(['nodes', '--json'])).stdout));
    Capacity.parse(JSON.parse((await cli(['capacity', '--json'])).stdout));
  });

  describe('bad input: exit 2, a clear message, nothing submitted', () => {
    const cases: Record<string, { args: string[]; want: RegExp; files?: Record<string, string> }> = {
      'unknown flag': { args: ['submit', '--gpux', '2', '--', 'true'], want: /unknown option '--gpux'/ },
      'bad --time': { args: ['submit', '--time', '2h', '--', 'true'], want: /--time: "2h" is not a time; use minutes/ },
      'unknown accelerator': { args: ['submit', '--accelerator', 'v100', '--', 'true'], want: /--accelerator: unknown accelerator type "v100"; known: h100/ },
      'missing script file': { args: ['submit', 'nope.sh'], want: /no such file: nope\.sh/ },
      'script with a directive that cannot be honoured': {
        args: ['submit', 'array.sh'],
        files: { 'array.sh': '#!/bin/bash\n#SBATCH --array=0-9\necho $SLURM_ARRAY_TASK_ID\n' },
        want: /array\.sh:2: --array=0-9: job arrays are not supported yet/,
      },
      'both a script and a command': { args: ['submit', 'train.sh', '--', 'true'], want: /not both/ },
      'a bad sbatch option on the command line': { args: ['submit', '-t', 'soon', '--array=0-9:0', '--', 'true'], want: /-t soon: "soon" is not a time[^]*--array=0-9:0: .*step of 0/ },
      'an unknown % letter in -o': { args: ['sbatch', '-o', 'x-%q.out', '--wrap', 'true'], want: /%q is not a file name pattern; Slurm accepts/ },
      'arguments after the script': { args: ['submit', 'train.sh', 'extra'], want: /arguments after the script are not passed/ },
      '--wrap with a script': { args: ['sbatch', '--wrap', 'true', 'train.sh'], want: /not both/ },
      'nothing to run': { args: ['submit'], want: /nothing to run/ },
      'bad state filter': { args: ['jobs', '--state', 'done'], want: /unknown state "done"; valid: pending/ },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, async () => {
        for (const [f, text] of Object.entries(c.files ?? {})) await writeFile(join(dir, f), text);
        const before = (await jobs()).length;
        const r = await cli(c.args);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(c.want);
        expect(r.stdout).toBe('');
        expect((await jobs()).length).toBe(before);
      });
    }
  });

  it('not found is exit 4, a rejected token exit 3, no login exit 3', async () => {
    const nf = await cli(['job', 'show', 'job_nope']);
    expect(nf.code).toBe(4);
    expect(nf.stderr).toContain('error: Not found');
    const bad = await cli(['whoami', '--token', 'not-a-token']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('was not accepted');
    const none = await cli(['jobs'], { config: join(dir, 'nobody.json') });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('not logged in');
  });

  it('a server that is down is exit 5 with how to start it', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const r = await cli(['jobs'], { env: { CHEOMDAN_URL: `http://127.0.0.1:${port}`, CHEOMDAN_TOKEN: 'x' } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot reach Cheomdan at http://127.0.0.1:${port} — is the server running? start it with \`npm start\``);
  });
});

describe('cheomdan serve', { timeout: 90_000 }, () => {
  it('prints the URL and the first-start login, serves the API, and stops cleanly on SIGTERM', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cheomdan-serve-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CHEOMDAN_') && !k.startsWith('VITEST') && k !== 'PORT') env[k] = v;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cheomdan.js'), 'serve', '--port', '0', '--home', home, '--inventory', join(ROOT, 'examples', 'inventories', 'demo.yaml')], { cwd: home, env });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${stderr}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(stdout);
          if (m && stdout.includes('Log in with:')) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
      });
      expect(stdout).toMatch(/email\s+admin@/);
      expect(stdout).toContain(`--token-file ${join(home, 'admin-token')}`);
      const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
      const cfg = join(home, 'cred.json');
      expect((await cli(['login', '--url', url, '--token', token], { config: cfg })).code).toBe(0);
      expect((await cli(['nodes'], { config: cfg })).stdout).toContain('declared');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: stopping');
    } finally {
      child.kill('SIGKILL');
      await rm(home, { recursive: true, force: true });
    }
  });
});
