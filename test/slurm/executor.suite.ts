/**
 * The Slurm executor against the real cluster: devices, gangs, exit codes, logs, cancel, time limit,
 * preemption, rejection, lost and foreign jobs, and usage times. Called from slurm.test.ts (one process,
 * in order: the suites share the cluster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlurmExecutor, SlurmObservation } from '../../src/executors/slurm/index.ts';
import { JOB_USER, scontrol, sh, type SlurmTestCluster } from './cluster.ts';
import { aJob, collect, executorFor, read, waitExit, waitFor } from './helpers.ts';

const lines = (s: string) => s.trim().split('\n').filter(Boolean).sort();

export function executorSuite(cluster: () => SlurmTestCluster) {
  describe.sequential('Slurm executor', () => {
    let c: SlurmTestCluster;
    let ex: SlurmExecutor;
    beforeAll(() => {
      c = cluster();
      ex = executorFor(c);
    });
    afterAll(() => ex.close());

    it('runs a 1-GPU job as the job user, in its directory, with its environment, seeing exactly one device', async () => {
      const spec = aJob(c, 'gpu1').on('node1', [0]).env({ GREETING: 'hello' })
        .script('echo "user=$(id -un) cwd=$(pwd) greet=$GREETING job=$CHEOMDAN_JOB_ID cuda=$CUDA_VISIBLE_DEVICES dev=$CHEOMDAN_DEVICES node=$CHEOMDAN_NODE"; echo "$USER $LOGNAME $HOME"; echo oops >&2')
        .build();
      const h = await ex.start(spec);
      expect(h).toMatch(/^\d+$/);
      const o = await waitExit(ex, h);
      expect(o).toMatchObject({ state: 'exited', exitCode: 0, signal: null, cancelled: false, timedOut: false });
      expect(read(spec.stdoutPath).trim()).toBe(
        `user=${JOB_USER} cwd=${spec.workingDirectory} greet=hello job=${spec.jobId} cuda=0 dev=0 node=node1\n`
        + `${JOB_USER} ${JOB_USER} /home/${JOB_USER}`);
      expect(read(spec.stderrPath)).toBe('oops\n');
    });

    it('gives a 3-GPU job three distinct devices of its node', async () => {
      const spec = aJob(c, 'gpu3').on('node2', [0, 1, 2]).script('echo "$CUDA_VISIBLE_DEVICES"').build();
      const o = await waitExit(ex, await ex.start(spec));
      expect(o).toMatchObject({ state: 'exited', exitCode: 0 });
      expect(read(spec.stdoutPath).trim()).toBe('0,1,2');
    });

    it('runs a 2-node gang job as one task per node, each seeing its node\'s 2 GPUs', async () => {
      const spec = aJob(c, 'gang').on('node3', [0, 1]).on('node4', [0, 1])
        .script('echo "$CHEOMDAN_NODE tasks=$CHEOMDAN_TASKS rank=$SLURM_PROCID cuda=$CUDA_VISIBLE_DEVICES"').build();
      const o = await waitExit(ex, await ex.start(spec));
      expect(o).toMatchObject({ state: 'exited', exitCode: 0 });
      expect(lines(read(spec.stdoutPath))).toEqual([
        expect.stringMatching(/^node3 tasks=2 rank=[01] cuda=0,1$/),
        expect.stringMatching(/^node4 tasks=2 rank=[01] cuda=0,1$/),
      ]);
    });

    it('gives a CPU-only job no GPU (CUDA_VISIBLE_DEVICES empty, not unset)', async () => {
      const spec = aJob(c, 'cpu').on('node1').script('echo "[${CUDA_VISIBLE_DEVICES-unset}] [$NVIDIA_VISIBLE_DEVICES]"').build();
      await waitExit(ex, await ex.start(spec));
      expect(read(spec.stdoutPath).trim()).toBe('[] [none]');
    });

    it('reports a non-zero exit code, and a gang task\'s failure ends the gang', async () => {
      const one = aJob(c, 'exit3').script('exit 3').build();
      const gang = aJob(c, 'gangfail').on('node1').on('node2')
        .script('if [ "$SLURM_PROCID" = 1 ]; then exit 7; fi; sleep 30').build();
      const [h1, h2] = await Promise.all([ex.start(one), ex.start(gang)]);
      expect(await waitExit(ex, h1)).toMatchObject({ state: 'exited', exitCode: 3, cancelled: false });
      const o2 = await waitExit(ex, h2, 20_000);
      expect(o2.state).toBe('exited');
      if (o2.state === 'exited') {
        // srun ends the other task (--kill-on-bad-exit); the batch step's code is srun's, not always 7
        expect(o2.exitCode !== 0).toBe(true);
        expect(o2.endedAt - o2.startedAt).toBeLessThan(20_000);
      }
    });

    it('streams stdout while the job runs and ends the stream when the job ends', async () => {
      const spec = aJob(c, 'logs').script('for i in 1 2 3 4; do echo line$i; sleep 0.5; done; echo err >&2').build();
      const h = await ex.start(spec);
      const seen: number[] = [];
      const t0 = Date.now();
      const parts: string[] = [];
      for await (const b of ex.logs(h, spec, { stream: 'stdout', follow: true })) {
        parts.push(b.toString());
        seen.push(Date.now() - t0);
      }
      expect(parts.join('')).toBe('line1\nline2\nline3\nline4\n');
      expect(seen.length).toBeGreaterThan(1); // delivered in pieces while it ran, not all at the end
      expect(await collect(ex.logs(h, spec, { stream: 'stderr' }))).toBe('err\n');
      expect(await collect(ex.logs(h, spec, { stream: 'stdout', offset: 6 }))).toBe('line2\nline3\nline4\n');
    });

    it('cancels: the job gets SIGTERM, ends cancelled, and cancel is idempotent', async () => {
      const spec = aJob(c, 'cancel').script('trap "echo got TERM; exit 143" TERM; echo ready; sleep 60 & wait').build();
      const h = await ex.start(spec);
      await waitFor(ex, h, () => read(spec.stdoutPath).includes('ready'), 10_000).catch(() => undefined);
      await ex.cancel(h);
      const o = await waitExit(ex, h, 20_000);
      expect(o).toMatchObject({ state: 'exited', cancelled: true, timedOut: false });
      expect(read(spec.stdoutPath)).toContain('got TERM');
      await ex.cancel(h);
    });

    it('ends a job at its time limit to the second (Slurm only counts minutes) and reports timedOut', async () => {
      const spec = aJob(c, 'limit').timeLimit(3).script('echo start; sleep 60').build();
      const h = await ex.start(spec);
      const o = await waitExit(ex, h, 20_000);
      expect(o).toMatchObject({ state: 'exited', timedOut: true, cancelled: false });
      if (o.state === 'exited') {
        expect(o.endedAt - o.startedAt).toBeGreaterThanOrEqual(3000);
        expect(o.endedAt - o.startedAt).toBeLessThanOrEqual(6000);
      }
      // a fresh executor (a restarted controller) reads the same outcome from Slurm alone
      const fresh = executorFor(c);
      expect((await fresh.observe([h]))[0]).toMatchObject({ state: 'exited', timedOut: true, cancelled: false });
      await fresh.close();
    });

    it('preempts: the job ends cancelled and is marked preempted', async () => {
      const h = await ex.start(aJob(c, 'preempt').script('sleep 60').build());
      await ex.preempt(h);
      const o = (await waitExit(ex, h, 20_000)) as SlurmObservation;
      expect(o).toMatchObject({ state: 'exited', cancelled: true, preempted: true });
    });

    it('takes usage times from Slurm: start and end as slurmctld records them', async () => {
      const h = await ex.start(aJob(c, 'usage').script('sleep 2').build());
      const o = await waitExit(ex, h);
      const show = scontrol('show', 'job', h);
      const at = (k: string) => Date.parse(`${new RegExp(` ${k}=(\\S+)`).exec(show)?.[1]}`); // local time, as slurmctld on this host prints it
      expect(o.state).toBe('exited');
      if (o.state === 'exited') {
        expect(o.startedAt).toBe(at('StartTime'));
        expect(o.endedAt).toBe(at('EndTime'));
        expect(o.endedAt - o.startedAt).toBeGreaterThanOrEqual(2000);
      }
    });

    it('fails a start that Slurm rejects, with Slurm\'s reason, and leaves nothing behind', async () => {
      const before = sh('squeue', ['-h', '-o', '%i']).trim();
      await expect(ex.start(aJob(c, 'badnode').on('node99').build())).rejects.toThrow(/Slurm did not accept job .*Invalid node name/i);
      await expect(ex.start(aJob(c, 'baduser').user('no-such-user-x').build())).rejects.toThrow(/no-such-user-x/);
      const bad = executorFor(c, { partition: 'nosuchpartition' });
      await expect(bad.start(aJob(c, 'badpart').build())).rejects.toThrow(/Invalid partition name/i);
      await bad.close();
      expect(sh('squeue', ['-h', '-o', '%i']).trim()).toBe(before);
    });

    it('reports a job Slurm does not know as lost, and Slurm jobs it does not know as foreign, untouched', async () => {
      expect((await ex.observe(['99999999']))[0]).toMatchObject({ state: 'lost', detail: expect.stringContaining('99999999') });
      const foreign = sh('sbatch', ['--parsable', '-p', c.partition, '-o', '/dev/null', '--wrap', 'sleep 30']).trim();
      const mine = await ex.start(aJob(c, 'mine').script('sleep 30').build());
      try {
        // (other jobs on this shared machine's cluster may show up too: look for ours)
        const found = await ex.foreignJobs([mine]);
        const ids = found.map((f) => String(f.slurmJobId));
        expect(ids).toContain(foreign);
        expect(ids).not.toContain(mine);
        expect(found.find((f) => String(f.slurmJobId) === foreign)).toMatchObject({ user: 'root', cheomdanJobId: null, state: 'RUNNING' });
        expect(sh('squeue', ['-h', '-j', foreign, '-o', '%T']).trim()).toBe('RUNNING');
      } finally {
        sh('scancel', [foreign]);
        await ex.cancel(mine);
      }
    });
  });
}
