/**
 * Dynamic batching for one model, as inference servers do it: while the model runs, requests queue; when
 * it is free, every queued request (up to `maxBatch` samples along the first dimension) runs as one batch
 * and each gets its own rows back. A request alone runs at once: batching adds no delay when idle.
 */
import * as ort from 'onnxruntime-node';
import type { LoadedModel } from './repository.ts';

interface Pending {
  input: Float32Array | Int32Array | BigInt64Array | Uint8Array | Float64Array | Int8Array | Uint16Array | Int16Array | Uint32Array | BigUint64Array;
  type: ort.Tensor.Type;
  shape: number[];
  resolve: (out: Record<string, ort.Tensor>) => void;
  reject: (e: unknown) => void;
}

export class Batcher {
  readonly #model: LoadedModel;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #running = false;
  /** Batches run and samples inferred, for the server's metrics. */
  batches = 0;
  samples = 0;

  constructor(model: LoadedModel, opts: { maxBatch?: number } = {}) {
    this.#model = model;
    this.#maxBatch = opts.maxBatch ?? 64;
  }

  infer(input: Pending['input'], type: ort.Tensor.Type, shape: number[]): Promise<Record<string, ort.Tensor>> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, type, shape, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) await this.#runBatch();
    this.#running = false;
  }

  async #runBatch(): Promise<void> {
    const first = this.#queue[0]!;
    const rowShape = first.shape.slice(1).join(',');
    const batch: Pending[] = [];
    let rows = 0;
    while (this.#queue.length > 0) {
      const p = this.#queue[0]!;
      if (p.type !== first.type || p.shape.slice(1).join(',') !== rowShape) break;
      if (batch.length > 0 && rows + p.shape[0]! > this.#maxBatch) break;
      batch.push(this.#queue.shift()!);
      rows += p.shape[0]!;
    }
    try {
      const inputName = this.#model.inputs[0]!.name;
      let data: Pending['input'];
      if (batch.length === 1) data = first.input;
      else {
        const Ctor = first.input.constructor as new (n: number) => Pending['input'];
        data = new Ctor(batch.reduce((n, p) => n + p.input.length, 0));
        let at = 0;
        for (const p of batch) {
          (data as Float32Array).set(p.input as Float32Array, at);
          at += p.input.length;
        }
      }
      const out = await this.#model.session.run({ [inputName]: new ort.Tensor(first.type, data, [rows, ...first.shape.slice(1)]) });
      this.batches++;
      this.samples += rows;
      let row = 0;
      for (const p of batch) {
        const mine: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(out)) {
          const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
          const d = t.data as Float32Array;
          mine[name] = new ort.Tensor(t.type, d.slice(row * per, (row + p.shape[0]!) * per), [p.shape[0]!, ...t.dims.slice(1)]);
        }
        row += p.shape[0]!;
        p.resolve(mine);
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
