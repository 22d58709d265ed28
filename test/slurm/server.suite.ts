/**
 * The whole platform on Slurm: `CHEOMDAN_EXECUTOR=slurm` — nodes and GPUs come from Slurm, the scheduler
 * places jobs on them, and the jobs run through slurmrestd and report back through the API like local ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { client, removeCreatedAccounts, waitForJob, type Client } from '../helpers/server.ts';
import type { SlurmTestCluster } from './cluster.ts';

export function serverSuite(get: () => SlurmTestCluster): void {
  describe('the platform with CHEOMDAN_EXECUTOR=slurm', () => {
    let server: RunningServer;
    let home: string;
    let admin: Client;
    const saved = { ...process.env };

    beforeAll(async () => {
      const c = get();
      Object.assign(process.env, {
        SLURM_REST_URL: c.restUrl, SLURM_JWT_KEY_FILE: c.jwtKeyFile, SLURM_PARTITION: c.partition,
        SLURM_DEFAULT_USER: 'root', SLURM_DEFAULT_ACCELERATOR_TYPE: 'nvidia-h100-sxm-80gb',
      });
      home = mkdtempSync(join(tmpdir(), 'chd-slurm-server-'));
      server = await startServer({ host: '127.0.0.1', port: 0, home, executor: 'slurm', logLevel: 'silent', tickMs: 200 });
      admin = client(server.url, (await import('node:fs')).readFileSync(join(home, 'admin-token'), 'utf8').trim());
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await removeCreatedAccounts(home);
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      rmSync(home, { recursive: true, force: true });
    });

    it('takes its nodes and GPUs from Slurm', async () => {
      const c = get();
      const nodes = (await admin.get('/v1/nodes')).body.items;
      expect(nodes.map((n: { name: string }) => n.name).sort()).toEqual([...c.nodes].sort());
      for (const n of nodes) {
        expect(n.source).toBe('slurm');
        expect(n.devices).toHaveLength(c.gpusPerNode);
      }
      expect((await admin.get('/healthz')).body.executor).toBe('slurm');
    });

    it('runs a 2-GPU job and a 2-node gang through Slurm, each seeing exactly its devices', async () => {
      const one = await admin.post('/v1/jobs', { command: ['sh', '-c', 'echo "$(hostname -s 2>/dev/null || true) $CUDA_VISIBLE_DEVICES"'], devicesPerTask: 2, acceleratorTypes: ['h100'], timeLimitSeconds: 120 });
      expect(one.status).toBe(201);
      const gang = await admin.post('/v1/jobs', { command: ['sh', '-c', 'echo "node=$CHEOMDAN_NODE gpus=$CUDA_VISIBLE_DEVICES"'], tasks: 2, nodes: 2, devicesPerTask: 1, acceleratorTypes: ['h100'], timeLimitSeconds: 120 });
      expect(gang.status).toBe(201);
      const a = await waitForJob(admin, one.body.id, undefined, 60_000);
      expect(a).toMatchObject({ state: 'succeeded', exitCode: 0 });
      const devices = a.placement[0].devices;
      expect(devices).toHaveLength(2);
      expect((await admin.get(`/v1/jobs/${one.body.id}/logs`)).body.trim().split(' ').pop()!.split(',')).toHaveLength(2);
      const g = await waitForJob(admin, gang.body.id, undefined, 60_000);
      expect(g.state).toBe('succeeded');
      expect(g.placement).toHaveLength(2);
      const lines = (await admin.get(`/v1/jobs/${gang.body.id}/logs`)).body.trim().split('\n').sort();
      expect(lines).toHaveLength(2);
      expect(lines.map((l: string) => l.split(' ')[0])).toEqual(g.placement.map((p: { node: string }) => `node=${p.node}`).sort());
      for (const l of lines) expect(l).toMatch(/gpus=\d$/);
    }, 120_000);

    it('runs a test-bed benchmark as a Slurm job on a GPU node and stores its result', async () => {
      const r = await admin.post('/v1/testbed/runs', { model: 'digits-cnn', scenario: 'Server', acceleratorType: 'h100', settings: { targetQps: 300, targetLatencyMs: 1000, minDurationMs: 2000, minQueryCount: 800 } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const until = Date.now() + 120_000;
      let run = r.body;
      while (run.finishedAt === null && Date.now() < until) {
        await new Promise((done) => setTimeout(done, 500));
        run = (await admin.get(`/v1/testbed/runs/${r.body.id}`)).body;
      }
      if (run.state !== 'completed') console.log((await admin.get(`/v1/jobs/${run.jobId}/logs?stream=stderr`)).body);
      expect(run.state, JSON.stringify(run.error)).toBe('completed');
      expect(run.summary.valid, run.summary.reasons.join('; ')).toBe(true);
      expect(get().nodes).toContain(run.summary.node);
      expect(run.summary.powerSource).toBe('declared'); // no nvidia-smi on these nodes
      expect(run.result.provenance).toMatchObject({ acceleratorType: 'nvidia-h100-sxm-80gb', jobId: run.jobId });
      expect((await admin.get(`/v1/jobs/${run.jobId}`)).body).toMatchObject({ state: 'succeeded' });
    }, 180_000);
  });
}
