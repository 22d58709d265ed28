import { describe, expect, it } from 'vitest';
import { inventoryFromNodes, nodeState, parseGres } from './inventory.ts';

const opts = { defaultAcceleratorType: 'nvidia-h100-sxm-80gb', gresTypes: { a100: 'nvidia-a100-sxm-80gb' } };

describe('parseGres', () => {
  const types = (g: string) => parseGres(g, opts).map((d) => `${d.index}:${d.type}`);
  it('reads untyped, typed, socket-annotated and mixed gres; ignores other gres and empties', () => {
    expect(types('gpu:2')).toEqual(['0:nvidia-h100-sxm-80gb', '1:nvidia-h100-sxm-80gb']);
    expect(types('gpu:a100:1(S:0-1)')).toEqual(['0:nvidia-a100-sxm-80gb']);
    expect(types('gpu:a100:1,gpu:l40:1,shard:8')).toEqual(['0:nvidia-a100-sxm-80gb', '1:nvidia-h100-sxm-80gb']);
    expect(types('(null)')).toEqual([]);
    expect(types('')).toEqual([]);
  });
});

describe('nodeState', () => {
  const cases: Record<string, [string, string[], string]> = {
    idle: ['idle', [], 'up'], mixed: ['mixed', [], 'up'], allocated: ['allocated', [], 'up'],
    'drain flag': ['idle', ['DRAIN'], 'draining'], drained: ['drained', [], 'draining'],
    down: ['down', [], 'down'], 'down and drained': ['down', ['DRAIN'], 'down'],
    'not responding': ['idle', ['NOT_RESPONDING'], 'down'], unknown: ['unknown', [], 'down'],
  };
  for (const [name, [state, flags, want]] of Object.entries(cases)) it(name, () => expect(nodeState(state, flags)).toBe(want));
});

describe('inventoryFromNodes', () => {
  it('keeps nodes of the wanted partitions, naming the first wanted one', () => {
    const nodes = [
      { name: 'a', state: 'idle', cpus: 8, real_memory: 1000, gres: 'gpu:1', partitions: ['debug', 'gpu'] },
      { name: 'b', state: 'idle', cpus: 8, real_memory: 1000, gres: '', partitions: ['cpu'] },
    ];
    expect(inventoryFromNodes(nodes, { ...opts, partitions: ['gpu'] }).map((n) => [n.name, n.partition, n.devices.length, n.source]))
      .toEqual([['a', 'gpu', 1, 'slurm']]);
    expect(inventoryFromNodes(nodes, opts).map((n) => n.partition)).toEqual(['debug', 'cpu']);
  });
});
