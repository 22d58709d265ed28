/**
 * The query sample library of a test-bed run: a validation set of fixed-shape tensors with their labels
 * and the FP32 reference's metric, read from a folder as scripts/build-reference-model.py writes it
 * (reference.json, images.f32, labels.u8). Samples are views into one buffer: issuing copies nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheomdanError } from '../core/errors.ts';

export interface QuerySampleLibrary {
  name: string;
  totalSampleCount: number;
  /** Samples a performance run keeps loaded (LoadGen's performance sample count). */
  performanceSampleCount: number;
  sampleShape: number[];
  datatype: 'FP32';
  sample(index: number): Float32Array;
  label(index: number): number;
  metric: 'top-1 accuracy';
  /** The FP32 reference model and its metric on this set: what a run's accuracy is held to. */
  reference: { model: string; value: number };
}

export function loadTensorLibrary(dir: string): QuerySampleLibrary {
  let ref: { samples: number; sampleShape: number[]; datatype: string; metric: string; models: Record<string, { fp32Top1: number }>; dataset: string; reference: string; referenceTop1: number };
  try {
    ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
  } catch (e) {
    throw new CheomdanError('validation_failed', `cannot read the sample library ${dir}/reference.json: ${(e as Error).message}`);
  }
  const per = ref.sampleShape.reduce((a, b) => a * b, 1);
  const raw = readFileSync(join(dir, 'images.f32'));
  const images = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const labels = readFileSync(join(dir, 'labels.u8'));
  if (images.length !== ref.samples * per || labels.length !== ref.samples) {
    throw new CheomdanError('validation_failed', `the sample library ${dir} is inconsistent: reference.json says ${ref.samples} samples of ${per} values, the files hold ${images.length / per} and ${labels.length} labels`);
  }
  return {
    name: ref.dataset, totalSampleCount: ref.samples, performanceSampleCount: ref.samples, sampleShape: ref.sampleShape,
    datatype: 'FP32', metric: 'top-1 accuracy',
    reference: { model: ref.reference, value: ref.referenceTop1 },
    sample: (i) => images.subarray(i * per, (i + 1) * per),
    label: (i) => labels[i]!,
  };
}
