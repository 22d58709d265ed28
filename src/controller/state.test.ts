/** The scheduling state: the capacity index follows the active jobs, and is rebuilt after the nodes change. */
import { expect, it } from 'vitest';
import { asNodeName } from '../core/ids.ts';
import type { JobRecord } from '../store/records.ts';
import { ControllerState } from './state.ts';
import { aNode } from './testing.ts';

const job = (id: string, devices: number[]): JobRecord => ({
  id, tenantId: 'ten', projectId: 'prj', userId: 'usr', name: id, partition: 'gpu', state: 'running', priority: 0, qos: null,
  request: { tasks: 1, devicesPerTask: devices.length, acceleratorTypes: [], cpusPerTask: 1, memoryMbPerTask: 1, timeLimitSeconds: 60 },
  placement: [{ node: asNodeName('n1'), devices, cpus: 1, memoryMb: 1, tasks: 1 }], acceleratorType: 'h100', submittedAt: 0, startedAt: 0, updatedAt: 0,
  allocationId: null, reservationId: null,
} as unknown as JobRecord);

it('tracks exactly the active jobs in the capacity index', () => {
  const s = new ControllerState([aNode('n1', 'h100', 4)], 7 * 86_400);
  const free = () => s.snapshot().index!.groupsOf('gpu')[0]!.freeUp;
  expect(free()).toBe(4);
  s.setActive(job('a', [0, 1]));
  expect(free()).toBe(2);
  s.setActive(job('a', [0, 1])); // the same job's record again: not counted twice
  expect(free()).toBe(2);
  s.unsetActive('a');
  expect(free()).toBe(4);
  s.setActive(job('b', [3]));
  s.setNodes([aNode('n1', 'h100', 8)]);
  expect(free()).toBe(7);
});
