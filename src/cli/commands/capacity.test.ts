import { describe, expect, it } from 'vitest';
import { computeCapacity } from '../../core/capacity.ts';
import { parseInventory } from '../../core/inventoryFile.ts';
import { Capacity } from '../../contract/inventory.ts';
import { DECLARED_LINE, formatCapacity, formatPetaflops } from './capacity.ts';

const demo = parseInventory(
  `
capacityPrecision: bf16
partitions: [ { name: gpu, default: true }, { name: cpu } ]
nodeGroups:
  - { prefix: gpu-, count: 2, cpus: 32, memoryGb: 256, devices: { type: nvidia-h100-sxm-80gb, count: 4 } }
nodes:
  - { name: npu-001, cpus: 32, memoryGb: 256, devices: { type: furiosa-rngd, count: 4 } }
  - { name: cpu-001, partition: cpu, cpus: 16, memoryGb: 64 }
`,
  'yaml',
  'demo',
);

describe('formatCapacity', () => {
  it('prints devices, the headline share and PF per precision per type, the total with its precision, and the declared marker', () => {
    const c = computeCapacity(demo.nodes, new Map([['gpu-001', [0, 1, 2]]]), demo.capacityPrecision);
    expect(Capacity.parse(c)).toEqual(c); // what the API would send
    const text = formatCapacity(c);
    expect(text).toBe(
      [
        'TYPE                   MODEL                  DEVICES  UP  ALLOC  NODES  HEADLINE PF',
        'nvidia-h100-sxm-80gb*  NVIDIA H100 SXM5 80GB        8   8      3      2    7.92 bf16',
        'furiosa-rngd*          FuriosaAI RNGD 48GB          4   4      0      1    1.02 bf16',
        '',
        'Peak PF per precision (dense; int8 in POPS; "-": no published figure):',
        'TYPE                    FP64   FP32  TF32  BF16  FP16    FP8   INT8',
        'nvidia-h100-sxm-80gb*  0.536  0.536  3.96  7.92  7.92  15.83  15.83',
        'furiosa-rngd*              -      -     -  1.02     -   2.05   2.05',
        '',
        'Headline: 8.94 PF, counted at bf16 (GPU 7.92 PF + NPU 1.02 PF)',
        'Dense peak: nvidia-h100-sxm-80gb at bf16, furiosa-rngd at bf16. CPUs are not counted.',
        'CPU-only nodes: 1 (16 CPUs), not counted in PF.',
        DECLARED_LINE,
        '',
      ].join('\n'),
    );
  });

  it('says nothing about declared devices for probed hardware, and names types left out of the headline', () => {
    const probed = demo.nodes.map((n) => ({ ...n, source: 'host' as const }));
    const c = computeCapacity(probed, undefined, { gpu: 'fp64', npu: 'fp64' });
    const text = formatCapacity(c);
    expect(text).not.toContain('declared');
    expect(text).not.toContain('*');
    expect(text).toMatch(/furiosa-rngd\s+FuriosaAI RNGD 48GB\s+4\s+4\s+0\s+1\s+not counted\n/);
    expect(text).toContain('Headline: 0.536 PF, counted at fp64 (GPU 0.536 PF + NPU 0.00 PF)');
    expect(text).toContain('Not counted (no fp64 figure): furiosa-rngd.');
  });

  it('handles an inventory without accelerators', () => {
    const c = computeCapacity(demo.nodes.filter((n) => n.devices.length === 0), undefined, demo.capacityPrecision);
    expect(formatCapacity(c)).toBe(
      'No accelerators.\n\nHeadline: 0.00 PF, counted at bf16 (GPU 0.00 PF + NPU 0.00 PF)\nDense peak: no accelerators. CPUs are not counted.\nCPU-only nodes: 1 (16 CPUs), not counted in PF.\n',
    );
  });

  it('formats PF', () => {
    expect([formatPetaflops(null), formatPetaflops(0), formatPetaflops(0.5364), formatPetaflops(68.608), formatPetaflops(2026.3936)]).toEqual([
      '-', '0.00', '0.536', '68.61', '2026.39',
    ]);
  });
});
