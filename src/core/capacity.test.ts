import { describe, expect, it } from 'vitest';
import { computeCapacity, headlinePrecisionFor } from './capacity.ts';
import { findAcceleratorType } from './accelerators.ts';
import { CheomdanError } from './errors.ts';
import { asAcceleratorType, asNodeName, asPartition } from './ids.ts';
import type { InventoryNode, NodeState } from './inventory.ts';

/** A node builder with valid defaults: `aNode('g1').devices('nvidia-h100-sxm-80gb', 8).state('down').build()`. */
function aNode(name: string) {
  const n: InventoryNode = {
    name: asNodeName(name), partition: asPartition('gpu'), cpus: 64, memoryMb: 1024, devices: [], labels: {}, state: 'up', source: 'declared',
  };
  const b = {
    devices(type: string, count: number) {
      n.devices = [...n.devices, ...Array.from({ length: count }, (_, i) => ({ index: n.devices.length + i, type: asAcceleratorType(type) }))];
      return b;
    },
    cpus(c: number) { n.cpus = c; return b; },
    state(s: NodeState) { n.state = s; return b; },
    host() { n.source = 'host'; return b; },
    build: () => n,
  };
  return b;
}

describe('computeCapacity', () => {
  it('adds up devices, up, allocated and PF per precision, per type, in catalog order', () => {
    const nodes = [
      aNode('r1').devices('furiosa-rngd', 8).build(),
      aNode('h1').devices('nvidia-h100-sxm-80gb', 8).build(),
      aNode('h2').devices('nvidia-h100-sxm-80gb', 8).state('draining').build(),
      aNode('c1').cpus(128).build(),
      aNode('c2').cpus(64).state('down').build(),
    ];
    const c = computeCapacity(nodes, new Map<string, number | number[]>([['h1', [0, 3]], ['h2', 1], ['r1', 8]]), { gpu: 'bf16', npu: 'bf16' });
    expect(c.rows.map((r) => r.acceleratorType)).toEqual(['nvidia-h100-sxm-80gb', 'furiosa-rngd']);
    const [h100, rngd] = c.rows;
    expect(h100).toMatchObject({
      model: 'NVIDIA H100 SXM5 80GB', kind: 'gpu', devices: 16, devicesUp: 8, devicesAllocated: 3, nodes: 2, declared: true,
      headlinePrecision: 'bf16',
    });
    expect(h100!.petaflops.fp64).toBeCloseTo(16 * 0.067, 9);
    expect(h100!.petaflops.bf16).toBeCloseTo(16 * 0.9894, 9);
    expect(h100!.headlinePetaflops).toBeCloseTo(16 * 0.9894, 9);
    expect(rngd).toMatchObject({ devices: 8, devicesUp: 8, devicesAllocated: 8, nodes: 1, kind: 'npu' });
    expect(rngd!.petaflops.fp16).toBeNull();
    expect(rngd!.petaflops.fp8).toBeCloseTo(8 * 0.512, 9);
    expect(c.cpuNodes).toBe(2);
    expect(c.cpus).toBe(192);
    expect(c.totalPetaflops.headline).toBeCloseTo(16 * 0.9894 + 8 * 0.256, 9);
    expect(c.totalPetaflops.byKind.npu).toBeCloseTo(8 * 0.256, 9);
    expect(c.totalPetaflops.precision).toBe('bf16');
    expect(c.totalPetaflops.note).toContain('nvidia-h100-sxm-80gb at bf16, furiosa-rngd at bf16');
  });

  interface Case {
    choice: Parameters<typeof computeCapacity>[2];
    /** Headline precision per row, in row order. */
    wantPrecisions: (string | null)[];
    wantHeadline: number;
    wantPrecisionLabel: string;
    wantNote: string;
  }
  const mixed = [
    aNode('h').devices('nvidia-h100-sxm-80gb', 10).build(),
    aNode('l').devices('nvidia-l40s-48gb', 10).build(),
    aNode('a').devices('rebellions-atom', 10).build(),
    aNode('r').devices('furiosa-rngd', 10).build(),
  ];
  const cases: Record<string, Case> = {
    'per kind with a preference list: NPUs at their vendor-quoted 16-bit format': {
      choice: { gpu: ['fp64'], npu: ['bf16', 'fp16'] },
      wantPrecisions: ['fp64', null, 'fp16', 'bf16'],
      wantHeadline: 10 * (0.067 + 0.032 + 0.256),
      wantPrecisionLabel: 'gpu fp64; npu bf16, else fp16',
      wantNote: 'Not counted (no gpu fp64; npu bf16, else fp16 figure): nvidia-l40s-48gb.',
    },
    'one precision for all: types without it are named, not guessed': {
      choice: { gpu: 'fp16', npu: 'fp16' },
      wantPrecisions: ['fp16', 'fp16', 'fp16', null],
      wantHeadline: 10 * (0.9894 + 0.36205 + 0.032),
      wantPrecisionLabel: 'fp16',
      wantNote: 'Not counted (no fp16 figure): furiosa-rngd.',
    },
    'int8 counts every type': {
      choice: { gpu: 'int8', npu: 'int8' },
      wantPrecisions: ['int8', 'int8', 'int8', 'int8'],
      wantHeadline: 10 * (1.9789 + 0.733 + 0.128 + 0.512),
      wantPrecisionLabel: 'int8',
      wantNote: 'CPUs are not counted.',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const got = computeCapacity(mixed, undefined, c.choice);
      expect(got.rows.map((r) => r.headlinePrecision)).toEqual(c.wantPrecisions);
      expect(got.totalPetaflops.headline).toBeCloseTo(c.wantHeadline, 9);
      expect(got.totalPetaflops.byKind.gpu + got.totalPetaflops.byKind.npu).toBeCloseTo(c.wantHeadline, 9);
      expect(got.totalPetaflops.precision).toBe(c.wantPrecisionLabel);
      expect(got.totalPetaflops.note).toContain(c.wantNote);
      expect(got.rows.every((r) => r.devicesAllocated === 0 && r.declared)).toBe(true);
    });
  }

  it('marks a type declared only when a file declared it, and counts nothing for an empty inventory', () => {
    const probed = computeCapacity([aNode('me').devices('nvidia-h100-pcie-80gb', 1).host().build()], new Map(), { gpu: 'bf16', npu: 'bf16' });
    expect(probed.rows[0]!.declared).toBe(false);
    const empty = computeCapacity([], undefined, { gpu: 'bf16', npu: 'bf16' });
    expect(empty).toMatchObject({ rows: [], cpuNodes: 0, cpus: 0, totalPetaflops: { headline: 0 } });
  });

  it('refuses a device type missing from the catalog, naming the node', () => {
    const bad = aNode('x9').devices('nvidia-b200', 1).build();
    expect(() => computeCapacity([bad], undefined, { gpu: 'bf16', npu: 'bf16' })).toThrow(CheomdanError);
    expect(() => computeCapacity([bad], undefined, { gpu: 'bf16', npu: 'bf16' })).toThrow(/node "x9".*"nvidia-b200"/);
  });

  it('headlinePrecisionFor takes the first precision the type has', () => {
    const atom = findAcceleratorType('rebellions-atom')!;
    expect(headlinePrecisionFor(atom, { gpu: 'fp64', npu: ['fp8', 'bf16', 'fp16', 'int8'] })).toBe('fp16');
    expect(headlinePrecisionFor(atom, { gpu: 'fp64', npu: 'fp64' })).toBeNull();
  });
});
