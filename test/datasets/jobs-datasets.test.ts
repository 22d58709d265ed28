/**
 * Datasets in jobs on a real server (local executor; as root, jobs run as their owners): a job names a
 * dataset (field or #CHEOMDAN --dataset line), is pinned to a committed version at submit, and reads it at
 * $CHEOMDAN_DATASET_<NAME> and at a link in its directory — read-only; bad references are refused at submit
 * and nothing is queued; a restricted dataset needs a grant, and each mount is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';

let s: TestServer;
let admin: Client;
let owner: Client;
let other: Client;
let tus: ReturnType<typeof tusClient>;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'gist-lab');
  owner = t.owner;
  other = (await tenantWithOwner(s.url, admin, 'other-co')).owner;
  const token = (await client(s.url).post('/v1/auth/login', { email: t.email, password: 'correct horse battery' })).body.token;
  tus = tusClient(s.url, token);
  expect((await owner.post('/v1/datasets', { name: 'mnist.small' })).status).toBe(201);
  expect((await tus.put({ dataset: 'mnist.small', path: 'train/labels.txt' }, Buffer.from('7 2 1 0 4\n'))).status).toBe(204);
  expect((await owner.post('/v1/datasets/mnist.small/versions/1/commit', {})).status).toBe(200);
  expect((await owner.post('/v1/datasets/mnist.small/versions', {})).status).toBe(201);
  expect((await tus.put({ dataset: 'mnist.small', path: 'train/labels.txt', version: '2' }, Buffer.from('version two\n'))).status).toBe(204);
  expect((await owner.post('/v1/datasets/mnist.small/versions/2/commit', {})).status).toBe(200);
}, 60_000);
afterAll(async () => s?.close());

const said = (r: { body: { detail?: string } }) => String(r.body.detail);

describe('a job reads a dataset version', () => {
  it('at $CHEOMDAN_DATASET_<NAME> and at the link it asked for, pinned to the version named; it cannot write there', async () => {
    const j = await owner.post('/v1/jobs', {
      datasets: ['mnist.small@1:data/mnist'],
      command: ['sh', '-c', 'cat "$CHEOMDAN_DATASET_MNIST_SMALL/train/labels.txt"; cat data/mnist/train/labels.txt; touch "$CHEOMDAN_DATASET_MNIST_SMALL/x" 2>/dev/null && echo WROTE || echo read-only'],
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    const done = await waitForJob(owner, j.body.id, undefined, 30_000);
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    const err = (await owner.get(`/v1/jobs/${j.body.id}/logs?stream=stderr`)).body;
    expect((await owner.get(`/v1/jobs/${j.body.id}/logs`)).body, err).toBe('7 2 1 0 4\n7 2 1 0 4\nread-only\n');
  });

  it('#CHEOMDAN --dataset in the script, the latest version by default', async () => {
    const script = '#!/bin/bash\n#SBATCH -J read-latest\n#CHEOMDAN --dataset mnist.small\ncat datasets/mnist.small/train/labels.txt\n';
    const j = await owner.post('/v1/jobs', { script });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect((await owner.get(`/v1/jobs/${j.body.id}/logs`)).body).toBe('version two\n');
    const audit = (await admin.get('/v1/audit?action=dataset.mount')).body.items;
    expect(audit.some((a: { detail: { jobId: string; version: number } }) => a.detail.jobId === j.body.id && a.detail.version === 2)).toBe(true);
  });
});

describe('bad references are refused at submit, and nothing is queued', () => {
  const cases: Record<string, [string[], number, RegExp]> = {
    'a dataset that does not exist': [['nope'], 404, /no dataset "nope"/],
    'a version that does not exist': [['mnist.small@9'], 404, /has no version 9/],
    'a malformed reference': [['mnist.small@latest'], 400, /not a version/],
    'an absolute mount': [['mnist.small:/etc'], 400, /relative to the job's directory/],
    'the same dataset twice': [['mnist.small@1', 'mnist.small@2:other'], 400, /names dataset "mnist.small" twice/],
  };
  for (const [what, [datasets, status, want]] of Object.entries(cases)) {
    it(what, async () => {
      const before = (await owner.get('/v1/jobs?limit=500')).body.items.length;
      const r = await owner.post('/v1/jobs', { datasets, command: ['true'] });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(said(r)).toMatch(want);
      expect((await owner.get('/v1/jobs?limit=500')).body.items.length).toBe(before);
    });
  }
  it('another organization\'s dataset looks missing', async () => {
    const r = await other.post('/v1/jobs', { datasets: ['gist-lab/mnist.small'], command: ['true'] });
    expect(r.status).toBe(404);
  });
  it('a clash of variables between two datasets is refused', async () => {
    expect((await owner.post('/v1/datasets', { name: 'mnist_small' })).status).toBe(201);
    expect((await tus.put({ dataset: 'mnist_small', path: 'a' }, Buffer.from('a'))).status).toBe(204);
    expect((await owner.post('/v1/datasets/mnist_small/versions/1/commit', {})).status).toBe(200);
    const r = await owner.post('/v1/jobs', { datasets: ['mnist.small', 'mnist_small'], command: ['true'] });
    expect(r.status).toBe(400);
    expect(said(r)).toMatch(/both would be \$CHEOMDAN_DATASET_MNIST_SMALL/);
  });
  it('a restricted dataset needs a grant', async () => {
    expect((await owner.post('/v1/datasets', { name: 'ehr', sensitivity: 'restricted' })).status).toBe(201);
    expect((await tus.put({ dataset: 'ehr', path: 'a.csv' }, Buffer.from('id\n1\n'))).status).toBe(204);
    expect((await owner.post('/v1/datasets/ehr/versions/1/commit', {})).status).toBe(200);
    expect((await admin.post('/v1/users', { email: 'student@gist-lab.example', name: 's', role: 'member', tenant: 'gist-lab', password: 'correct horse battery' })).status).toBe(201);
    const student = client(s.url, (await client(s.url).post('/v1/auth/login', { email: 'student@gist-lab.example', password: 'correct horse battery' })).body.token);
    const r = await student.post('/v1/jobs', { datasets: ['ehr'], command: ['true'] });
    expect(r.status).toBe(403);
    const ok = await owner.post('/v1/jobs', { datasets: ['ehr'], command: ['sh', '-c', 'cat "$CHEOMDAN_DATASET_EHR/a.csv"'] });
    expect(ok.status).toBe(201);
    expect((await waitForJob(owner, ok.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect((await owner.get(`/v1/jobs/${ok.body.id}/logs`)).body).toBe('id\n1\n');
  });
});
