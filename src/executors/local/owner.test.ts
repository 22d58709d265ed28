/**
 * Jobs that run as their owners (runAs.ts, supervisor.ts): the checks before anything runs (table-driven,
 * for any user), and — as root — real jobs run as `nobody` with a supplementary group, in a private
 * directory, with umask 077 and an environment built from the account.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../../core/ids.ts';
import type { ExecutorHandle, JobOwner, LaunchSpec, Observation } from '../types.ts';
import { createLocalExecutor } from './index.ts';
import { resolveRunAs } from './runAs.ts';

const root = process.getuid?.() === 0;
const NOBODY: JobOwner = { userName: 'nobody', uid: 65534, gid: 65534, groups: [100], home: '/nonexistent' };

const spec = (o: Partial<LaunchSpec> = {}): LaunchSpec => ({
  jobId: asJobId('job_owner'), script: 'true', workingDirectory: '/tmp', environment: {},
  placement: [{ node: asNodeName('local-0'), devices: [], tasks: 1, cpus: 1, memoryMb: 64 }], acceleratorType: null, tasks: 1,
  timeLimitSeconds: 60, stdoutPath: '/srv/home/jobs/job_owner/stdout.log', stderrPath: '/srv/home/jobs/job_owner/stderr.log', ...o,
});

describe('resolveRunAs: what is refused before anything runs', () => {
  const cases: Record<string, { spec: LaunchSpec; serverUid: number; want: { code: string; message: string } | { switches: boolean } }> = {
    'no owner: the server\'s own account, no switch': { spec: spec(), serverUid: 0, want: { switches: false } },
    'an owner, server root: switches': { spec: spec({ owner: NOBODY }), serverUid: 0, want: { switches: true } },
    'the server\'s own uid as owner: no switch even when not root': { spec: spec({ owner: { ...NOBODY, uid: 1000 } }), serverUid: 1000, want: { switches: false } },
    'another owner, server not root (single-user mode)': {
      spec: spec({ owner: NOBODY }), serverUid: 1000, want: { code: 'executor_failed', message: 'serves in single-user mode' },
    },
    'root as owner': { spec: spec({ owner: { ...NOBODY, uid: 0 } }), serverUid: 1000, want: { code: 'validation_failed', message: 'never runs as root' } },
    'logs outside the output root': {
      spec: spec({ owner: NOBODY, stdoutPath: '/tmp/x.log', stderrPath: '/tmp/x.err' }), serverUid: 0,
      want: { code: 'validation_failed', message: 'keeps both logs in one directory under /srv/home/jobs' },
    },
    'logs in two directories': {
      spec: spec({ owner: NOBODY, stderrPath: '/srv/home/jobs/other/stderr.log' }), serverUid: 0,
      want: { code: 'validation_failed', message: 'stderrPath' },
    },
    'a user name with a shell metacharacter': { spec: spec({ owner: { ...NOBODY, userName: 'a;b' } }), serverUid: 0, want: { code: 'validation_failed', message: 'owner.userName' } },
    'a negative gid': { spec: spec({ owner: { ...NOBODY, gid: -1 } }), serverUid: 0, want: { code: 'validation_failed', message: 'owner.gid' } },
    'a fractional supplementary group': { spec: spec({ owner: { ...NOBODY, groups: [1.5] } }), serverUid: 0, want: { code: 'validation_failed', message: 'owner.groups' } },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const run = (): unknown => resolveRunAs(c.spec, '/srv/home/jobs', c.serverUid);
      if ('switches' in c.want) expect(run()).toMatchObject({ switches: c.want.switches });
      else expect(run).toThrow(expect.objectContaining({ code: c.want.code, message: expect.stringContaining(c.want.message) }));
    });
  }
});

describe.skipIf(!root)('a job run as its owner (as root)', () => {
  const home = mkdtempSync(join(tmpdir(), 'cheomdan-owner-'));
  const executor = createLocalExecutor({ stateDir: home, gracePeriodSeconds: 1 });
  const started: ExecutorHandle[] = [];
  afterAll(async () => {
    for (const h of started) await executor.cancel(h).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });
  const aJob = (script: string, o: Partial<LaunchSpec> = {}): LaunchSpec => {
    const id = `job_${Math.random().toString(36).slice(2, 10)}`;
    const dir = join(home, 'jobs', id);
    return spec({ jobId: asJobId(id), script, owner: NOBODY, workingDirectory: dir, stdoutPath: join(dir, 'stdout.log'), stderrPath: join(dir, 'stderr.log'), ...o });
  };
  const waitExit = async (h: ExecutorHandle): Promise<Observation> => {
    for (let i = 0; i < 400; i++) {
      const [o] = await executor.observe([h]);
      if (o?.state !== 'running') return o!;
      await sleep(50);
    }
    throw new Error('job did not end');
  };
  const read = async (h: ExecutorHandle, s: LaunchSpec, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> => {
    let t = '';
    for await (const c of executor.logs(h, s, { stream })) t += c.toString();
    return t;
  };

  it('runs under the owner\'s uid, gid and groups, umask 077, in its 0700 private directory, with an environment of its own', async () => {
    process.env['CHEOMDAN_TEST_SERVER_SECRET'] = 'server-only';
    const s = aJob('id -u; id -g; id -G; umask; pwd; echo "$HOME $USER $LOGNAME $PATH"; echo "${CHEOMDAN_TEST_SERVER_SECRET-unset}"; touch made; stat -c "%a %u" made .');
    delete process.env['CHEOMDAN_TEST_SERVER_SECRET'];
    await mkdir(s.workingDirectory, { recursive: true });
    const h = await executor.start(s);
    started.push(h);
    expect(await waitExit(h)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect((await read(h, s)).split('\n')).toEqual([
      '65534', '65534', '65534 100', '0077', s.workingDirectory,
      '/nonexistent nobody nobody /usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin', 'unset',
      '600 65534', '700 65534', '',
    ]);
    const log = statSync(s.stdoutPath);
    expect([log.uid, (log.mode & 0o777).toString(8)]).toEqual([65534, '600']);
  });

  it('cannot enter a working directory its owner may not, though the server may', async () => {
    const s = aJob('echo ran');
    const secret = join(home, 'server-only');
    await mkdir(join(secret, 'inner'), { recursive: true, mode: 0o700 });
    const h = await executor.start({ ...s, workingDirectory: join(secret, 'inner') });
    started.push(h);
    const o = await waitExit(h);
    expect(o).toMatchObject({ state: 'exited', exitCode: 1 });
    expect(await read(h, s, 'stderr')).toMatch(/Permission denied/);
    expect(await read(h, s)).toBe('');
  });

  it('serves no file through a log the job replaced by a symlink', async () => {
    const target = join(home, 'root-only.txt');
    writeFileSync(target, 'root secret\n', { mode: 0o600 });
    const s = aJob('echo out');
    const h = await executor.start(s);
    started.push(h);
    await waitExit(h);
    // What a job (as its owner, in its own directory) can do: swap its log for a link.
    unlinkSync(s.stdoutPath);
    symlinkSync(target, s.stdoutPath);
    await expect(read(h, s)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(readFileSync(target, 'utf8')).toBe('root secret\n');
  });
});
