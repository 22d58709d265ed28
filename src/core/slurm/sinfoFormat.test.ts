import { describe, expect, it } from 'vitest';
import { renderSinfo, slurmNodeState, type SinfoNode } from './sinfoFormat.ts';

const n = (name: string, over: Partial<SinfoNode> = {}): SinfoNode => ({ name, partition: 'gpu', state: 'up', devices: 4, allocatedDevices: 0, cpus: 64, allocatedCpus: 0, ...over });

describe('sinfo', () => {
  it('names node states as Slurm does', () => {
    expect([
      slurmNodeState(n('a')), slurmNodeState(n('a', { allocatedDevices: 2, allocatedCpus: 8 })), slurmNodeState(n('a', { allocatedDevices: 4 })),
      slurmNodeState(n('a', { state: 'draining' })), slurmNodeState(n('a', { state: 'draining', allocatedDevices: 1 })), slurmNodeState(n('a', { state: 'down' })),
      slurmNodeState(n('c', { devices: 0, allocatedCpus: 64 })),
    ]).toEqual(['idle', 'mix', 'alloc', 'drain', 'drng', 'down', 'alloc']);
  });
  it('summarises by partition and state, the default partition starred, node lists compressed', () => {
    const nodes = [n('gpu-001'), n('gpu-002'), n('gpu-003', { allocatedDevices: 4 }), n('gpu-004', { state: 'down' }), n('cpu-01', { partition: 'cpu', devices: 0 })];
    expect(renderSinfo(nodes, { defaultPartition: 'gpu' })).toEqual([
      'PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST',
      'gpu*         up   infinite      1  alloc gpu-003',
      'gpu*         up   infinite      1   down gpu-004',
      'gpu*         up   infinite      2   idle gpu-[001-002]',
      'cpu          up   infinite      1   idle cpu-01',
    ]);
    expect(renderSinfo(nodes, { perNode: true, noHeader: true })[0]).toBe('cpu-01         1 cpu       idle');
  });
});
