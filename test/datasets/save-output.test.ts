/**
 * `--save-output NAME[:PATH]` on a real server (local executor; as root, jobs run as their owners): a job
 * that succeeds has its output directory saved as the next version of a dataset of its organization (the
 * previous version plus its files), told as $CHEOMDAN_OUTPUT_DIR; a failed job saves nothing; links are
 * never followed (a job cannot make the server copy a file its owner could not read); bad requests are
 * refused at submit with nothing queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';

let s: TestServer;
let admin: Client;
let owner: Client;
let other: Client;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  const t = await tenantWithOwner(s.url, admin, 'kia-av');
  owner = t.owner;
  other = (await tenantWithOwner(s.url, admin, 'hanwha')).owner;
  const token = (await client(s.url).post('/v1/auth/login', { email: t.email, password: 'correct horse battery' })).body.token;
  expect((await owner.post('/v1/datasets', { name: 'drive-logs', domain: 'automotive' })).status).toBe(201);
  expect((await owner.post('/v1/datasets', { name: 'ward-scans', sensitivity: 'restricted', domain: 'healthcare' })).status).toBe(201);
  expect((await owner.post('/v1/datasets', { name: 'ward-models', sensitivity: 'restricted', domain: 'healthcare' })).status).toBe(201);
  const tus = tusClient(s.url, token);
  expect((await tus.put({ dataset: 'ward-scans', path: 'a.dcm' }, Buffer.from('scan'))).status).toBe(204);
  expect((await owner.post('/v1/datasets/ward-scans/versions/1/commit', {})).status).toBe(200);
}, 60_000);
afterAll(async () => s?.close());

const outputEvent = (id: string) =>
  waitFor(async () => (await owner.get(`/v1/jobs/${id}/events`)).body.items as { message: string }[], (ev) => ev.some((e) => e.message.startsWith('output: ')), 20_000, 'the output event')
    .then((ev) => ev.find((e) => e.message.startsWith('output: '))!.message);

const files = async (name: string, n: number) =>
  ((await owner.get(`/v1/datasets/${name}/versions/${n}/files`)).body.items as { path: string; size: number }[]).map((f) => `${f.path}:${f.size}`);

describe('a succeeded job\'s output becomes the next version', () => {
  it('saves $CHEOMDAN_OUTPUT_DIR (default ./output) as version 1, with the job as its source', async () => {
    const j = await owner.post('/v1/jobs', {
      saveOutput: 'drive-logs',
      command: ['sh', '-c', 'test "$CHEOMDAN_OUTPUT_DIR" = "$PWD/output" || exit 9; mkdir -p output/can; printf "lidar" > output/a.bin; printf "0x1F" > output/can/frame.txt'],
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect(await outputEvent(j.body.id)).toMatch(/saved 2 files from .*\/output as version 1 of "drive-logs"/);
    expect(await files('drive-logs', 1)).toEqual(['a.bin:5', 'can/frame.txt:4']);
    const dl = await owner.get('/v1/datasets/drive-logs/versions/1/files/can/frame.txt');
    expect(dl.body).toBe('0x1F');
    const audit = (await admin.get('/v1/audit?action=dataset.save_output')).body.items;
    expect(audit.some((a: { detail: { jobId: string } }) => a.detail.jobId === j.body.id)).toBe(true);
  });

  it('#CHEOMDAN --save-output NAME:DIR adds to the previous version (data accumulates)', async () => {
    const script = '#!/bin/sh\n#CHEOMDAN --save-output drive-logs:day2\nprintf "radar" > "$CHEOMDAN_OUTPUT_DIR/b.bin"\nprintf "LIDAR" > day2/a.bin\n';
    const j = await owner.post('/v1/jobs', { script });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect(await outputEvent(j.body.id)).toMatch(/as version 2 of "drive-logs"/);
    expect(await files('drive-logs', 2)).toEqual(['a.bin:5', 'b.bin:5', 'can/frame.txt:4']);
    expect((await owner.get('/v1/datasets/drive-logs/versions/2/files/a.bin')).body).toBe('LIDAR');
  });

  it('a failed job saves nothing and says why', async () => {
    const j = await owner.post('/v1/jobs', { saveOutput: 'drive-logs', command: ['sh', '-c', 'echo x > output/x; exit 3'] });
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('failed');
    expect(await outputEvent(j.body.id)).toMatch(/not saved: the job ended failed \(exit code 3\)/);
    expect((await owner.get('/v1/datasets/drive-logs')).body.versions.length).toBe(2);
  });

  it('links are not followed: a file the owner cannot read never reaches the dataset', async () => {
    const j = await owner.post('/v1/jobs', {
      saveOutput: 'drive-logs',
      command: ['sh', '-c', 'ln -s /etc/shadow output/shadow; ln -s /etc output/etc; printf ok > output/ok.txt'],
    });
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect(await outputEvent(j.body.id)).toMatch(/saved 1 file from/);
    const v = (await owner.get('/v1/datasets/drive-logs')).body.versions.length;
    expect((await files('drive-logs', v)).filter((f) => /shadow|etc/.test(f))).toEqual([]);
  });

  it('a job that reads restricted data saves into a restricted dataset', async () => {
    const j = await owner.post('/v1/jobs', { datasets: ['ward-scans'], saveOutput: 'ward-models', command: ['sh', '-c', 'cp "$CHEOMDAN_DATASET_WARD_SCANS/a.dcm" output/model.bin'] });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    expect((await waitForJob(owner, j.body.id, undefined, 30_000)).state).toBe('succeeded');
    expect(await outputEvent(j.body.id)).toMatch(/as version 1 of "ward-models"/);
    expect((await owner.get('/v1/datasets/ward-models/versions/1/files/model.bin')).body).toBe('scan');
  });
});

describe('bad requests are refused at submit, and nothing is queued', () => {
  const cases: Record<string, [Record<string, unknown>, number, RegExp]> = {
    'a dataset that does not exist': [{ saveOutput: 'nope' }, 404, /no dataset "nope".*cheomdan datasets create nope/],
    'an absolute directory': [{ saveOutput: 'drive-logs:/tmp' }, 400, /relative to the job's working directory/],
    'a directory outside the working directory': [{ saveOutput: 'drive-logs:../up' }, 400, /"\.\." segment/],
    "another organization's dataset": [{ saveOutput: 'hanwha/x' }, 400, /not a dataset name of your organization/],
    'restricted data saved into a non-restricted dataset': [{ datasets: ['ward-scans'], saveOutput: 'drive-logs' }, 400, /reads restricted dataset "ward-scans".*save it to a restricted dataset/],
    'two #CHEOMDAN --save-output lines': [{ script: '#!/bin/sh\n#CHEOMDAN --save-output drive-logs\n#CHEOMDAN --save-output ward-models\ntrue\n' }, 400, /one dataset/],
  };
  for (const [what, [body, status, want]] of Object.entries(cases)) {
    it(what, async () => {
      const before = (await owner.get('/v1/jobs?limit=500')).body.items.length;
      const r = await owner.post('/v1/jobs', { command: ['true'], ...body, ...(body.script ? { command: undefined } : {}) });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(String(r.body.detail)).toMatch(want);
      expect((await owner.get('/v1/jobs?limit=500')).body.items.length).toBe(before);
    });
  }
  it("another organization's member may not save into it (it looks missing)", async () => {
    const r = await other.post('/v1/jobs', { saveOutput: 'drive-logs', command: ['true'] });
    expect(r.status).toBe(404);
  });
});
