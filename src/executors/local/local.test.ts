/**
 * The local executor against the conformance suite, plus what only the local executor promises: jobs
 * outlive the process that started them, pid reuse is detected, and the server's secrets stay out of jobs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../../core/ids.ts';
import type { Placement } from '../../core/resources.ts';
import { describeExecutorConformance } from '../conformance.ts';
import type { Executor, ExecutorHandle, LaunchSpec, Observation } from '../types.ts';
import { createLocalExecutor, type LocalExecutor } from './index.ts';
import { procStatSync } from './proc.ts';

/** Whether a pid is a live process (not a zombie). */
const alive = (pid: number): boolean => {
  const st = procStatSync(pid);
  return st !== null && st.state !== 'Z';
};
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Devices 1 and 3, not 0 and 1: a job that ignored its placement would most likely be caught. */
const placement = (devices: number): Placement => [
  { node: asNodeName('local-0'), devices: [1, 3, 4, 6].slice(0, devices), tasks: 1, cpus: 1, memoryMb: 256 },
];

describeExecutorConformance('local', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cheomdan-local-conf-'));
  return {
    executor: createLocalExecutor({ stateDir: join(root, 'state') }),
    placement,
    acceleratorType: 'nvidia-h100-sxm-80gb',
    workDir: join(root, 'work'),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});

// The same suite with every job run as `nobody` (uid 65534) and a supplementary group, as a root server runs
// jobs as their owners: the jobs' files live in their private directories under workDir (the output root);
// the shared workDir is traversable and writable by anyone, as a shared scratch file system would be.
describe.skipIf(process.getuid?.() !== 0)('as root', () => {
  describeExecutorConformance('local, jobs as their owner', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cheomdan-local-owner-'));
    chmodSync(root, 0o711);
    const workDir = join(root, 'work');
    mkdirSync(workDir, { mode: 0o777 });
    chmodSync(workDir, 0o777);
    return {
      executor: createLocalExecutor({ stateDir: join(root, 'state'), outputRoot: workDir }),
      placement,
      acceleratorType: 'nvidia-h100-sxm-80gb',
      workDir,
      owner: { userName: 'nobody', uid: 65534, gid: 65534, groups: [100], home: '/nonexistent' },
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  });
});

describe('local executor', () => {
  const root = mkdtempSync(join(tmpdir(), 'cheomdan-local-'));
  const stateDir = join(root, 'state');
  const workDir = join(root, 'work');
  const executors: Executor[] = [];
  const started: ExecutorHandle[] = [];
  const executor = (): Executor => {
    const e = createLocalExecutor({ stateDir, gracePeriodSeconds: 1 });
    executors.push(e);
    return e;
  };

  afterAll(async () => {
    const e = executor();
    for (const h of started) await e.cancel(h).catch(() => undefined);
    for (const x of executors) await x.close();
    rmSync(root, { recursive: true, force: true });
  });

  function aJob(script: string, overrides: Partial<LaunchSpec> = {}): LaunchSpec {
    const id = `job_${Math.random().toString(36).slice(2, 10)}`;
    return {
      jobId: asJobId(id), script, workingDirectory: workDir, environment: {}, placement: placement(1),
      acceleratorType: 'nvidia-h100-sxm-80gb', tasks: 1, timeLimitSeconds: 60,
      stdoutPath: join(root, 'logs', `${id}.out`), stderrPath: join(root, 'logs', `${id}.err`), ...overrides,
    };
  }

  async function waitFor(e: Executor, handle: ExecutorHandle, state: Observation['state'], ms = 20_000): Promise<Observation> {
    const deadline = Date.now() + ms;
    for (;;) {
      const [o] = await e.observe([handle]);
      if (o?.state === state) return o;
      if (Date.now() > deadline) throw new Error(`${handle} not ${state} after ${ms} ms: ${JSON.stringify(o)}`);
      await sleep(50);
    }
  }

  async function readAll(e: Executor, handle: ExecutorHandle, spec: LaunchSpec): Promise<string> {
    let s = '';
    for await (const c of e.logs(handle, spec, { stream: 'stdout' })) s += c.toString();
    return s;
  }

  /** Starts one job in a separate process (a server), returns its handle and spec, then SIGKILLs that process. */
  async function startThenKillServer(script?: string): Promise<{ handle: ExecutorHandle; spec: LaunchSpec }> {
    await mkdir(workDir, { recursive: true });
    const fixture = fileURLToPath(new URL('./fixtures/startJob.ts', import.meta.url));
    // The fixture leads its own process group, and the whole group is killed, as a terminal's Ctrl-C or a
    // service manager would: the job's supervisor must be in none of the server's groups.
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, stateDir, workDir, join(root, 'logs'), ...(script === undefined ? [] : [script])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
    });
    const { handle, spec } = JSON.parse(line) as { handle: ExecutorHandle; spec: LaunchSpec };
    started.push(handle);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    return { handle, spec };
  }

  it('adopts a job after its server was SIGKILLed and still ends its whole cgroup on cancel', async () => {
    const pidFile = join(root, `escapee-${Math.random().toString(36).slice(2)}.pid`);
    const { handle } = await startThenKillServer(`setsid --fork sh -c 'echo $$ > ${pidFile}; exec sleep 1000'; sleep 1000`);
    while (!(await exists(pidFile))) await sleep(50);
    const escapee = Number(readFileSync(pidFile, 'utf8').trim());
    const fresh = executor();
    expect((await fresh.observe([handle]))[0]).toMatchObject({ state: 'running' });
    await fresh.cancel(handle);
    expect(await waitFor(fresh, handle, 'exited')).toMatchObject({ cancelled: true });
    const deadline = Date.now() + 5_000;
    while (alive(escapee) && Date.now() < deadline) await sleep(50);
    expect(alive(escapee)).toBe(false);
  });

  it('keeps running, and records its exit, after the process that started it is SIGKILLed', async () => {
    const { handle, spec } = await startThenKillServer();
    const fresh = executor();
    expect((await fresh.observe([handle]))[0]).toMatchObject({ state: 'running' });
    const o = await waitFor(fresh, handle, 'exited');
    expect(o).toMatchObject({ exitCode: 7, signal: null, timedOut: false, cancelled: false });
    expect(await readAll(fresh, handle, spec)).toBe('before\nafter\n');
  });

  it('finds the run of one attempt: lookup(jobId, attempt) matches the attempt recorded at start', async () => {
    await mkdir(workDir, { recursive: true });
    const e = executor();
    const spec = aJob('exit 0');
    const unnumbered = await e.start(spec);
    const second = await e.start({ ...spec, attempt: 2 });
    const third = await e.start({ ...spec, attempt: 3 });
    expect(await e.lookup!(spec.jobId)).toEqual([unnumbered, second, third]);
    expect(await e.lookup!(spec.jobId, 2)).toEqual([second]);
    expect(await e.lookup!(spec.jobId, 3)).toEqual([third]);
    // attempt 1 failed before anything ran: no run of it, although the job has runs
    expect(await e.lookup!(spec.jobId, 1)).toEqual([]);
    for (const h of [unnumbered, second, third]) await waitFor(e, h, 'exited');
  });

  it('reports a job whose supervisor pid was reused by another process as lost', async () => {
    // A run directory whose recorded supervisor pid is alive (this test process) but started at another time.
    const dir = join(stateDir, 'runs', 'job_reused.x');
    await mkdir(dir, { recursive: true });
    const me = procStatSync(process.pid)!;
    await writeFile(join(dir, 'launch.json'), JSON.stringify({
      version: 1, jobId: 'job_reused', supervisorPid: process.pid, supervisorStartTicks: String(BigInt(me.startTicks) + 1n),
      startedAt: 0, timeLimitSeconds: 60, gracePeriodSeconds: 1, stdoutPath: '/dev/null', stderrPath: '/dev/null',
    }));
    const [o] = await executor().observe(['local:job_reused.x']);
    expect(o).toMatchObject({ state: 'lost' });
    await executor().cancel('local:job_reused.x'); // nothing to signal: must not signal this process
  });

  it('finds the supervisor of a run whose start was never fully recorded (server died right after the spawn)', async () => {
    const e = executor();
    const spec = aJob('echo up; sleep 1000');
    const handle = await e.start(spec);
    started.push(handle);
    // What launch.json holds between the spawn and the second write: no pid.
    const dir = join(stateDir, 'runs', handle.slice('local:'.length));
    const record = JSON.parse(readFileSync(join(dir, 'launch.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'launch.json'), JSON.stringify({ ...record, supervisorPid: null, supervisorStartTicks: null }));
    const fresh = executor();
    expect((await fresh.observe([handle]))[0]).toMatchObject({ state: 'running' });
    await fresh.cancel(handle);
    expect(await waitFor(fresh, handle, 'exited')).toMatchObject({ cancelled: true });

    // The same record with no supervisor anywhere and no status: lost, saying why.
    await rm(join(dir, 'status'));
    expect((await fresh.observe([handle]))[0]).toMatchObject({ state: 'lost', detail: expect.stringContaining('while starting') });
  });

  it('passes only allow-listed server variables to the job', async () => {
    process.env['CHEOMDAN_TEST_SECRET'] = 'do-not-leak';
    try {
      const e = executor();
      const spec = aJob('echo "secret=${CHEOMDAN_TEST_SECRET-unset} path=${PATH:+set}"');
      const handle = await e.start(spec);
      started.push(handle);
      await waitFor(e, handle, 'exited');
      expect(await readAll(e, handle, spec)).toBe('secret=unset path=set\n');
    } finally {
      delete process.env['CHEOMDAN_TEST_SECRET'];
    }
  });

  it('cancel ends a child that left the job\'s session with setsid (proctrack/cgroup)', async () => {
    await mkdir(workDir, { recursive: true });
    const e = executor();
    const pidFile = join(root, `escapee-${Math.random().toString(36).slice(2)}.pid`);
    // setsid --fork: a new session and process group, out of reach of any group signal.
    const spec = aJob(`setsid --fork sh -c 'echo $$ > ${pidFile}; exec sleep 1000'; echo started; sleep 1000`);
    const handle = await e.start(spec);
    started.push(handle);
    while (!readFileSync(spec.stdoutPath, 'utf8').includes('started')) await sleep(50);
    while (!(await exists(pidFile))) await sleep(50);
    const escapee = Number(readFileSync(pidFile, 'utf8').trim());
    expect(alive(escapee)).toBe(true);
    // A new executor instance, as a restarted server has: everything it needs is in the run directory.
    const fresh = executor();
    await fresh.cancel(handle);
    expect(await waitFor(fresh, handle, 'exited')).toMatchObject({ cancelled: true });
    const deadline = Date.now() + 5_000;
    while (alive(escapee) && Date.now() < deadline) await sleep(50);
    expect(alive(escapee)).toBe(false);
  });

  it('the time limit ends a child that left the job\'s session with setsid', async () => {
    await mkdir(workDir, { recursive: true });
    const e = executor();
    const pidFile = join(root, `escapee-${Math.random().toString(36).slice(2)}.pid`);
    const spec = aJob(`setsid --fork sh -c 'echo $$ > ${pidFile}; exec sleep 1000'; sleep 1000`, { timeLimitSeconds: 1, gracePeriodSeconds: 0 });
    const handle = await e.start(spec);
    started.push(handle);
    expect(await waitFor(e, handle, 'exited')).toMatchObject({ timedOut: true });
    const escapee = Number(readFileSync(pidFile, 'utf8').trim());
    const deadline = Date.now() + 5_000;
    while (alive(escapee) && Date.now() < deadline) await sleep(50);
    expect(alive(escapee)).toBe(false);
  });

  it('cancel of a run whose supervisor was SIGKILLed still ends every process of its cgroup', async (ctx) => {
    const e = executor();
    if ((e as LocalExecutor).tracking === 'process-group') ctx.skip(); // needs a writable cgroup (root)
    await mkdir(workDir, { recursive: true });
    const pidFile = join(root, `escapee-${Math.random().toString(36).slice(2)}.pid`);
    const spec = aJob(`setsid --fork sh -c 'echo $$ > ${pidFile}; exec sleep 1000'; echo started; sleep 1000`);
    const handle = await e.start(spec);
    started.push(handle);
    while (!(await exists(pidFile))) await sleep(50);
    const escapee = Number(readFileSync(pidFile, 'utf8').trim());
    const dir = join(stateDir, 'runs', handle.slice('local:'.length));
    const record = JSON.parse(readFileSync(join(dir, 'launch.json'), 'utf8')) as { supervisorPid: number; cgroup: { dirs: string[] } };
    process.kill(record.supervisorPid, 'SIGKILL');
    while (procStatSync(record.supervisorPid)?.state !== undefined && procStatSync(record.supervisorPid)?.state !== 'Z') await sleep(10);
    expect(alive(escapee)).toBe(true);
    await executor().cancel(handle);
    expect(alive(escapee)).toBe(false);
    for (const d of record.cgroup.dirs) expect(await exists(d)).toBe(false);
    expect((await executor().observe([handle]))[0]).toMatchObject({ state: 'lost' });
  });

  it('observing a run as lost ends what is left in its cgroup and removes the cgroup (no orphans)', async (ctx) => {
    const e = executor();
    if ((e as LocalExecutor).tracking === 'process-group') ctx.skip(); // needs a writable cgroup (root)
    await mkdir(workDir, { recursive: true });
    const spec = aJob('sleep 1000 & echo started; sleep 1000');
    const handle = await e.start(spec);
    started.push(handle);
    while (!readFileSync(spec.stdoutPath, 'utf8').includes('started')) await sleep(50);
    const dir = join(stateDir, 'runs', handle.slice('local:'.length));
    const record = JSON.parse(readFileSync(join(dir, 'launch.json'), 'utf8')) as { supervisorPid: number; cgroup: { dirs: string[]; tracking: string } };
    const pids = readFileSync(join(record.cgroup.tracking, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
    expect(pids.length).toBeGreaterThanOrEqual(3); // timeout, bash, the sleeps
    process.kill(record.supervisorPid, 'SIGKILL');
    while (procStatSync(record.supervisorPid)?.state !== undefined && procStatSync(record.supervisorPid)?.state !== 'Z') await sleep(10);
    expect((await executor().observe([handle]))[0]).toMatchObject({ state: 'lost' });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const d of record.cgroup.dirs) expect(await exists(d)).toBe(false);
  });

  it('enforces the memory request in the job\'s cgroup, and removes the cgroup when the job ends', async (ctx) => {
    const e = executor();
    if ((e as LocalExecutor).tracking === 'process-group') ctx.skip(); // needs a writable cgroup (root)
    await mkdir(workDir, { recursive: true });
    const small: Placement = [{ node: asNodeName('local-0'), devices: [], tasks: 1, cpus: 1, memoryMb: 32 }];
    // sort must hold all of its input before it writes: 256 MiB against a 32 MiB request.
    const spec = aJob('head -c 268435456 /dev/zero | sort -S 1G > /dev/null; echo "rc=${PIPESTATUS[1]}"', { placement: small });
    const handle = await e.start(spec);
    started.push(handle);
    const dir = join(stateDir, 'runs', handle.slice('local:'.length));
    const record = JSON.parse(readFileSync(join(dir, 'launch.json'), 'utf8')) as { cgroup: { dirs: string[]; memoryLimitBytes: number } };
    expect(record.cgroup.memoryLimitBytes).toBe(32 * 1024 * 1024);
    const o = await waitFor(e, handle, 'exited');
    // The kernel's OOM killer SIGKILLs the largest process of the cgroup (sort); on a busy host it sometimes
    // takes the script's shell instead, which ends the job by SIGKILL. Either way the 256 MiB never fit.
    const out = await readAll(e, handle, spec);
    expect(out === 'rc=137\n' || (o.state === 'exited' && o.signal === 'SIGKILL' && out === ''), `output ${JSON.stringify(out)}, ${JSON.stringify(o)}`).toBe(true);
    for (const d of record.cgroup.dirs) expect(await exists(d)).toBe(false);
  });

  it('tracks by a cgroup v2 where the host has one: cancel ends a setsid child, the cgroup goes with the job', async (ctx) => {
    // This host is hybrid: v1 controllers, plus a v2 hierarchy without controllers at /sys/fs/cgroup/unified,
    // which is enough for tracking (cgroup.procs, cgroup.kill). A pure v2 host mounts it at /sys/fs/cgroup.
    const mount = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((m) => existsSync(join(m, 'cgroup.controllers')));
    const e = mount === undefined ? null : createLocalExecutor({ stateDir, gracePeriodSeconds: 1, cgroups: { mount }, warn: () => undefined });
    if (e === null || e.tracking !== 'cgroup-v2') ctx.skip(); // no writable cgroup v2 here
    executors.push(e!);
    await mkdir(workDir, { recursive: true });
    const pidFile = join(root, `escapee-${Math.random().toString(36).slice(2)}.pid`);
    const spec = aJob(`setsid --fork sh -c 'echo $$ > ${pidFile}; exec sleep 1000'; echo started; sleep 1000`);
    const handle = await e!.start(spec);
    started.push(handle);
    while (!(await exists(pidFile))) await sleep(50);
    const escapee = Number(readFileSync(pidFile, 'utf8').trim());
    const record = JSON.parse(readFileSync(join(stateDir, 'runs', handle.slice('local:'.length), 'launch.json'), 'utf8')) as { cgroup: { version: number; dirs: string[] } };
    expect(record.cgroup.version).toBe(2);
    expect(readFileSync(join(record.cgroup.dirs[0]!, 'cgroup.procs'), 'utf8')).toContain(String(escapee));
    await e!.cancel(handle);
    expect(await waitFor(e!, handle, 'exited')).toMatchObject({ cancelled: true });
    expect(alive(escapee)).toBe(false);
    expect(await exists(record.cgroup.dirs[0]!)).toBe(false);
  });

  it('warns and tracks by process group where no cgroup can be made', () => {
    const warnings: string[] = [];
    const e = createLocalExecutor({ stateDir, cgroups: { mount: join(root, 'no-cgroups-here') }, warn: (m) => warnings.push(m) });
    executors.push(e);
    expect(e.tracking).toBe('process-group');
    expect(warnings).toEqual([expect.stringContaining('setsid escapes cancel and the time limit')]);
  });

  it('close() stops following logs but never stops a job', async () => {
    const e = executor();
    const spec = aJob('echo up; sleep 1000');
    const handle = await e.start(spec);
    started.push(handle);
    const chunks: string[] = [];
    const following = (async () => {
      for await (const c of e.logs(handle, spec, { stream: 'stdout', follow: true })) chunks.push(c.toString());
    })();
    await waitFor(e, handle, 'running');
    while (chunks.length === 0) await sleep(20);
    await e.close();
    await following;
    expect(chunks.join('')).toBe('up\n');
    const other = executor();
    expect((await other.observe([handle]))[0]).toMatchObject({ state: 'running' });
    await other.cancel(handle);
    expect(await waitFor(other, handle, 'exited')).toMatchObject({ cancelled: true });
  });

  it('rejects a spec it cannot honour before running anything', async () => {
    const e = executor();
    await expect(e.start(aJob('true', { timeLimitSeconds: 0 }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(e.start(aJob('true', { stdoutPath: 'relative.log' }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(e.cancel('not-a-handle')).rejects.toMatchObject({ code: 'not_found' });
  });
});
