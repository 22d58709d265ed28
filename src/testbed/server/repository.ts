/**
 * A model repository in the Triton/KServe layout: `<root>/<model>/<version>/model.onnx`. Each model is
 * loaded into an onnxruntime-node session (CPU here; the execution providers onnxruntime was built with
 * elsewhere) and described as the Open Inference Protocol describes models: name, versions, platform,
 * and typed input and output tensors with their shapes (-1 for a dynamic dimension).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

/** Open Inference Protocol datatypes ↔ onnxruntime tensor types. */
export const DATATYPES: Record<string, ort.Tensor.Type> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', INT8: 'int8', INT16: 'int16',
  INT32: 'int32', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64',
};
export const datatypeOf = (t: string): string | undefined => Object.entries(DATATYPES).find(([, v]) => v === t)?.[0];

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface LoadedModel {
  name: string;
  version: string;
  sha256: string;
  session: ort.InferenceSession;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return meta.map((m) => {
    if (!m.isTensor) return { name: m.name, datatype: 'BYTES', shape: [] };
    return { name: m.name, datatype: datatypeOf(m.type) ?? m.type.toUpperCase(), shape: m.shape.map((d) => (typeof d === 'number' ? d : -1)) };
  });
}

export async function loadRepository(root: string, opts: { intraOpThreads?: number } = {}): Promise<Map<string, LoadedModel[]>> {
  const models = new Map<string, LoadedModel[]>();
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    const versions: LoadedModel[] = [];
    for (const version of readdirSync(dir).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b))) {
      const file = join(dir, version, 'model.onnx');
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue;
      }
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: opts.intraOpThreads ?? 1, executionMode: 'sequential' });
      versions.push({
        name, version, sha256: createHash('sha256').update(bytes).digest('hex'), session,
        inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata),
      });
    }
    if (versions.length > 0) models.set(name, versions);
  }
  return models;
}

export const ONNXRUNTIME_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;
