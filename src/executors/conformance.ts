/**
 * The executor conformance suite: one set of tests that every executor passes (local now, Slurm next,
 * Kubernetes later), as Hono's router tests or BullMQ's backend tests do. An executor's test file calls
 *
 *   describeExecutorConformance('local', async () => ({ executor, placement, workDir, cleanup }), options)
 *
 * The suite knows nothing of any executor: it runs real jobs (bash scripts) and checks what they did through
 * their logs and through files they write in `workDir`, a directory both this test process and the jobs
 * can see (on a cluster: a shared file system). Timings are tolerant (jobs on a busy 2-core machine or a
 * Slurm cluster take a while to start and to be observed); an executor with coarse time limits (Slurm
 * counts minutes) passes a longer `timeLimitSeconds`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJobId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import type { Executor, ExecutorHandle, JobOwner, LaunchSpec, Observation } from './types.ts';

export interface ConformanceHarness {
  executor: Executor;
  /** A placement on which a job with `devices` devices (0 = CPU only) can run now. */
  placement(devices: number): Placement;
  /** Accelerator type of the devices `placement` hands out. */
  acceleratorType: string;
  /** An absolute directory that both this process and the jobs read and write. */
  workDir: string;
  /** Called after the suite (and after it has cancelled every job it started). */
  cleanup(): Promise<void>;
  /** The owner every job of the suite runs as (LaunchSpec.owner); default none: the executor's own account. */
  owner?: JobOwner | undefined;
}

export interface ConformanceOptions {
  /** Time limit given to the time-limit tests, in seconds. Default 2. */
  timeLimitSeconds?: number;
  /** Grace period between SIGTERM and SIGKILL in the tests, in seconds. Default 1. */
  gracePeriodSeconds?: number;
  /** How long a job may take to be seen starting or ending, in ms, beyond what it should take. Default 20 s. */
  slackMs?: number;
}

type Exited = Extract<Observation, { state: 'exited' }>;

export function describeExecutorConformance(
  name: string,
  setup: () => Promise<ConformanceHarness>,
  options: ConformanceOptions = {},
): void {
  const timeLimit = options.timeLimitSeconds ?? 2;
  const grace = options.gracePeriodSeconds ?? 1;
  const slackMs = options.slackMs ?? 20_000;
  const testTimeout = (timeLimit + grace) * 1000 + 2 * slackMs;

  describe(`executor conformance: ${name}`, () => {
    let h: ConformanceHarness;
    const started: ExecutorHandle[] = [];

    beforeAll(async () => {
      h = await setup();
      await mkdir(h.workDir, { recursive: true });
    });

    afterAll(async () => {
      if (h === undefined) return;
      for (const handle of started) await h.executor.cancel(handle).catch(() => undefined);
      await h.executor.close();
      await h.cleanup();
    });

    /** A fresh job spec with defaults that any test overrides; its logs and files live in their own folder. */
    function aJob(script: string, overrides: Partial<LaunchSpec> = {}): LaunchSpec & { dir: string } {
      const id = `conf-${randomBytes(4).toString('hex')}`;
      const dir = join(h.workDir, id);
      return {
        jobId: asJobId(id),
        script,
        workingDirectory: h.workDir,
        environment: {},
        placement: h.placement(0),
        acceleratorType: null,
        tasks: 1,
        timeLimitSeconds: 300,
        gracePeriodSeconds: grace,
        stdoutPath: join(dir, 'stdout.log'),
        stderrPath: join(dir, 'stderr.log'),
        dir,
        ...(h.owner !== undefined ? { owner: h.owner } : {}),
        ...overrides,
      };
    }

    async function start(spec: LaunchSpec & { dir: string }): Promise<ExecutorHandle> {
      await mkdir(spec.dir, { recursive: true });
      const handle = await h.executor.start(spec);
      started.push(handle);
      return handle;
    }

    async function observe(handle: ExecutorHandle): Promise<Observation> {
      const [o] = await h.executor.observe([handle]);
      if (o === undefined) throw new Error('observe() returned no observation for one handle');
      return o;
    }

    async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(100);
      }
    }

    async function waitForExit(handle: ExecutorHandle, ms = slackMs): Promise<Exited> {
      return waitFor(`${handle} to exit`, ms, async () => {
        const o = await observe(handle);
        if (o.state === 'lost') throw new Error(`job ${handle} was lost: ${o.detail}`);
        return o.state === 'exited' ? o : undefined;
      });
    }

    async function readLog(handle: ExecutorHandle, spec: LaunchSpec, stream: 'stdout' | 'stderr', offset?: number): Promise<string> {
      const chunks: Buffer[] = [];
      for await (const c of h.executor.logs(handle, spec, { stream, offset })) chunks.push(c);
      return Buffer.concat(chunks).toString('utf8');
    }

    /** Waits until the job has written `text` to its stdout: it is really running, not just submitted. */
    async function waitForOutput(handle: ExecutorHandle, spec: LaunchSpec, text: string): Promise<void> {
      await waitFor(`"${text}" in the stdout of ${handle}`, slackMs, async () =>
        (await readLog(handle, spec, 'stdout')).includes(text) ? true : undefined,
      );
    }

    function parseEnv(text: string): Map<string, string> {
      const env = new Map<string, string>();
      for (const line of text.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
      }
      return env;
    }

    it('runs a job to exit code 0 and reports it', async () => {
      const spec = aJob('echo hello');
      const handle = await start(spec);
      expect(typeof handle).toBe('string');
      expect(['running', 'exited']).toContain((await observe(handle)).state);
      const o = await waitForExit(handle);
      expect(o).toMatchObject({ handle, exitCode: 0, signal: null, timedOut: false, cancelled: false });
      expect(o.endedAt).toBeGreaterThanOrEqual(o.startedAt - 1000);
      expect(await readLog(handle, spec, 'stdout')).toBe('hello\n');
    }, testTimeout);

    it('reports a non-zero exit code', async () => {
      const handle = await start(aJob('echo failing; exit 42'));
      expect(await waitForExit(handle)).toMatchObject({ exitCode: 42, signal: null, timedOut: false, cancelled: false });
    }, testTimeout);

    it('gives the job its environment, devices and working directory', async () => {
      const placement = h.placement(2);
      const first = placement[0]!;
      const spec = aJob('env; echo "PWD_IS=$(pwd -P)"', {
        placement,
        acceleratorType: h.acceleratorType,
        tasks: 2,
        environment: { CHEOMDAN_TEST_VALUE: 'a b=c', CUDA_VISIBLE_DEVICES: 'spec-cannot-override' },
      });
      const handle = await start(spec);
      expect((await waitForExit(handle)).exitCode).toBe(0);
      const env = parseEnv(await readLog(handle, spec, 'stdout'));
      const devices = first.devices.join(',');
      expect(first.devices.length).toBe(2);
      expect({
        CHEOMDAN_JOB_ID: env.get('CHEOMDAN_JOB_ID'),
        CHEOMDAN_NODE: env.get('CHEOMDAN_NODE'),
        CHEOMDAN_NODES: env.get('CHEOMDAN_NODES'),
        CHEOMDAN_TASKS: env.get('CHEOMDAN_TASKS'),
        CHEOMDAN_ACCELERATOR_TYPE: env.get('CHEOMDAN_ACCELERATOR_TYPE'),
        CHEOMDAN_DEVICES: env.get('CHEOMDAN_DEVICES'),
        CHEOMDAN_TIME_LIMIT_SECONDS: env.get('CHEOMDAN_TIME_LIMIT_SECONDS'),
        CUDA_VISIBLE_DEVICES: env.get('CUDA_VISIBLE_DEVICES'),
        NVIDIA_VISIBLE_DEVICES: env.get('NVIDIA_VISIBLE_DEVICES'),
        CHEOMDAN_TEST_VALUE: env.get('CHEOMDAN_TEST_VALUE'),
        PWD_IS: env.get('PWD_IS'),
      }).toEqual({
        CHEOMDAN_JOB_ID: spec.jobId,
        CHEOMDAN_NODE: first.node,
        CHEOMDAN_NODES: placement.map((a) => a.node).join(','),
        CHEOMDAN_TASKS: '2',
        CHEOMDAN_ACCELERATOR_TYPE: h.acceleratorType,
        CHEOMDAN_DEVICES: devices,
        CHEOMDAN_TIME_LIMIT_SECONDS: '300',
        CUDA_VISIBLE_DEVICES: devices,
        NVIDIA_VISIBLE_DEVICES: devices,
        CHEOMDAN_TEST_VALUE: 'a b=c',
        PWD_IS: realpathSync(h.workDir),
      });
    }, testTimeout);

    it('hides every device from a job that has none', async () => {
      const spec = aJob('env', { placement: h.placement(0) });
      const handle = await start(spec);
      expect((await waitForExit(handle)).exitCode).toBe(0);
      const env = parseEnv(await readLog(handle, spec, 'stdout'));
      expect([env.get('CUDA_VISIBLE_DEVICES'), env.get('NVIDIA_VISIBLE_DEVICES'), env.get('CHEOMDAN_ACCELERATOR_TYPE')])
        .toEqual(['', 'none', '']);
    }, testTimeout);

    it('captures stdout and stderr separately', async () => {
      const spec = aJob('echo out1; echo err1 >&2; echo out2; echo err2 >&2');
      const handle = await start(spec);
      await waitForExit(handle);
      expect(await readLog(handle, spec, 'stdout')).toBe('out1\nout2\n');
      expect(await readLog(handle, spec, 'stderr')).toBe('err1\nerr2\n');
    }, testTimeout);

    it('reads logs from a byte offset', async () => {
      const spec = aJob('printf 0123456789');
      const handle = await start(spec);
      await waitForExit(handle);
      expect(await readLog(handle, spec, 'stdout', 4)).toBe('456789');
      expect(await readLog(handle, spec, 'stdout', 10)).toBe('');
    }, testTimeout);

    it('follows logs while the job runs and ends once it has exited and all output is read', async () => {
      const spec = aJob('for i in 1 2 3 4; do echo "line $i"; sleep 0.5; done; echo done');
      const handle = await start(spec);
      let text = '';
      let stateAtFirstChunk: string | undefined;
      for await (const c of h.executor.logs(handle, spec, { stream: 'stdout', follow: true })) {
        if (stateAtFirstChunk === undefined) stateAtFirstChunk = (await observe(handle)).state;
        text += c.toString('utf8');
      }
      expect(stateAtFirstChunk).toBe('running');
      expect(text).toBe('line 1\nline 2\nline 3\nline 4\ndone\n');
      expect((await observe(handle)).state).toBe('exited');
    }, testTimeout);

    it('follows stderr from a byte offset', async () => {
      const spec = aJob('printf abcdef >&2; sleep 1; printf ghi >&2');
      const handle = await start(spec);
      let text = '';
      for await (const c of h.executor.logs(handle, spec, { stream: 'stderr', offset: 3, follow: true })) text += c.toString('utf8');
      expect(text).toBe('defghi');
    }, testTimeout);

    it('stops following logs when the signal aborts', async () => {
      const spec = aJob('echo first; sleep 300');
      const handle = await start(spec);
      const abort = new AbortController();
      let text = '';
      const t0 = Date.now();
      for await (const c of h.executor.logs(handle, spec, { stream: 'stdout', follow: true, signal: abort.signal })) {
        text += c.toString('utf8');
        abort.abort();
      }
      expect(text).toBe('first\n');
      expect(Date.now() - t0).toBeLessThan(slackMs);
      await h.executor.cancel(handle);
      await waitForExit(handle, grace * 1000 + slackMs);
    }, testTimeout);

    it('enforces the time limit on the whole process group', async () => {
      // A background child and a background loop must die with the job: the loop's heartbeat stops.
      const spec = aJob('', { timeLimitSeconds: timeLimit });
      spec.script = [
        `sleep 1000 & echo "$(hostname) $!" > '${spec.dir}/child.pid'`,
        `(while :; do echo beat >> '${spec.dir}/heartbeat'; sleep 0.2; done) &`,
        'echo started',
        'sleep 1000',
      ].join('\n');
      const handle = await start(spec);
      const o = await waitForExit(handle, (timeLimit + grace) * 1000 + slackMs);
      expect(o).toMatchObject({ timedOut: true, cancelled: false });
      expect(o.exitCode === 0 && o.signal === null).toBe(false);
      expect(o.endedAt - o.startedAt).toBeGreaterThanOrEqual(timeLimit * 1000 - 1000);
      await expectProcessGroupGone(spec.dir);
    }, testTimeout);

    it('kills what the job left running in the background when its script ends', async () => {
      const spec = aJob('');
      spec.script = [
        `sleep 1000 & echo "$(hostname) $!" > '${spec.dir}/child.pid'`,
        `(while :; do echo beat >> '${spec.dir}/heartbeat'; sleep 0.2; done) &`,
        'sleep 0.5',
        'exit 0',
      ].join('\n');
      const handle = await start(spec);
      expect(await waitForExit(handle)).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
      await expectProcessGroupGone(spec.dir);
    }, testTimeout);

    it('kills a job that ignores SIGTERM after the grace period', async () => {
      const spec = aJob(`trap '' TERM; echo started; sleep 1000; echo survived`, { timeLimitSeconds: timeLimit });
      const handle = await start(spec);
      const o = await waitForExit(handle, (timeLimit + grace) * 1000 + slackMs);
      expect(o).toMatchObject({ timedOut: true, cancelled: false });
      expect(o.exitCode === 0 && o.signal === null).toBe(false);
      expect(await readLog(handle, spec, 'stdout')).toBe('started\n');
    }, testTimeout);

    it('cancels a running job: SIGTERM first, so it can clean up', async () => {
      const spec = aJob(`trap 'echo cleanup; exit 0' TERM; echo started; sleep 1000 & wait`);
      const handle = await start(spec);
      await waitForOutput(handle, spec, 'started');
      await h.executor.cancel(handle);
      const o = await waitForExit(handle, grace * 1000 + slackMs);
      expect(o).toMatchObject({ cancelled: true, timedOut: false });
      expect(await readLog(handle, spec, 'stdout')).toBe('started\ncleanup\n');
    }, testTimeout);

    it('cancel is idempotent and kills the whole process group', async () => {
      const spec = aJob('');
      spec.script = [
        `sleep 1000 & echo "$(hostname) $!" > '${spec.dir}/child.pid'`,
        `(while :; do echo beat >> '${spec.dir}/heartbeat'; sleep 0.2; done) &`,
        `trap '' TERM`,
        'echo started',
        'sleep 1000',
      ].join('\n');
      const handle = await start(spec);
      await waitForOutput(handle, spec, 'started');
      await h.executor.cancel(handle);
      await h.executor.cancel(handle);
      const o = await waitForExit(handle, grace * 1000 + slackMs);
      expect(o).toMatchObject({ cancelled: true, timedOut: false });
      await h.executor.cancel(handle);
      expect(await observe(handle)).toEqual(o);
      await expectProcessGroupGone(spec.dir);
    }, testTimeout);

    it('cancel right after start never leaves the job running', async () => {
      const spec = aJob('sleep 1000');
      const handle = await start(spec);
      await h.executor.cancel(handle);
      expect(await waitForExit(handle, grace * 1000 + slackMs)).toMatchObject({ cancelled: true });
    }, testTimeout);

    it('cancelling a finished job changes nothing', async () => {
      const handle = await start(aJob('exit 0'));
      const o = await waitForExit(handle);
      await h.executor.cancel(handle);
      expect(await observe(handle)).toEqual(o);
      expect(o.cancelled).toBe(false);
    }, testTimeout);

    it('observes several jobs in one call, in order', async () => {
      const a = await start(aJob('exit 1'));
      const b = await start(aJob('exit 2'));
      await waitForExit(a);
      await waitForExit(b);
      const got = await h.executor.observe([b, a, b]);
      expect(got.map((o) => [o.handle, o.state === 'exited' ? o.exitCode : o.state])).toEqual([[b, 2], [a, 1], [b, 2]]);
      expect(await h.executor.observe([])).toEqual([]);
    }, testTimeout);

    it('finds a job\'s runs by job id, where the executor implements lookup()', async (ctx) => {
      const { lookup } = h.executor;
      if (lookup === undefined) {
        ctx.skip();
        return;
      }
      const spec = aJob('exit 0');
      const first = await start(spec);
      await waitForExit(first);
      const second = await start(aJob('exit 0', { jobId: spec.jobId }));
      expect(await lookup.call(h.executor, spec.jobId)).toEqual([first, second]);
      expect(await lookup.call(h.executor, asJobId(`never-started-${randomBytes(4).toString('hex')}`))).toEqual([]);
      await waitForExit(second);
    }, testTimeout);

    it('reports unknown and malformed handles as lost, without throwing', async () => {
      const garbage = ['', 'garbage', '../../../etc/passwd', 'local:../x', '999999999', 'slurm:999999999'];
      const got = await h.executor.observe(garbage);
      expect(got.map((o) => o.handle)).toEqual(garbage);
      for (const o of got) {
        expect(o.state).toBe('lost');
        if (o.state === 'lost') expect(o.detail.length).toBeGreaterThan(0);
      }
    }, testTimeout);

    it('fails to start with a clear error when the working directory does not exist, leaving nothing running', async () => {
      const missing = join(h.workDir, `missing-${randomBytes(4).toString('hex')}`);
      const spec = aJob('', { workingDirectory: missing });
      const marker = join(spec.dir, 'ran');
      spec.script = `touch '${marker}'; sleep 1000`;
      await mkdir(spec.dir, { recursive: true });
      const err = await h.executor.start(spec).then(
        (handle) => {
          started.push(handle);
          return new Error(`start() returned ${handle}`);
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).toHaveProperty('code', 'executor_failed');
      expect((err as Error).message).toContain(missing);
      await sleep(1000);
      expect(existsSync(marker)).toBe(false);
    }, testTimeout);

    /**
     * The job wrote its background child's host and pid to child.pid and keeps a heartbeat file growing
     * from another background process: once the job has ended, the heartbeat must stop, and where this test
     * runs on the job's host, the child's pid must be gone.
     */
    async function expectProcessGroupGone(dir: string): Promise<void> {
      const beats = join(dir, 'heartbeat');
      expect(existsSync(beats)).toBe(true);
      await sleep(300); // output already in flight when the group died
      const size = statSync(beats).size;
      await sleep(1000);
      expect(statSync(beats).size).toBe(size);
      const [host, pid] = readFileSync(join(dir, 'child.pid'), 'utf8').trim().split(' ');
      if (host === hostname()) expect(sleepAlive(Number(pid))).toBe(false);
    }
  });
}

/**
 * Whether a pid names a live `sleep 1000` on this host. The command line guards against a reused pid; a
 * zombie has no command line (it has exited and only waits to be reaped).
 */
function sleepAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u00001000\u0000';
  } catch {
    return false;
  }
}
