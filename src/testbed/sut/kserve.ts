/**
 * A system under test that speaks the Open Inference Protocol REST API (KServe v2, Triton, the reference
 * server): `check()` asks `GET /v2/health/ready` and `GET /v2/models/{m}` and refuses a model whose input
 * cannot take the library's samples; each query is one `POST /v2/models/{m}/infer` carrying its samples as
 * one batch (dimension 0), over kept-alive connections. An answer whose output is not [n, classes] numbers
 * fails the query's samples (as does an error status, a KServe error body or a timeout), and the first
 * errors are kept, word for word, for the result. In accuracy mode the top-1 class of every sample is kept.
 */
import http from 'node:http';
import https from 'node:https';
import { CheomdanError } from '../../core/errors.ts';
import type { QuerySampleLibrary } from '../qsl.ts';
import type { Completion, SystemUnderTest } from './types.ts';

export interface KServeOptions {
  url: string;
  model: string;
  version?: string | undefined;
  qsl: QuerySampleLibrary;
  /** Per request, ms. Default 30 000. */
  timeoutMs?: number;
  /** Connections kept open at most. Default 64. */
  maxSockets?: number;
  /** Keep each sample's top-1 class (accuracy mode). */
  keepPredictions?: boolean;
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform?: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
  parameters?: Record<string, unknown>;
}

export class KServeSut implements SystemUnderTest {
  readonly name: string;
  readonly #o: KServeOptions;
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  #complete: Completion = () => {};
  #input = 'input';
  #output: string | null = null;
  metadata: ModelMetadata | null = null;
  /** Top-1 class per QSL sample index (-1: not answered), when keepPredictions is set. */
  readonly predictions: Int16Array;
  readonly errors: string[] = [];
  errorCount = 0;

  constructor(opts: KServeOptions) {
    this.#o = opts;
    try {
      this.#base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    } catch {
      throw new CheomdanError('validation_failed', `endpoint "${opts.url}" is not a URL; give one such as http://127.0.0.1:8000`, { errors: [{ path: 'endpoint', message: 'not a URL' }] });
    }
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:') {
      throw new CheomdanError('validation_failed', `endpoint "${opts.url}" must be http:// or https://`, { errors: [{ path: 'endpoint', message: 'not http(s)' }] });
    }
    const secure = this.#base.protocol === 'https:';
    this.#agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
    this.#request = (secure ? https.request : http.request) as typeof http.request;
    this.name = `kserve-v2 ${this.#base.origin} ${opts.model}`;
    this.predictions = new Int16Array(opts.keepPredictions ? opts.qsl.totalSampleCount : 0).fill(-1);
  }

  #modelPath(suffix: string): string {
    const v = this.#o.version ? `/versions/${encodeURIComponent(this.#o.version)}` : '';
    return `v2/models/${encodeURIComponent(this.#o.model)}${v}${suffix}`;
  }

  #call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.#base);
      const req = this.#request(url, {
        method, agent: this.#agent, timeout: this.#o.timeoutMs ?? 30_000,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  static errorOf(status: number, text: string): string {
    try {
      const e = (JSON.parse(text) as { error?: unknown }).error;
      if (typeof e === 'string') return `${status}: ${e}`;
    } catch {
      // not JSON
    }
    return `${status}: ${text.slice(0, 200)}`;
  }

  /** Readiness and model metadata; throws sut_unavailable saying what is wrong. */
  async check(): Promise<ModelMetadata> {
    const unavailable = (why: string) => new CheomdanError('sut_unavailable', `${this.#base.origin}: ${why}`);
    let ready: { status: number; text: string };
    try {
      ready = await this.#call('GET', 'v2/health/ready');
    } catch (e) {
      throw unavailable(`cannot reach the server (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is it running and listening there?`);
    }
    if (ready.status !== 200) throw unavailable(`not ready: GET /v2/health/ready answered ${KServeSut.errorOf(ready.status, ready.text)}`);
    const res = await this.#call('GET', this.#modelPath(''));
    if (res.status !== 200) throw unavailable(`model "${this.#o.model}" is not served: ${KServeSut.errorOf(res.status, res.text)}`);
    let meta: ModelMetadata;
    try {
      meta = JSON.parse(res.text) as ModelMetadata;
    } catch {
      throw unavailable('the model metadata is not JSON');
    }
    if (!Array.isArray(meta.inputs) || meta.inputs.length !== 1 || !Array.isArray(meta.outputs) || meta.outputs.length < 1) {
      throw unavailable(`model "${this.#o.model}" must have one input and at least one output (has ${meta.inputs?.length ?? 0} and ${meta.outputs?.length ?? 0})`);
    }
    const input = meta.inputs[0]!;
    const shape = this.#o.qsl.sampleShape;
    if (input.datatype !== this.#o.qsl.datatype) throw unavailable(`input "${input.name}" takes ${input.datatype}; the samples are ${this.#o.qsl.datatype}`);
    const fits = input.shape.length === shape.length + 1 && input.shape.slice(1).every((d, i) => d === -1 || d === shape[i]);
    if (!fits) throw unavailable(`input "${input.name}" has shape [${input.shape.join(',')}]; the samples need [-1,${shape.join(',')}] (a batch of ${shape.join('×')})`);
    this.#input = input.name;
    this.#output = meta.outputs[0]!.name;
    this.metadata = meta;
    return meta;
  }

  start(complete: Completion): Promise<void> | void {
    this.#complete = complete;
    if (!this.metadata) return this.check().then(() => undefined);
  }

  #fail(q: number, n: number, why: string): void {
    this.errorCount += n;
    if (this.errors.length < 10) this.errors.push(why);
    for (let k = 0; k < n; k++) this.#complete(q, k, false);
  }

  issue(q: number, samples: Uint32Array, from: number, to: number): void {
    const n = to - from;
    const per = this.#o.qsl.sampleShape.reduce((a, b) => a * b, 1);
    const data = new Array<number>(n * per);
    for (let k = 0; k < n; k++) {
      const s = this.#o.qsl.sample(samples[from + k]!);
      for (let i = 0; i < per; i++) data[k * per + i] = s[i]!;
    }
    const body = JSON.stringify({
      id: String(q), inputs: [{ name: this.#input, shape: [n, ...this.#o.qsl.sampleShape], datatype: this.#o.qsl.datatype, data }],
      outputs: [{ name: this.#output }],
    });
    this.#call('POST', this.#modelPath('/infer'), body).then(({ status, text }) => {
      if (status !== 200) return this.#fail(q, n, KServeSut.errorOf(status, text));
      let out: { name?: string; shape?: number[]; data?: unknown[] } | undefined;
      try {
        out = (JSON.parse(text) as { outputs?: typeof out[] }).outputs?.find((o) => o?.name === this.#output);
      } catch {
        return this.#fail(q, n, `200 with a body that is not JSON: ${text.slice(0, 100)}`);
      }
      const shape = out?.shape;
      const declared = this.metadata?.outputs.find((o) => o.name === this.#output)?.shape;
      const per = Array.isArray(shape) ? shape.slice(1).reduce((a, b) => a * b, 1) : Number.NaN;
      const matches = Array.isArray(shape) && shape[0] === n && (!declared || (declared.length === shape.length && declared.every((d, i) => i === 0 || d === -1 || d === shape[i])));
      if (!out || !matches || !Array.isArray(out.data) || out.data.length !== n * per || out.data.some((x) => typeof x !== 'number')) {
        return this.#fail(q, n, `output "${this.#output}" is not [${n}, ${declared?.slice(1).join(', ') ?? 'classes'}] numbers: got shape ${JSON.stringify(shape)} with ${Array.isArray(out?.data) ? out.data.length : 'no'} values`);
      }
      const classes = out.data.length / n;
      for (let k = 0; k < n; k++) {
        if (this.predictions.length > 0) {
          let best = 0;
          for (let c = 1; c < classes; c++) if ((out.data[k * classes + c] as number) > (out.data[k * classes + best] as number)) best = c;
          this.predictions[samples[from + k]!] = best;
        }
        this.#complete(q, k, true);
      }
    }, (e: Error) => this.#fail(q, n, `request failed: ${e.message}`));
  }

  resetErrors(): void {
    this.errors.length = 0;
    this.errorCount = 0;
    this.predictions.fill(-1);
  }

  close(): void {
    this.#agent.destroy();
  }
}
