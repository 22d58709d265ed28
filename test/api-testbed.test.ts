/**
 * The test bed through the API on a real server (local executor, demo inventory, accounting enforced): a
 * run on the NPU type is a job on the NPU partition's node that starts the reference server, benchmarks it
 * and stores its result (VALID, latencies, accuracy, declared power, service units, provenance); the
 * perturbed model fails the accuracy check and shows as "fail" in the compatibility matrix; results,
 * comparison and CSV export; bad input changes nothing; another organization sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWithToken } from './helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitFor, type Client, type TestServer } from './helpers/server.ts';

const RNGD = 'furiosa-rngd';
const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
let s: TestServer;
let admin: Client;
let vendor: Client;
let other: Client;
let vendorToken = '';

beforeAll(async () => {
  process.env.CHEOMDAN_ACCOUNTING = 'enforce';
  s = await startTestServer();
  delete process.env.CHEOMDAN_ACCOUNTING;
  admin = client(s.url, s.adminToken);
  const v = await tenantWithOwner(s.url, admin, 'chip-vendor');
  vendor = v.owner;
  vendorToken = (await client(s.url).post('/v1/auth/login', { email: v.email, password: 'correct horse battery' })).body.token;
  other = (await tenantWithOwner(s.url, admin, 'other-lab')).owner;
  expect((await admin.post('/v1/rates', { resource: 'device', acceleratorType: RNGD, serviceUnitsPerHour: 3600, note: 'test price: 1 SU a device-second' })).status).toBe(201);
  for (const tenant of ['chip-vendor', 'other-lab']) {
    const a = await admin.post('/v1/allocations', { tenant, name: `${tenant} grant`, serviceUnits: 100_000, concurrentLimit: 16, endsAt: at(60 * 24 * 30) });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
  }
}, 60_000);
afterAll(async () => s?.close());

// Shorter than the rules (so the runs record departures): Server 400 QPS for 1.5 s is 600 queries, enough
// for early stopping at p99 with no query over the bound; Offline's one query of 27,500 samples (more than
// this machine answers in the 0.5 s minimum).
// The count ends the run (800 queries at 400 QPS are scheduled over 2 s, past the 1.5 s minimum), so a
// generator that runs late on a busy machine still covers the minimum duration.
const quick = { minDurationMs: 1500, minQueryCount: 800 };
const offline = { minDurationMs: 500, minQueryCount: 1, expectedQps: 50_000 };
const finished = (c: Client, id: string, timeoutMs = 90_000) =>
  waitFor(() => c.get(`/v1/testbed/runs/${id}`), (r) => r.body.finishedAt !== null, timeoutMs, `test-bed run ${id} to finish`);
const said = (r: { body: { detail?: string; errors?: { path: string; message: string }[] } }) =>
  `${r.body.detail} ${(r.body.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ')}`;

describe('test-bed runs as jobs', () => {
  let serverRun = '';
  let offlineRun = '';
  let badAccuracy = '';

  it('lists the reference models with the FP32 reference they are held to', async () => {
    const r = await vendor.get('/v1/testbed/models');
    expect(r.status).toBe(200);
    const names = r.body.items.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['digits-cnn', 'digits-cnn-perturbed']));
    const ref = r.body.items.find((m: { name: string }) => m.name === 'digits-cnn');
    expect(ref.reference.value).toBeCloseTo(0.9649, 3);
    expect(ref.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bad runs with the reason, creating no run and no job', async () => {
    const jobsBefore = (await vendor.get('/v1/jobs')).body.items.length;
    const ok = { model: 'digits-cnn', scenario: 'Server', acceleratorType: RNGD, settings: { targetQps: 100, targetLatencyMs: 15, ...quick } };
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ ...ok, model: 'resnet-9000' }, 400, /no model "resnet-9000".*digits-cnn/],
      [{ ...ok, scenario: 'Batch' }, 400, /scenario/],
      [{ ...ok, settings: { ...ok.settings, targetQps: 0 } }, 400, /settings\.targetQps.*greater than 0/],
      [{ ...ok, settings: { ...ok.settings, targetLatencyMs: -1 } }, 400, /settings\.targetLatencyMs.*greater than 0/],
      [{ ...ok, settings: { ...ok.settings, maxDurationMs: 10 } }, 400, /settings\.maxDurationMs.*at least minDurationMs/],
      [{ ...ok, acceleratorType: 'warp-core' }, 422, /unknown accelerator type "warp-core"/],
      [{ ...ok, acceleratorType: 'nvidia-a100-sxm-80gb' }, 422, /no node of this cluster has nvidia-a100-sxm-80gb devices.*furiosa-rngd/],
      [{ ...ok, acceleratorType: undefined, devices: 2 }, 400, /devices needs an acceleratorType/],
      [{ ...ok, devices: 99 }, 400, /devices/],
      [{ ...ok, accuracyTarget: 1.5 }, 400, /accuracyTarget.*at most 1/],
      [{ ...ok, surprise: true }, 400, /surprise/],
    ];
    for (const [body, status, msg] of cases) {
      const r = await vendor.post('/v1/testbed/runs', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(said(r)).toMatch(msg);
    }
    expect((await vendor.get('/v1/testbed/runs')).body.items).toHaveLength(0);
    expect((await vendor.get('/v1/jobs')).body.items.length).toBe(jobsBefore);
  });

  it('runs a Server benchmark on the NPU type as a job on the NPU node, and stores the result', async () => {
    const r = await vendor.post('/v1/testbed/runs', { model: 'digits-cnn', scenario: 'Server', acceleratorType: 'rngd', settings: { targetQps: 400, targetLatencyMs: 1000, ...quick } }); // a loose bound: other benchmarks share the 2 cores
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('location')).toBe(`/v1/testbed/runs/${r.body.id}`);
    expect(r.body).toMatchObject({ model: 'digits-cnn', scenario: 'Server', acceleratorType: RNGD, devices: 1, summary: null });
    serverRun = r.body.id;
    const job = (await vendor.get(`/v1/jobs/${r.body.jobId}`)).body;
    expect(job.partition).toBe('npu');
    expect(job.request).toMatchObject({ devicesPerTask: 1, acceleratorTypes: [RNGD] });

    const done = await finished(vendor, serverRun);
    if (done.body.state !== 'completed') console.log('STDERR', (await vendor.get(`/v1/jobs/${r.body.jobId}/logs?stream=stderr`)).body, 'STDOUT', (await vendor.get(`/v1/jobs/${r.body.jobId}/logs?stream=stdout`)).body);
    expect(done.body.state, JSON.stringify(done.body.error)).toBe('completed');
    const sum = done.body.summary;
    expect(sum.valid, sum.reasons.join('; ')).toBe(true);
    expect(sum.metric).toMatchObject({ name: 'scheduled QPS', unit: 'queries/s', higherIsBetter: true });
    expect(sum.metric.value).toBe(400);
    expect(sum.latencyMs.p99).toBeGreaterThan(0);
    expect(sum.latencyMs.p99).toBeLessThanOrEqual(1000);
    expect(sum.node).toBe('npu-001');
    expect(sum.powerSource).toBe('declared');
    expect(sum.meanPowerW).toBeGreaterThan(0);
    expect(sum.perfPerWatt).toBeCloseTo(sum.throughput / sum.meanPowerW, 6);
    expect(sum.chargedUnits).toBeGreaterThan(0);
    expect(sum.samplesPerUnit).toBeGreaterThan(0);
    expect(sum.executionProvider).toBe('cpu');
    expect(sum.caveats.join(' ')).toMatch(/declared in the inventory, not present/);
    expect(sum.departures.length).toBeGreaterThan(0); // 1.5 s instead of the rules' 10 minutes
    const result = done.body.result;
    expect(result.provenance).toMatchObject({ node: 'npu-001', acceleratorType: RNGD, jobId: r.body.jobId });
    expect(result.provenance.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.report.result.latency.cdfNs).toHaveLength(101);
    const ended = (await vendor.get(`/v1/jobs/${r.body.jobId}`)).body;
    expect(ended.state).toBe('succeeded');
  }, 120_000);

  it('an accuracy run of the perturbed model fails the 99% rule; the matrix says why', async () => {
    const a = await vendor.post('/v1/testbed/runs', { model: 'digits-cnn-perturbed', scenario: 'Offline', mode: 'accuracy', acceleratorType: RNGD });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    badAccuracy = a.body.id;
    const b = await vendor.post('/v1/testbed/runs', { model: 'digits-cnn', scenario: 'Offline', acceleratorType: RNGD, settings: offline });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    offlineRun = b.body.id;
    const bad = await finished(vendor, badAccuracy);
    expect(bad.body.state).toBe('completed');
    expect(bad.body.summary.accuracy).toMatchObject({ passed: false });
    expect(bad.body.summary.accuracy.value).toBeCloseTo(0.7129, 3);
    const off = (await finished(vendor, offlineRun)).body.summary;
    expect(off.valid, off.reasons.join('; ')).toBe(true);
    expect(off.metric).toMatchObject({ name: 'samples/s', unit: 'samples/s' });

    const t = await vendor.get('/v1/testbed/results');
    expect(t.status).toBe(200);
    const row = t.body.rows.find((x: { model: string; scenario: string }) => x.model === 'digits-cnn' && x.scenario === 'Server');
    expect(row).toMatchObject({ acceleratorType: RNGD, runs: 1, validRuns: 1 });
    expect(row.best.id).toBe(serverRun);
    const cell = (m: string) => t.body.compatibility.find((x: { model: string }) => x.model === m);
    expect(cell('digits-cnn')).toMatchObject({ acceleratorType: RNGD, status: 'pass', reason: null });
    expect(cell('digits-cnn-perturbed')).toMatchObject({ status: 'fail', runId: badAccuracy });
    expect(cell('digits-cnn-perturbed').reason).toMatch(/71\.2\d*%/);
  }, 180_000);

  it('compares runs against the first; refuses fewer than two', async () => {
    const c = await vendor.get(`/v1/testbed/compare?runs=${serverRun},${offlineRun}`);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body.baseline).toBe(serverRun);
    expect(c.body.runs[0].ratios.throughput).toBe(1);
    expect(c.body.runs[1].ratios.throughput).toBeGreaterThan(0);
    expect(c.body.runs[0].cdfMs).toHaveLength(101);
    expect(c.body.comparable).toBe(false);
    expect(c.body.notes.join(' ')).toMatch(/differ in scenario/);
    const one = await vendor.get(`/v1/testbed/compare?runs=${serverRun}`);
    expect(one.status).toBe(400);
    expect(said(one)).toMatch(/2 to 8/);
    expect((await vendor.get(`/v1/testbed/compare?runs=${serverRun},tbr_nope`)).status).toBe(404);
  });

  it('exports CSV, one row per run', async () => {
    const r = await vendor.get<string>('/v1/testbed/runs.csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = r.body.trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^run,name,model,accelerator_type/);
    expect(lines).toHaveLength(4); // the header and three runs
    expect(lines.find((l) => l.startsWith(serverRun))).toMatch(/digits-cnn,furiosa-rngd,1,Server,performance,completed,true,scheduled QPS/);
  });

  it('cancelling a run ends its job and releases its devices; a cancelled run cannot be cancelled again', async () => {
    const r = await vendor.post('/v1/testbed/runs', { model: 'digits-cnn', scenario: 'SingleStream', acceleratorType: RNGD, devices: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await waitFor(() => vendor.get(`/v1/testbed/runs/${r.body.id}`), (x) => x.body.state === 'running', 30_000, 'the run to start');
    const held = (await admin.get('/v1/nodes')).body.items.find((n: { name: string }) => n.name === 'npu-001');
    expect(held.allocatedDevices).toHaveLength(2);
    const c = await vendor.post(`/v1/testbed/runs/${r.body.id}/cancel`);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const done = await finished(vendor, r.body.id, 30_000);
    expect(done.body.state).toBe('cancelled');
    expect(done.body.jobState).toBe('cancelled');
    expect(done.body.error.message).toMatch(/ended cancelled/);
    const free = (await admin.get('/v1/nodes')).body.items.find((n: { name: string }) => n.name === 'npu-001');
    expect(free.allocatedDevices).toHaveLength(0);
    const again = await vendor.post(`/v1/testbed/runs/${r.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(said(again)).toMatch(/has ended \(cancelled\)/);
    expect((await other.post(`/v1/testbed/runs/${r.body.id}/cancel`)).status).toBe(404);
  }, 60_000);

  it('another organization sees none of it', async () => {
    expect((await other.get('/v1/testbed/runs')).body.items).toHaveLength(0);
    expect((await other.get(`/v1/testbed/runs/${serverRun}`)).status).toBe(404);
    expect((await other.get('/v1/testbed/results')).body.rows).toHaveLength(0);
    expect((await other.get(`/v1/testbed/compare?runs=${serverRun},${offlineRun}`)).status).toBe(404);
    expect((await admin.get('/v1/testbed/runs')).body.items).toHaveLength(4);
  });
});

describe('cheomdan testbed run / runs / show / results / compare', () => {
  const cli = (args: string[]) => cliWithToken(s, vendorToken, args);

  it('run --wait prints the result; runs, show, results, --csv and compare show it', async () => {
    const r = await cli(['testbed', 'run', '--model', 'digits-cnn', '--scenario', 'server', '--accelerator', 'rngd', '--target-qps', '400', '--target-latency', '1s', '--min-duration', '1.5s', '--min-queries', '800', '--wait']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/submitted test-bed run tbr_\S+ \(job job_\S+\); waiting for its result/);
    expect(r.stdout).toMatch(/On {9}1 × furiosa-rngd · node npu-001 · executed on cpu/);
    expect(r.stdout, r.stdout).toMatch(/Result {5}VALID/);
    expect(r.stdout).toMatch(/Power {6}\d+ W mean, [\d.]+ J \(declared\)/);
    expect(r.stdout).toMatch(/Charged {4}[\d.]+ service units/);
    expect(r.stdout).toMatch(/NOTE: the node's furiosa-rngd devices are declared in the inventory, not present/);
    const id = /Run {8}(tbr_\S+)/.exec(r.stdout)![1]!;

    const runs = await cli(['testbed', 'runs', '--accelerator', 'rngd']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${id}\\s+digits-cnn\\s+1× furiosa-rngd\\s+Server\\s+VALID\\s+400 queries/s`));
    const json = JSON.parse((await cli(['--json', 'testbed', 'show', id])).stdout);
    expect(json).toMatchObject({ id, state: 'completed', summary: { valid: true } });

    const results = await cli(['testbed', 'results']);
    expect(results.code).toBe(0);
    expect(results.stdout).toMatch(/digits-cnn\s+furiosa-rngd\s+Server\s+2\/2 valid/);
    expect(results.stdout).toMatch(/digits-cnn-perturbed\s+furiosa-rngd\s+FAIL\s+fails: 71\.285% against the required 95\.529%/);
    const csv = await cli(['testbed', 'results', '--csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^run,name,model/);
    expect(csv.stdout).toContain(id);

    const runsJson = JSON.parse((await cli(['--json', 'testbed', 'runs', '--scenario', 'server'])).stdout).items;
    const cmp = await cli(['testbed', 'compare', runsJson[1].id, id]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/THROUGHPUT/);
    expect(cmp.stdout).toMatch(/\(1\.00×\)/);
  }, 120_000);

  it('refuses bad flags and bad runs with the reason', async () => {
    const base = ['testbed', 'run', '--model', 'digits-cnn', '--scenario', 'server'];
    const noUnit = await cli([...base, '--target-latency', '15']);
    expect(noUnit.code).toBe(2);
    expect(noUnit.stderr).toMatch(/"15" is not a duration; give a number and a unit/);
    const scenario = await cli(['testbed', 'run', '--model', 'digits-cnn', '--scenario', 'batch']);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toMatch(/SingleStream, MultiStream, Server, Offline/);
    const model = await cli(['testbed', 'run', '--model', 'nope', '--scenario', 'offline']);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/no model "nope"/);
    const type = await cli([...base, '--accelerator', 'a100']);
    expect(type.code).toBe(1);
    expect(type.stderr).toMatch(/no node of this cluster has nvidia-a100/);
    const show = await cli(['testbed', 'show', 'tbr_missing']);
    expect(show.code).toBe(4);
    expect(show.stderr).toMatch(/no test-bed run "tbr_missing"/);
  }, 60_000);
});
