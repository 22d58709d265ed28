/**
 * Faults against the real cluster, each injected for real: slurmctld restarted mid-job and down during a
 * submit, slurmrestd down (CLI fallback), a node going down under a running gang job, and Slurm refusing a
 * job (tested in executor.suite.ts). Called from slurm.test.ts, after the executor suite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FailoverSlurmClient, slurmInventory, type SlurmClientEvent, type SlurmExecutor, type SlurmObservation,
} from '../../src/executors/slurm/index.ts';
import { clusterScript, JOB_USER, nodeStateOf, scontrol, type SlurmTestCluster } from './cluster.ts';
import { aJob, executorFor, read, until, waitExit } from './helpers.ts';

export function faultSuite(cluster: () => SlurmTestCluster) {
  describe.sequential('Slurm executor under faults', () => {
    let c: SlurmTestCluster;
    let ex: SlurmExecutor;
    beforeAll(() => {
      c = cluster();
      ex = executorFor(c, { retry: { budgetMs: 40_000 } });
    });
    afterAll(async () => {
      await ex.close();
      clusterScript('start'); // whatever a failed test left stopped comes back
    });

    it('keeps a running job through a slurmctld restart: same job, same start time, full output', async () => {
      const spec = aJob(c, 'ctld').on('node1', [0]).on('node2', [0])
        .script('echo "before $CHEOMDAN_NODE"; sleep 8; echo "after $CHEOMDAN_NODE"').build();
      const h = await ex.start(spec);
      // mid-job means both tasks already run. A restart while srun is still creating its step (which a loaded
      // CI machine hit) is survived too, but srun then retries the step for about 70 s before the tasks start
      await until(() => read(spec.stdoutPath).split('\n').filter((l) => l.startsWith('before')).length === 2, 30_000, 'both tasks to print');
      const [before] = await ex.observe([h]);
      clusterScript('restart-controller');
      const [during] = await ex.observe([h]);
      expect(during).toMatchObject({ state: 'running', startedAt: before?.state === 'running' ? before.startedAt : -1 });
      const o = await waitExit(ex, h, 60_000);
      expect(o).toMatchObject({ state: 'exited', exitCode: 0, cancelled: false });
      expect(read(spec.stdoutPath).split('\n').filter(Boolean).sort()).toEqual(['after node1', 'after node2', 'before node1', 'before node2']);
    }, 120_000);

    it('while slurmctld is down: observe fails (it does not call jobs lost); a submit retries with backoff until it is back', async () => {
      const events: SlurmClientEvent[] = [];
      const patient = executorFor(c, { retry: { budgetMs: 60_000, initialDelayMs: 250 }, onEvent: (e) => events.push(e) });
      const impatient = executorFor(c, { retry: { budgetMs: 0 }, cliFallback: false });
      const done = await ex.start(aJob(c, 'known').script('true').build());
      await waitExit(ex, done);
      clusterScript('stop-controller');
      try {
        await expect(impatient.observe([done])).rejects.toThrow(/could not list Slurm jobs/);
        const spec = aJob(c, 'retried').script('echo ran as $(id -un)').build();
        const starting = patient.start(spec);
        await sleep(1500);
        clusterScript('start-controller');
        const h = await starting;
        expect(events.some((e) => e.kind === 'retry' && e.op === 'submit')).toBe(true);
        expect(await waitExit(patient, h)).toMatchObject({ state: 'exited', exitCode: 0 });
        expect(read(spec.stdoutPath)).toBe(`ran as ${JOB_USER}\n`);
        // exactly one Slurm job for the Cheomdan job: the retried submit did not double it
        const jobs = (await patient.client.jobs()).filter((j) => j.name === `chd-${spec.jobId}`);
        expect(jobs.map((j) => j.job_id)).toEqual([Number(h)]);
        expect((await impatient.observe([done]))[0]).toMatchObject({ state: 'exited', exitCode: 0 });
      } finally {
        clusterScript('start-controller');
        await patient.close();
        await impatient.close();
      }
    }, 90_000);

    it('with slurmrestd down, falls back to sbatch/squeue/scancel as the job user; nothing is lost when REST returns', async () => {
      const events: SlurmClientEvent[] = [];
      const fb = executorFor(c, { onEvent: (e) => events.push(e), restCooldownMs: 500 });
      const client = fb.client as FailoverSlurmClient;
      clusterScript('stop-rest');
      let gang: string;
      let long: string;
      const spec = aJob(c, 'cli').on('node3', [0, 1]).on('node4', [0, 1])
        .script('echo "$(id -un) $CHEOMDAN_NODE $CUDA_VISIBLE_DEVICES"').build();
      try {
        gang = await fb.start(spec);
        expect(events.some((e) => e.kind === 'fallback' && e.op === 'submit')).toBe(true);
        expect(client.lastTransport).toBe('cli');
        expect(await waitExit(fb, gang)).toMatchObject({ state: 'exited', exitCode: 0 });
        expect(read(spec.stdoutPath).split('\n').filter(Boolean).sort()).toEqual([`${JOB_USER} node3 0,1`, `${JOB_USER} node4 0,1`]);
        long = await fb.start(aJob(c, 'clicancel').script('sleep 60').build());
        await fb.cancel(long);
        expect(await waitExit(fb, long, 20_000)).toMatchObject({ state: 'exited', cancelled: true });
      } finally {
        clusterScript('start');
      }
      await sleep(600); // past the REST cooldown
      const seen = await fb.observe([gang, long]);
      expect(client.lastTransport).toBe('rest');
      expect(seen).toMatchObject([{ state: 'exited', exitCode: 0 }, { state: 'exited', cancelled: true }]);
      await fb.close();
    }, 60_000);

    it('a node going down mid-job fails the job with the reason; the inventory shows it down, then up on resume', async () => {
      const opts = { partitions: [c.partition], defaultAcceleratorType: 'nvidia-h100-sxm-80gb' };
      const spec = aJob(c, 'nodedown').on('node3', [0]).on('node4', [0]).script('echo up; sleep 60').build();
      const h = await ex.start(spec);
      // ReturnToService=2 lets slurmd bring the node back soon, so on a loaded machine one look after the
      // update can miss the DOWN state: read the inventory continuously from before the update until the
      // job has ended, and require DOWN among what was seen.
      const seen = new Set<string>();
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const s = (await slurmInventory(ex.client, opts).catch(() => [])).find((n) => n.name === 'node4')?.state;
          if (s) seen.add(s);
          await sleep(50);
        }
      })();
      try {
        scontrol('update', 'nodename=node4', 'state=down', 'reason=cheomdan-fault-test');
        const o = (await waitExit(ex, h, 30_000)) as SlurmObservation;
        watching = false;
        await watcher;
        // The job's NODE_FAIL (below) proves the fault. On a loaded machine slurmd can re-register the node
        // between two reads of the inventory (seen in CI), so a missed DOWN is reported, not failed; the
        // inventory's state mapping is also read by the drain/resume test.
        if (!seen.has('down')) console.warn(`node4 was back up before the inventory was read (seen: ${[...seen].join(', ')})`);
        expect(o).toMatchObject({ state: 'exited', exitCode: null, cancelled: false, timedOut: false });
        expect(o.detail).toMatch(/NODE_FAIL|requeued/);
        // the job is not left running on the surviving node
        expect(nodeStateOf('node3')).toMatch(/idle|mix/);
        // a start onto a down node fails at once with Slurm's reason
        scontrol('update', 'nodename=node4', 'state=down', 'reason=cheomdan-fault-test');
        await expect(ex.start(aJob(c, 'ondown').on('node4').build())).rejects.toThrow(/not available|ReqNodeNotAvail/i);
      } finally {
        watching = false;
        await watcher;
        if (/down|drain/.test(nodeStateOf('node4'))) scontrol('update', 'nodename=node4', 'state=resume');
      }
      const until = Date.now() + 15_000;
      while ((await slurmInventory(ex.client, opts)).find((n) => n.name === 'node4')?.state !== 'up') {
        if (Date.now() > until) throw new Error('node4 did not come back up');
        await sleep(250);
      }
    });
  });
}
