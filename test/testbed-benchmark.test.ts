/**
 * The test bed end to end against real servers on loopback: the reference inference server (onnxruntime,
 * the project's own model) measured in each scenario and checked for accuracy, and the ways a benchmark
 * goes wrong — an endpoint nobody listens on, a model the server lacks, impossible settings, a server that
 * answers with the wrong shapes or with KServe error bodies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from '../src/testbed/benchmark.ts';
import { loadTensorLibrary } from '../src/testbed/qsl.ts';
import { buildInferenceServer } from '../src/testbed/server/app.ts';
import { loadRepository } from '../src/testbed/server/repository.ts';

const MODELS = resolve(import.meta.dirname, '../models');
const qsl = loadTensorLibrary(`${MODELS}/digits-validation`);
const short = { minDurationMs: 600, minQueryCount: 100, singleStreamExpectedLatencyNs: 200_000, multiStreamExpectedLatencyNs: 1e6 };

describe('test-bed benchmarks against the reference server', () => {
  let server: FastifyInstance;
  let endpoint = '';
  beforeAll(async () => {
    server = buildInferenceServer({ models: await loadRepository(MODELS), version: 'test' });
    endpoint = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server?.close());

  it('accuracy mode: every sample once; the reference model passes the 99% rule, the perturbed one fails it', async () => {
    const ok = await runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'Offline', mode: 'accuracy', qsl });
    expect(ok.result.samplesCompleted).toBe(599);
    expect(ok.accuracy).toMatchObject({ metric: 'top-1 accuracy', passed: true, referenceModel: 'digits-cnn' });
    expect(ok.accuracy!.value).toBeCloseTo(qsl.reference.value, 10);
    expect(ok.valid).toBe(true);
    expect(ok.sut.metadata?.parameters?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const bad = await runBenchmark({ endpoint, model: 'digits-cnn-perturbed', scenario: 'SingleStream', mode: 'accuracy', qsl });
    expect(bad.result.samplesCompleted).toBe(599);
    expect(bad.accuracy).toMatchObject({ passed: false });
    expect(bad.accuracy!.message).toMatch(/^fails: 71\.285% against the required 95\.529% \(99% of the FP32 reference's 96\.494%\)/);
    expect(bad.valid).toBe(false);
  });

  it('Server on CPU: VALID at a rate the reference server keeps, with the rules it departed from listed', async () => {
    const r = await runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl, overrides: { ...short, minDurationMs: 2000, minQueryCount: 800, serverTargetQps: 300, serverTargetLatencyNs: 1000e6 } }); // a loose bound (1 s): the suite runs other benchmarks beside it on 2 cores
    expect(r.result.reasons, `ended: ${r.result.endReason}; ${r.result.queriesIssued} queries issued`).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.result.queriesIssued).toBeGreaterThan(500);
    expect(r.result.sampleLatency.percentilesNs['0.99']).toBeLessThan(1000e6);
    expect(r.departures).toEqual(['minDurationMs is 2000, the rules ask at least 600000', 'the latency bound is 1000 ms, the rules ask at most 15 ms']);
  });

  it('SingleStream and MultiStream report their percentile latency; Offline its samples per second', async () => {
    const ss = await runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'SingleStream', mode: 'performance', qsl, overrides: short });
    expect(ss.valid).toBe(true);
    expect(ss.result.metric.name).toBe('latency_ns');
    expect(ss.result.metric.value).toBeGreaterThan(0);
    const ms = await runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'MultiStream', mode: 'performance', qsl, overrides: { ...short, minDurationMs: 300, minQueryCount: 10 } });
    expect(ms.result.samplesCompleted).toBe(ms.result.queriesIssued * 8);
    expect(ms.result.reasons.map((x) => x.code)).toContain('early_stopping_not_met'); // 662 queries are needed for the 99th percentile
    const off = await runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'Offline', mode: 'performance', qsl, overrides: { ...short, offlineExpectedQps: 2000 } });
    expect(off.result.metric.name).toBe('samples_per_second');
    expect(off.result.samplesCompleted).toBe(Math.max(100, Math.floor(1.1 * 0.6 * 2000)));
  });

  it('refuses an endpoint nobody listens on, a model the server lacks, and impossible settings, clearly', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(runBenchmark({ endpoint: `http://127.0.0.1:${port}`, model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl }))
      .rejects.toMatchObject({ code: 'sut_unavailable', message: expect.stringMatching(/cannot reach the server \(ECONNREFUSED\)/) });
    await expect(runBenchmark({ endpoint, model: 'resnet50', scenario: 'Server', mode: 'performance', qsl }))
      .rejects.toMatchObject({ code: 'sut_unavailable', message: expect.stringMatching(/model "resnet50" is not served: 404: model "resnet50" is not in the repository/) });
    await expect(runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl, overrides: { serverTargetQps: 0 } }))
      .rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: 'serverTargetQps' }] });
    await expect(runBenchmark({ endpoint, model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl, overrides: { serverTargetLatencyNs: 0 } }))
      .rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: 'serverTargetLatencyNs' }] });
    await expect(runBenchmark({ endpoint: 'ftp://x', model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl }))
      .rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('a server that answers wrongly', () => {
  let bad: http.Server;
  let endpoint = '';
  let mode: 'shape' | 'error' | 'slow' = 'shape';
  const meta = { name: 'm', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 8, 8] }], outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }] };
  beforeAll(async () => {
    bad = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/v2/health/ready') return send(200, { ready: true });
        if (req.url === '/v2/models/m') return send(200, meta);
        if (req.url === '/v2/models/wrong-input') return send(200, { ...meta, inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }] });
        if (mode === 'error') return send(500, { error: 'CUDA out of memory' });
        if (mode === 'slow') return void setTimeout(() => send(200, {}), 2000);
        return send(200, { outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5, 6] }] });
      });
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => bad.close(() => r())));

  it('wrong shapes, error bodies and timeouts make the run INVALID, quoting what the server said', async () => {
    const run = () => runBenchmark({ endpoint, model: 'm', scenario: 'SingleStream', mode: 'performance', qsl, overrides: { minDurationMs: 50, minQueryCount: 20 }, timeoutMs: 300, warmupQueries: 0 });
    mode = 'shape';
    const shape = await run();
    expect(shape.valid).toBe(false);
    expect(shape.result.reasons.map((x) => x.code)).toContain('sut_errors');
    expect(shape.sut.errors[0]).toMatch(/output "logits" is not \[1, 10\] numbers: got shape \[1,5\] with 6 values/);
    mode = 'error';
    const error = await run();
    expect(error.result.failedSamples).toBe(error.result.queriesIssued);
    expect(error.sut.errors[0]).toBe('500: CUDA out of memory');
    mode = 'slow';
    const slow = await runBenchmark({ endpoint, model: 'm', scenario: 'SingleStream', mode: 'performance', qsl, overrides: { minDurationMs: 0, minQueryCount: 2 }, timeoutMs: 200, warmupQueries: 0 });
    expect(slow.sut.errors[0]).toMatch(/request failed: no answer within 200 ms/);
    expect(slow.valid).toBe(false);
  });

  it('refuses a model whose input cannot take the samples', async () => {
    await expect(runBenchmark({ endpoint, model: 'wrong-input', scenario: 'Server', mode: 'performance', qsl }))
      .rejects.toMatchObject({ code: 'sut_unavailable', message: expect.stringMatching(/input "input" has shape \[-1,3,224,224\]; the samples need \[-1,1,8,8\]/) });
  });
});
