/**
 * Jobs end to end through the real HTTP API: real server on loopback, real processes via the local
 * executor, the demo inventory (declared H100s and RNGDs; no real GPUs needed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, JobEventList, JobPage } from '../src/contract/index.ts';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let acme: Client;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  acme = (await tenantWithOwner(s.url, admin, 'acme-ai')).owner;
});
afterAll(async () => s?.close());

describe('a job runs for real', () => {
  it('runs a command, records exit 0, and keeps its output', async () => {
    const r = await acme.post('/v1/jobs', { command: ['sh', '-c', 'echo hello from $CHEOMDAN_JOB_ID'] });
    expect(r.status).toBe(201);
    const job = Job.parse(r.body);
    expect(job.state).toBe('pending');
    const done = await waitForJob(acme, job.id);
    expect(done.state).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    const logs = await acme.get(`/v1/jobs/${job.id}/logs`);
    expect(logs.body).toBe(`hello from ${job.id}\n`);
    const events = JobEventList.parse((await acme.get(`/v1/jobs/${job.id}/events`)).body);
    expect(events.items.filter((e) => e.kind === 'state').map((e) => e.toState)).toEqual(['pending', 'starting', 'running', 'succeeded']);
  });

  it('gives a GPU job exactly its devices in CUDA_VISIBLE_DEVICES', async () => {
    const r = await acme.post('/v1/jobs', {
      command: ['sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES|$NVIDIA_VISIBLE_DEVICES"'],
      devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'],
    });
    expect(r.status).toBe(201);
    const done = await waitForJob(acme, r.body.id);
    expect(done.state).toBe('succeeded');
    expect(done.placement).toHaveLength(1);
    const devices = done.placement[0].devices.join(',');
    expect(devices.split(',')).toHaveLength(2);
    expect((await acme.get(`/v1/jobs/${r.body.id}/logs`)).body).toBe(`${devices}|${devices}\n`);
    expect(done.acceleratorType).toBe('nvidia-h100-sxm-80gb');
  });

  it('records a non-zero exit as failed with the code', async () => {
    const r = await acme.post('/v1/jobs', { command: ['sh', '-c', 'echo oops >&2; exit 3'] });
    const done = await waitForJob(acme, r.body.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: 3, failureReason: 'exited with code 3' });
    expect((await acme.get(`/v1/jobs/${r.body.id}/logs?stream=stderr`)).body).toBe('oops\n');
  });

  it('enforces the time limit', async () => {
    const r = await acme.post('/v1/jobs', { command: ['sleep', '30'], timeLimitSeconds: 1 });
    const done = await waitForJob(acme, r.body.id, undefined, 20_000);
    expect(done.state).toBe('timed_out');
  });

  it('cancels a running job', async () => {
    const r = await acme.post('/v1/jobs', { command: ['sleep', '30'] });
    await waitForJob(acme, r.body.id, ['running']);
    const c = await acme.post(`/v1/jobs/${r.body.id}/cancel`);
    expect(c.status).toBe(200);
    const done = await waitForJob(acme, r.body.id);
    expect(done.state).toBe('cancelled');
    const again = await acme.post(`/v1/jobs/${r.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_transition');
  });

  it('runs a #SBATCH script as Slurm users write it', async () => {
    const script = [
      '#!/bin/bash', '#SBATCH -J train-llm', '#SBATCH -t 00:05:00', '#SBATCH --gres=gpu:h100:2', '#SBATCH -o out-%j.txt',
      'echo "gpus=$CUDA_VISIBLE_DEVICES"',
    ].join('\n');
    const r = await acme.post('/v1/jobs', { script });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'train-llm', request: { timeLimitSeconds: 300, devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'] } });
    const done = await waitForJob(acme, r.body.id);
    expect(done.state).toBe('succeeded');
    const logs = await acme.get(`/v1/jobs/${r.body.id}/logs`);
    expect(logs.body).toMatch(/^gpus=\d,\d\n$/);
  });

  it('explains a job that must wait, with an estimated start', async () => {
    // The demo cluster has 8 H100s: hold all of them, then ask for more.
    const big = await acme.post('/v1/jobs', { command: ['sleep', '20'], tasks: 2, devicesPerTask: 4, nodes: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 60 });
    expect(big.status).toBe(201);
    await waitForJob(acme, big.body.id, ['running']);
    const waiting = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
    const j = (await waitFor(() => acme.get(`/v1/jobs/${waiting.body.id}`), (r) => r.body.pendingReason === 'resources', 10_000, 'a pending reason')).body;
    expect(j.state).toBe('pending');
    expect(j.pendingMessage).toMatch(/h100/i);
    expect(j.estimatedStart).not.toBeNull();
    await acme.post(`/v1/jobs/${big.body.id}/cancel`);
    expect((await waitForJob(acme, waiting.body.id)).state).toBe('succeeded');
  });

  it('a cancel that races the start always wins', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await acme.post('/v1/jobs', { command: ['sleep', '5'] });
      const c = await acme.post(`/v1/jobs/${r.body.id}/cancel`);
      expect(c.status).toBe(200);
      ids.push(r.body.id);
    }
    for (const id of ids) expect((await waitForJob(acme, id)).state).toBe('cancelled');
  });

  it('keeps logs in the job directory whatever -o says, so the API never reads files the job chose', async () => {
    const r = await acme.post('/v1/jobs', { script: '#!/bin/bash\n#SBATCH -o /etc/passwd\necho mine\n' });
    expect(r.status).toBe(201);
    expect(r.body.warnings.join(' ')).toMatch(/logs are kept in the job's directory, as passwd/);
    await waitForJob(acme, r.body.id);
    expect((await acme.get(`/v1/jobs/${r.body.id}/logs`)).body).toBe('mine\n');
    const bad = await acme.post('/v1/jobs', { script: '#!/bin/bash\n#SBATCH -e ..\necho x\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_script');
  });

  it('lets tenants lower, but not raise, their jobs\' priority', async () => {
    const up = await acme.post('/v1/jobs', { command: ['true'], priority: 10 });
    expect(up.status).toBe(403);
    expect(up.body.detail).toMatch(/only operators can raise a job's priority/);
    expect((await acme.post('/v1/jobs', { command: ['true'], priority: -10 })).status).toBe(201);
    expect((await admin.post('/v1/jobs', { command: ['true'], priority: 10 })).status).toBe(201);
  });

  it('cancels a pending job at once', async () => {
    const hold = await acme.post('/v1/jobs', { command: ['sleep', '20'], tasks: 2, devicesPerTask: 4, nodes: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
    await waitForJob(acme, hold.body.id, ['running']);
    const p = await acme.post('/v1/jobs', { command: ['true'], tasks: 2, nodes: 2, devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
    expect(p.status).toBe(201);
    const c = await acme.post(`/v1/jobs/${p.body.id}/cancel`);
    expect(c.body.state).toBe('cancelled');
    await acme.post(`/v1/jobs/${hold.body.id}/cancel`);
    await waitForJob(acme, hold.body.id);
  });

  it('streams logs with follow until the job ends', async () => {
    const r = await acme.post('/v1/jobs', { command: ['sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.3; done'] });
    const followed = await acme.get(`/v1/jobs/${r.body.id}/logs?follow=true`);
    expect(followed.body).toBe('line 1\nline 2\nline 3\n');
  });

  it('lists jobs newest first with keyset pagination and state filters', async () => {
    const all = JobPage.parse((await acme.get('/v1/jobs?limit=3')).body);
    expect(all.items).toHaveLength(3);
    expect(all.nextCursor).not.toBeNull();
    const next = JobPage.parse((await acme.get(`/v1/jobs?limit=3&cursor=${encodeURIComponent(all.nextCursor!)}`)).body);
    expect(next.items[0]!.id).not.toBe(all.items[0]!.id);
    const seen = new Set([...all.items, ...next.items].map((j) => j.id));
    expect(seen.size).toBe(6);
    const failed = JobPage.parse((await acme.get('/v1/jobs?state=failed,timed_out')).body);
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((j) => ['failed', 'timed_out'].includes(j.state))).toBe(true);
  });
});

describe('the platform around the jobs', () => {
  it('serves health, OpenAPI generated from the contract, docs and Prometheus metrics', async () => {
    const h = await client(s.url).get('/healthz');
    expect(h.body).toMatchObject({ status: 'ok', store: 'sqlite', executor: 'local' });
    const o = await client(s.url).get('/openapi.json');
    expect(o.body.openapi).toMatch(/^3\./);
    expect(Object.keys(o.body.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/nodes', '/v1/capacity', '/v1/auth/login']));
    expect(JSON.stringify(o.body.paths['/v1/jobs'].post)).toContain('devicesPerTask');
    const d = await fetch(`${s.url}/docs/`);
    expect(d.status).toBe(200);
    const m = await client(s.url).get('/metrics');
    expect(m.body).toContain('cheomdan_jobs_submitted_total');
    expect(m.body).toContain('cheomdan_controller_cycle_seconds');
  });

  it('keeps an audit log that operators can page through', async () => {
    const first = await admin.get('/v1/audit?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    const all = await admin.get('/v1/audit?action=tenant.create');
    expect(all.body.items.map((e: any) => e.detail.slug)).toContain('acme-ai');
    const next = await admin.get(`/v1/audit?limit=1&before=${first.body.nextBefore}`);
    expect(next.body.items[0].id).toBeLessThan(first.body.items[0].id);
  });

  it('shows nodes with declared devices and capacity in PF', async () => {
    const n = await acme.get('/v1/nodes');
    expect(n.status).toBe(200);
    expect(n.body.items.length).toBeGreaterThan(0);
    expect(n.body.items.every((x: any) => x.source === 'declared')).toBe(true);
    const c = await acme.get('/v1/capacity');
    expect(c.status).toBe(200);
    expect(c.body.rows.find((r: any) => r.acceleratorType === 'nvidia-h100-sxm-80gb').devices).toBe(8);
  });

  it('lets an operator drain a node, and the scheduler stops placing there', async () => {
    const nodes = (await admin.get('/v1/nodes')).body.items.filter((x: any) => x.devices.some((d: any) => d.type === 'nvidia-h100-sxm-80gb'));
    for (const node of nodes) {
      const r = await admin.patch(`/v1/nodes/${node.name}`, { state: 'draining', reason: 'maintenance' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ state: 'draining', stateReason: 'maintenance' });
    }
    const j = await acme.post('/v1/jobs', { command: ['true'], devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'] });
    const pending = (await waitFor(() => acme.get(`/v1/jobs/${j.body.id}`), (r) => r.body.pendingReason !== 'not_yet_scheduled', 5000, 'a reason')).body;
    expect(pending.state).toBe('pending');
    expect(pending.pendingReason).toBe('nodes_unavailable');
    for (const node of nodes) await admin.patch(`/v1/nodes/${node.name}`, { state: 'up' });
    expect((await waitForJob(acme, j.body.id)).state).toBe('succeeded');
  });
});
