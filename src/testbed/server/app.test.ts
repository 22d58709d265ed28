import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInferenceServer } from './app.ts';
import { loadRepository } from './repository.ts';

const MODELS = resolve(import.meta.dirname, '../../../models');
const reference = JSON.parse(readFileSync(join(MODELS, 'digits-validation/reference.json'), 'utf8')) as {
  samples: number; referenceTop1: number; models: Record<string, { sha256: string; fp32Top1: number }>; imagesSha256: string; labelsSha256: string;
};
const images = new Float32Array(new Uint8Array(readFileSync(join(MODELS, 'digits-validation/images.f32'))).buffer);
const labels = readFileSync(join(MODELS, 'digits-validation/labels.u8'));

describe('the reference inference server (Open Inference Protocol)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildInferenceServer({ models: await loadRepository(MODELS), version: 'test' });
    await app.ready();
  });
  afterAll(() => app?.close());

  const infer = (model: string, body: unknown) => app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: body as object });
  const tensor = (from: number, n: number) => ({ name: 'input', datatype: 'FP32', shape: [n, 1, 8, 8], data: Array.from(images.subarray(from * 64, (from + n) * 64)) });

  it('ships exactly the files reference.json describes', () => {
    for (const [name, m] of Object.entries(reference.models)) {
      expect(createHash('sha256').update(readFileSync(join(MODELS, name, '1/model.onnx'))).digest('hex')).toBe(m.sha256);
    }
    expect(createHash('sha256').update(readFileSync(join(MODELS, 'digits-validation/images.f32'))).digest('hex')).toBe(reference.imagesSha256);
    expect(labels.length).toBe(reference.samples);
  });

  it('answers health, server and model metadata, and the repository index', async () => {
    expect((await app.inject('/v2/health/ready')).json()).toEqual({ ready: true });
    expect((await app.inject('/v2')).json()).toMatchObject({ name: 'cheomdan-testbed', extensions: ['model_repository'] });
    const meta = (await app.inject('/v2/models/digits-cnn')).json();
    expect(meta).toMatchObject({
      name: 'digits-cnn', versions: ['1'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 8, 8] }], outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }],
      parameters: { sha256: reference.models['digits-cnn']!.sha256 },
    });
    expect((await app.inject('/v2/models/digits-cnn/versions/1/ready')).json()).toEqual({ name: 'digits-cnn', ready: true });
    expect((await app.inject({ method: 'POST', url: '/v2/repository/index' })).json()).toEqual([
      { name: 'digits-cnn', version: '1', state: 'READY' }, { name: 'digits-cnn-perturbed', version: '1', state: 'READY' },
    ]);
  });

  it("reproduces the FP32 reference's top-1 accuracy with onnxruntime; the perturbed model misses 99% of it", async () => {
    for (const [model, expected] of [['digits-cnn', reference.referenceTop1], ['digits-cnn-perturbed', reference.models['digits-cnn-perturbed']!.fp32Top1]] as const) {
      // concurrent requests of mixed batch sizes, so the dynamic batcher joins some of them
      const sizes = [1, 7, 32, 64];
      const jobs: Promise<{ from: number; n: number; logits: number[] }>[] = [];
      for (let from = 0, i = 0; from < reference.samples; i++) {
        const n = Math.min(sizes[i % sizes.length]!, reference.samples - from);
        const at = from;
        jobs.push(infer(model, { id: `q${i}`, inputs: [tensor(at, n)] }).then((r) => {
          expect(r.statusCode).toBe(200);
          const body = r.json();
          expect(body).toMatchObject({ model_name: model, model_version: '1', id: `q${i}`, outputs: [{ name: 'logits', datatype: 'FP32', shape: [n, 10] }] });
          return { from: at, n, logits: body.outputs[0].data };
        }));
        from += n;
      }
      let correct = 0;
      for (const { from, n, logits } of await Promise.all(jobs)) {
        for (let k = 0; k < n; k++) {
          const row = logits.slice(k * 10, k * 10 + 10);
          if (row.indexOf(Math.max(...row)) === labels[from + k]) correct++;
        }
      }
      expect(correct / reference.samples).toBeCloseTo(expected, 10);
    }
    expect(reference.models['digits-cnn-perturbed']!.fp32Top1).toBeLessThan(0.99 * reference.referenceTop1);
  });

  it('answers bad requests with a KServe error body that says what is wrong', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['nope', { inputs: [tensor(0, 1)] }, 404, /model "nope" is not in the repository \(have: digits-cnn, digits-cnn-perturbed\)/],
      ['digits-cnn/versions/9', { inputs: [tensor(0, 1)] }, 404, /has no version "9" \(have: 1\)/],
      ['digits-cnn', { inputs: [] }, 400, /"inputs" must be a non-empty array/],
      ['digits-cnn', { inputs: [{ ...tensor(0, 1), name: 'x' }] }, 400, /unexpected input "x": model "digits-cnn" has input "input"/],
      ['digits-cnn', { inputs: [{ ...tensor(0, 1), datatype: 'INT32' }] }, 400, /datatype INT32 does not match the model's FP32/],
      ['digits-cnn', { inputs: [{ ...tensor(0, 1), shape: [1, 8, 8] }] }, 400, /shape \[1,8,8\] does not match the model's \[-1,1,8,8\]/],
      ['digits-cnn', { inputs: [{ ...tensor(0, 1), shape: [2, 1, 8, 8] }] }, 400, /64 elements do not fill shape \[2,1,8,8\] \(128 needed\)/],
      ['digits-cnn', { inputs: [{ ...tensor(0, 1), data: ['a', ...tensor(0, 1).data.slice(1)] }] }, 400, /element 0 is "a", not a finite number/],
      ['digits-cnn', { inputs: [tensor(0, 1)], outputs: [{ name: 'probs' }] }, 400, /unknown output\(s\) "probs"/],
      ['digits-cnn', [1, 2], 400, /must be a JSON object/],
    ];
    for (const [model, body, status, message] of cases) {
      const r = await infer(model, body);
      expect([r.statusCode, model]).toEqual([status, model]);
      expect(r.json().error).toMatch(message);
    }
    const notJson = await app.inject({ method: 'POST', url: '/v2/models/digits-cnn/infer', payload: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(typeof notJson.json().error).toBe('string');
    expect((await app.inject('/v3/x')).json()).toEqual({ error: 'no such endpoint: GET /v3/x' });
  });
});
