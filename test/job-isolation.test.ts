/**
 * Job isolation on the local executor (issue 15, "Must show"): with a real server's CHEOMDAN_HOME (its
 * SQLite database and first-start admin-token), tightened as the composition root does at start
 * (secureHome), and two members of two organizations whose jobs run as their own Unix accounts (created
 * by services/unixAccounts.ts through useradd), a job of A tries to read B's output, the database, the
 * admin token and /proc/<server pid>/environ — by absolute path and relative to its own directory, which
 * lies inside CHEOMDAN_HOME — and to write the database. Each probe must be refused by the kernel
 * ("Permission denied", EACCES); the test prints probes tried and refused.
 *
 * Needs root (creating accounts and switching to them); skips with a message otherwise. The controller
 * does not yet fill LaunchSpec.owner, so the jobs are started through a local executor on the server's
 * home, as the controller will once it does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../src/core/ids.ts';
import { createLocalExecutor } from '../src/executors/local/index.ts';
import type { Executor, ExecutorHandle, JobOwner, LaunchSpec } from '../src/executors/types.ts';
import { secureHome } from '../src/services/serverFiles.ts';
import { UnixAccounts } from '../src/services/unixAccounts.ts';
import { openStore, type OpenedStore } from '../src/store/index.ts';
import { client, startTestServer, tenantWithOwner, type TestServer } from './helpers/server.ts';

const root = process.getuid?.() === 0;
if (!root) console.warn('test/job-isolation.test.ts: SKIPPED — needs root (creates Unix accounts and runs jobs as them); CI runs it as root');

describe.skipIf(!root)('job isolation on the local executor (as root)', () => {
  let s: TestServer;
  let store: OpenedStore;
  let executor: Executor;
  const owners: JobOwner[] = [];
  const handles: ExecutorHandle[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    await secureHome(s.home);
    store = await openStore({ sqlitePath: join(s.home, 'cheomdan.db') });
    const admin = client(s.url, s.adminToken);
    const accounts = new UnixAccounts({ store }, { firstUid: 79_600, lastUid: 79_699, homeBase: '/tmp' });
    for (const slug of ['iso-a', 'iso-b']) {
      const { email } = await tenantWithOwner(s.url, admin, slug);
      const user = await store.users.getByEmail(email);
      owners.push(await accounts.ownerFor(user!));
    }
    executor = createLocalExecutor({ stateDir: s.home, gracePeriodSeconds: 1 });
  }, 60_000);

  afterAll(async () => {
    for (const h of handles) await executor?.cancel(h).catch(() => undefined);
    await store?.close();
    await s?.close();
    for (const o of owners) {
      for (const cmd of [['userdel', '--remove', o.userName], ['groupdel', o.userName]]) {
        try {
          execFileSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
        } catch {
          // gone already
        }
      }
    }
  });

  async function run(owner: JobOwner, id: string, script: string): Promise<{ spec: LaunchSpec; out: string }> {
    const dir = join(s.home, 'jobs', id);
    mkdirSync(dir, { recursive: true });
    const spec: LaunchSpec = {
      jobId: asJobId(id), script, workingDirectory: dir, environment: {}, owner,
      placement: [{ node: asNodeName('local-0'), devices: [], tasks: 1, cpus: 1, memoryMb: 256 }], acceleratorType: null, tasks: 1,
      timeLimitSeconds: 60, stdoutPath: join(dir, 'stdout.log'), stderrPath: join(dir, 'stdout.log'),
    };
    const h = await executor.start(spec);
    handles.push(h);
    for (let i = 0; i < 400; i++) {
      const [o] = await executor.observe([h]);
      if (o?.state === 'exited') break;
      await sleep(50);
    }
    let out = '';
    for await (const c of executor.logs(h, spec, { stream: 'stdout' })) out += c.toString();
    return { spec, out };
  }

  it('a job of A cannot read B\'s output, the database, the admin token or the server\'s environment: EACCES from the kernel', async () => {
    const [a, b] = owners as [JobOwner, JobOwner];
    const bJob = await run(b, 'job_iso_b', 'echo "B secret: patient record 42"; echo data > result.txt');
    expect(bJob.out).toBe('B secret: patient record 42\n');
    const bDir = join(s.home, 'jobs', 'job_iso_b');
    expect(statSync(bDir).uid).toBe(b.uid);

    const probes: Record<string, string> = {
      "B's output, by path": `cat ${bDir}/stdout.log`,
      "B's file, by path": `cat ${bDir}/result.txt`,
      "B's file, from A's own directory": 'cat ../job_iso_b/result.txt',
      "B's directory, listed from A's": 'ls ../job_iso_b',
      'the database, by path': `cat ${join(s.home, 'cheomdan.db')}`,
      'the database, from A\'s directory': 'cat ../../cheomdan.db',
      'the database, written': 'echo x >> ../../cheomdan.db',
      'the admin token, by path': `cat ${join(s.home, 'admin-token')}`,
      'the admin token, from A\'s directory': 'cat ../../admin-token',
      'CHEOMDAN_HOME, listed': `ls ${s.home}`,
      "the server's environment": `cat /proc/${process.pid}/environ`,
    };
    const script = Object.entries(probes).map(([name, cmd]) => `if { ${cmd}; } >/dev/null 2>/tmp/.p$$; then echo "LEAK ${name}"; else echo "${name}: $(tr '\\n' ' ' < /tmp/.p$$)"; fi`).join('\n');
    const aJob = await run(a, 'job_iso_a', `${script}\nrm -f /tmp/.p$$`);
    const lines = aJob.out.trim().split('\n');
    console.log(aJob.out);
    expect(lines.filter((l) => l.startsWith('LEAK'))).toEqual([]);
    const refused = lines.filter((l) => /Permission denied/.test(l));
    console.log(`job isolation: probes ${Object.keys(probes).length}, refused with EACCES ${refused.length}, leaks ${lines.length - refused.length}`);
    expect(lines).toHaveLength(Object.keys(probes).length);
    for (const l of lines) expect(l).toMatch(/Permission denied/);
    // Nothing of B's reached A's output, and the database is intact.
    expect(aJob.out).not.toContain('patient record');
    expect(readFileSync(join(s.home, 'admin-token'), 'utf8').trim()).toBe(s.adminToken);
    expect(readFileSync(join(s.home, 'cheomdan.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
  }, 60_000);

  it('a job reaches its own directory by its absolute path (cd "$PWD", a child process started there)', async () => {
    const [a] = owners as [JobOwner];
    const dir = join(s.home, 'jobs', 'job_iso_path');
    const j = await run(a, 'job_iso_path', `cd "$PWD" && echo here > mine.txt && cat "${dir}/mine.txt" && (cd / && cat "${dir}/mine.txt") && ls "${dir}" | grep -c mine`);
    expect(j.out).toBe('here\nhere\n1\n');
  }, 30_000);
});
