import { describe, expect, it } from 'vitest';
import { ACCELERATOR_CATALOG, PRECISIONS, acceleratorForProbeName, findAcceleratorType, petaflops, type AcceleratorType } from './accelerators.ts';

/** Pairs (higher, lower) where a wider/narrower format ordering must hold when the type has both. */
const ORDER: [keyof AcceleratorType['peak'], keyof AcceleratorType['peak']][] = [
  ['fp32', 'fp64'],
  ['tf32', 'fp32'],
  ['bf16', 'tf32'],
  ['fp16', 'tf32'],
  ['fp16', 'fp32'],
  ['bf16', 'fp32'],
  ['fp8', 'bf16'],
  ['fp8', 'fp16'],
  ['int8', 'bf16'],
  ['int8', 'fp16'],
];

describe('accelerator catalog', () => {
  it('has unique ids and probe names', () => {
    const ids = ACCELERATOR_CATALOG.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    const names = ACCELERATOR_CATALOG.flatMap((a) => a.probeNames.map((n) => n.toLowerCase()));
    expect(new Set(names).size).toBe(names.length);
  });

  for (const a of ACCELERATOR_CATALOG) {
    it(`${a.id}: has a source and consistent figures`, () => {
      expect(a.source.length).toBeGreaterThan(20);
      expect(a.source).toMatch(/\(\d{4}\)/); // names the document's year
      expect(a.memoryGb).toBeGreaterThan(0);
      expect(a.powerWatts).toBeGreaterThan(0);
      expect(Object.keys(a.peak).sort()).toEqual([...PRECISIONS].sort());
      const known = PRECISIONS.filter((p) => a.peak[p] !== null);
      expect(known.length).toBeGreaterThan(0);
      for (const p of known) expect(a.peak[p]!).toBeGreaterThan(0);
      for (const [hi, lo] of ORDER) {
        const h = a.peak[hi];
        const l = a.peak[lo];
        if (h !== null && l !== null) expect(h, `${hi} (${h}) >= ${lo} (${l})`).toBeGreaterThanOrEqual(l);
      }
      // Dense figures: 16-bit Tensor throughput is 2x TF32, and FP8 2x FP16, where both are published.
      const half = a.peak.bf16 ?? a.peak.fp16;
      if (a.peak.tf32 !== null && half !== null) expect(half / a.peak.tf32).toBeCloseTo(2, 1);
      if (a.peak.fp8 !== null && half !== null) expect(a.peak.fp8 / half).toBeCloseTo(2, 1);
      if (a.peak.bf16 !== null && a.peak.fp16 !== null) expect(a.peak.bf16).toBe(a.peak.fp16);
      // A GPU's AI peak per watt stays within physics as of 2024 (< 6 dense TFLOPS/W at 16 bits).
      if (half !== null) expect(half / a.powerWatts).toBeLessThan(6);
    });
  }

  it('recognises the names nvidia-smi reports', () => {
    expect(acceleratorForProbeName('NVIDIA H100 80GB HBM3')?.id).toBe('nvidia-h100-sxm-80gb');
    expect(acceleratorForProbeName(' NVIDIA H100 PCIe ')?.id).toBe('nvidia-h100-pcie-80gb');
    expect(acceleratorForProbeName('NVIDIA A100-SXM4-80GB')?.id).toBe('nvidia-a100-sxm-80gb');
    expect(acceleratorForProbeName('NVIDIA A100 80GB PCIe')).toBeUndefined();
    expect(acceleratorForProbeName('NVIDIA L40S')?.id).toBe('nvidia-l40s-48gb');
    expect(acceleratorForProbeName('Tesla T4')).toBeUndefined();
  });

  it('computes PF and null for missing precisions', () => {
    const h100 = findAcceleratorType('nvidia-h100-sxm-80gb')!;
    expect(petaflops(h100, 'fp64', 1000)).toBeCloseTo(67, 6);
    expect(petaflops(findAcceleratorType('furiosa-rngd')!, 'fp16', 8)).toBeNull();
  });
});
