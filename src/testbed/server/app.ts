/**
 * The reference inference server (`cheomdan testbed serve`): the Open Inference Protocol's REST API
 * (KServe v2) over a model repository, plus Triton's model-repository extension:
 *
 *   GET  /v2                                  server metadata (name, version, extensions)
 *   GET  /v2/health/live, /v2/health/ready    200 when live / when every model is loaded
 *   GET  /v2/models/{m}[/versions/{v}]        model metadata: platform, versions, typed inputs and outputs
 *   GET  /v2/models/{m}[/versions/{v}]/ready
 *   POST /v2/models/{m}[/versions/{v}]/infer  {id?, inputs: [{name, shape, datatype, data}], outputs?: [{name}]}
 *   POST /v2/repository/index                 [{name, version, state}]
 *
 * Errors answer as the protocol says, a JSON object `{"error": "<what is wrong>"}` with 400 (a bad
 * request: unknown tensor, wrong datatype or shape, data that does not fill the shape) or 404 (an unknown
 * model or version). Requests to one model are batched dynamically (batcher.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Batcher } from './batcher.ts';
import { DATATYPES, ONNXRUNTIME_VERSION, type LoadedModel } from './repository.ts';

export const SERVER_NAME = 'cheomdan-testbed';

export interface InferenceServerOptions {
  models: Map<string, LoadedModel[]>;
  version: string;
  maxBatch?: number;
  /** Largest request body, bytes. Default 64 MiB. */
  bodyLimit?: number;
}

class ProtocolError extends Error {
  constructor(readonly status: 400 | 404, message: string) {
    super(message);
  }
}

type Body = { id?: unknown; inputs?: unknown; outputs?: unknown; parameters?: unknown };
type InputTensor = { name: string; shape: number[]; datatype: string; data: unknown[] };

const INTEGER_TYPES = new Set(['UINT8', 'UINT16', 'UINT32', 'INT8', 'INT16', 'INT32']);

function flatten(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
  return out;
}

function typedArrayFor(datatype: string, values: unknown[], name: string) {
  const bad = (why: string) => new ProtocolError(400, `input "${name}": ${why}`);
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const out = datatype === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(`element ${i} is ${JSON.stringify(v)}, not an integer (datatype ${datatype})`);
      out[i] = BigInt(v);
    });
    return out;
  }
  if (datatype === 'BOOL') return Uint8Array.from(values as number[], (v: unknown) => (v === true || v === 1 ? 1 : 0));
  const Ctor = { FP32: Float32Array, FP64: Float64Array, UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array }[datatype];
  if (!Ctor) throw bad(`datatype ${datatype} is not supported by this server (FP32, FP64, INT8-64, UINT8-64, BOOL are)`);
  const out = new Ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || (INTEGER_TYPES.has(datatype) && !Number.isInteger(v))) {
      throw bad(`element ${i} is ${JSON.stringify(v)}, not a ${INTEGER_TYPES.has(datatype) ? 'whole number' : 'finite number'} (datatype ${datatype})`);
    }
    out[i] = v;
  }
  return out;
}

function parseInput(body: Body, model: LoadedModel): { tensor: InputTensor; outputs: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProtocolError(400, 'the request body must be a JSON object with "inputs"');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw new ProtocolError(400, '"inputs" must be a non-empty array of tensors {name, shape, datatype, data}');
  if (body.inputs.length !== model.inputs.length) {
    throw new ProtocolError(400, `model "${model.name}" takes ${model.inputs.length} input(s) (${model.inputs.map((i) => i.name).join(', ')}), got ${body.inputs.length}`);
  }
  const t = body.inputs[0] as Partial<InputTensor>;
  const expected = model.inputs[0]!;
  if (typeof t !== 'object' || t === null) throw new ProtocolError(400, 'inputs[0] must be an object {name, shape, datatype, data}');
  if (t.name !== expected.name) throw new ProtocolError(400, `unexpected input "${String(t.name)}": model "${model.name}" has input "${expected.name}"`);
  if (t.datatype !== expected.datatype) throw new ProtocolError(400, `input "${expected.name}": datatype ${String(t.datatype)} does not match the model's ${expected.datatype}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d > 0)) throw new ProtocolError(400, `input "${expected.name}": "shape" must be an array of positive integers`);
  if (t.shape.length !== expected.shape.length || t.shape.some((d, i) => expected.shape[i] !== -1 && expected.shape[i] !== d)) {
    throw new ProtocolError(400, `input "${expected.name}": shape [${t.shape.join(',')}] does not match the model's [${expected.shape.join(',')}] (-1 is any size)`);
  }
  if (!Array.isArray(t.data)) throw new ProtocolError(400, `input "${expected.name}": "data" must be an array (flat, or nested as the shape)`);
  const flat = flatten(t.data);
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (flat.length !== size) throw new ProtocolError(400, `input "${expected.name}": ${flat.length} elements do not fill shape [${t.shape.join(',')}] (${size} needed)`);
  let outputs = model.outputs.map((o) => o.name);
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new ProtocolError(400, '"outputs" must be an array of {name}');
    outputs = body.outputs.map((o) => (o as { name?: unknown })?.name as string);
    const unknown = outputs.filter((n) => !model.outputs.some((o) => o.name === n));
    if (unknown.length > 0) throw new ProtocolError(400, `unknown output(s) ${unknown.map((n) => `"${String(n)}"`).join(', ')}: model "${model.name}" has ${model.outputs.map((o) => `"${o.name}"`).join(', ')}`);
  }
  return { tensor: { name: expected.name, shape: t.shape, datatype: expected.datatype, data: flat }, outputs };
}

export function buildInferenceServer(opts: InferenceServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024, keepAliveTimeout: 60_000 });
  const batchers = new Map<LoadedModel, Batcher>();
  for (const versions of opts.models.values()) for (const m of versions) batchers.set(m, new Batcher(m, { maxBatch: opts.maxBatch }));

  const fail = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof ProtocolError) return fail(reply, err.status, err.message);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return fail(reply, status, status === 500 ? `inference failed: ${err.message}` : err.message);
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 404, `no such endpoint: ${req.method} ${req.url.split('?')[0]}`));

  const find = (name: string, version?: string): LoadedModel => {
    const versions = opts.models.get(name);
    if (!versions) throw new ProtocolError(404, `model "${name}" is not in the repository (have: ${[...opts.models.keys()].join(', ') || 'none'})`);
    if (version === undefined) return versions[versions.length - 1]!;
    const m = versions.find((v) => v.version === version);
    if (!m) throw new ProtocolError(404, `model "${name}" has no version "${version}" (have: ${versions.map((v) => v.version).join(', ')})`);
    return m;
  };
  const metadata = (m: LoadedModel) => ({
    name: m.name, versions: opts.models.get(m.name)!.map((v) => v.version), platform: 'onnxruntime_onnx',
    inputs: m.inputs, outputs: m.outputs,
    parameters: { sha256: m.sha256, runtime: `onnxruntime-node ${ONNXRUNTIME_VERSION}`, executionProvider: 'cpu' },
  });

  app.get('/v2', async () => ({ name: SERVER_NAME, version: opts.version, extensions: ['model_repository'] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => (opts.models.size > 0 ? { ready: true } : reply.code(503).send({ ready: false })));
  app.post('/v2/repository/index', async () =>
    [...opts.models.values()].flatMap((vs) => vs.map((m) => ({ name: m.name, version: m.version, state: 'READY' }))));

  type P = { m: string; v?: string };
  for (const prefix of ['/v2/models/:m', '/v2/models/:m/versions/:v']) {
    app.get<{ Params: P }>(prefix, async (req) => metadata(find(req.params.m, req.params.v)));
    app.get<{ Params: P }>(`${prefix}/ready`, async (req) => ({ name: req.params.m, ready: Boolean(find(req.params.m, req.params.v)) }));
    app.post<{ Params: P; Body: Body }>(`${prefix}/infer`, async (req) => {
      const model = find(req.params.m, req.params.v);
      const { tensor, outputs } = parseInput(req.body, model);
      const input = typedArrayFor(tensor.datatype, tensor.data, tensor.name);
      const result = await batchers.get(model)!.infer(input, DATATYPES[tensor.datatype]!, tensor.shape);
      return {
        model_name: model.name, model_version: model.version, ...(req.body.id !== undefined ? { id: req.body.id } : {}),
        outputs: outputs.map((name) => {
          const t = result[name]!;
          const meta = model.outputs.find((o) => o.name === name)!;
          const data = t.data as ArrayLike<number | bigint>;
          return { name, datatype: meta.datatype, shape: [...t.dims], data: Array.from(data, (x) => (typeof x === 'bigint' ? Number(x) : x)) };
        }),
      };
    });
  }
  return app;
}
