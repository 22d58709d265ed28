import { describe, expect, it } from 'vitest';
import type { Job, Node } from '../contract/index.ts';
import { showJob } from './commands/jobs.ts';
import {
  describeRequest, formatDuration, formatMemory, jobDevices, jobReason, jobsTable, nodeDevices, nodesTable, problemLines,
  relativeTime, table,
} from './format.ts';

/** A valid job with defaults; tests override what they are about. */
function aJob(over: Partial<Job> = {}): Job {
  return {
    id: 'job_mfe8k2x0Ab3dEf9h', name: 'train', tenant: 'ten_1', project: 'prj_1', user: 'usr_1', partition: 'gpu',
    state: 'pending',
    request: { tasks: 2, devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'], cpusPerTask: 8, memoryMbPerTask: 32768, nodes: null, tasksPerNode: null, timeLimitSeconds: 7200 },
    priority: 0, submittedAt: '2026-11-25T10:00:00.000Z', startedAt: null, endedAt: null, exitCode: null, signal: null,
    pendingReason: 'resources', pendingMessage: 'waiting for 8 h100 devices', estimatedStart: '2026-11-25T12:00:00.000Z',
    placement: null, acceleratorType: null, attempt: 0, allocation: null, reservation: null, failureReason: null, warnings: [], workingDirectory: '/home/kim', script: '#!/bin/bash\n',
    ...over,
  };
}

function aNode(over: Partial<Node> = {}): Node {
  return {
    name: 'gpu-001', partition: 'gpu', cpus: 128, memoryMb: 2 * 1024 * 1024,
    devices: Array.from({ length: 8 }, (_, index) => ({ index, type: 'nvidia-h100-sxm-80gb' })),
    labels: {}, state: 'up', stateReason: null, source: 'declared', allocatedDevices: [0, 1, 2], allocatedCpus: 24,
    ...over,
  };
}

describe('table', () => {
  it('aligns columns, right-aligns numbers, trims trailing spaces', () => {
    const t = table([{ a: 'x', n: 5 }, { a: 'longer', n: 123 }], [
      { header: 'A', get: (r) => r.a },
      { header: 'N', get: (r) => String(r.n), right: true },
    ]);
    expect(t).toBe('A         N\nx         5\nlonger  123\n');
  });
  it('cuts the widest column with … until the table fits the width', () => {
    const rows = [{ a: 'a'.repeat(80), b: 'b'.repeat(40) }];
    const t = table(rows, [{ header: 'A', get: (r) => r.a }, { header: 'B', get: (r) => r.b }], 100);
    for (const line of t.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(t).toContain('…');
  });
  it('a job table with long names fits 100 columns', () => {
    const jobs = [aJob({ name: 'a-very-long-experiment-name-that-goes-on-and-on', pendingReason: 'allocation_exhausted' }), aJob({ state: 'running', acceleratorType: 'nvidia-h100-sxm-80gb', pendingReason: null })];
    const t = jobsTable(jobs);
    for (const line of t.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(t.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+REASON\s+DEVICES\s+SUBMITTED$/);
  });
});

describe('job summaries', () => {
  const cases: Record<string, { job: Job; devices: string; reason: string }> = {
    pending: { job: aJob(), devices: '8 h100-sxm-80gb', reason: 'resources' },
    'any type': { job: aJob({ request: { ...aJob().request, acceleratorTypes: [] } }), devices: '8 any', reason: 'resources' },
    'cpu only': { job: aJob({ request: { ...aJob().request, devicesPerTask: 0 } }), devices: '-', reason: 'resources' },
    failed: { job: aJob({ state: 'failed', exitCode: 3, pendingReason: null }), devices: '8 h100-sxm-80gb', reason: 'exit 3' },
    killed: { job: aJob({ state: 'failed', signal: 'SIGKILL', pendingReason: null }), devices: '8 h100-sxm-80gb', reason: 'signal SIGKILL' },
    succeeded: { job: aJob({ state: 'succeeded', exitCode: 0, pendingReason: null }), devices: '8 h100-sxm-80gb', reason: '' },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      expect(jobDevices(c.job)).toBe(c.devices);
      expect(jobReason(c.job)).toBe(c.reason);
    });
  }
  it('describes a request', () => {
    expect(describeRequest(aJob().request)).toBe('2 tasks × 4 devices (h100-sxm-80gb), 8 CPUs and 32 GiB each; time limit 2:00:00');
    expect(describeRequest({ ...aJob().request, tasks: 1, devicesPerTask: 0, cpusPerTask: 1, memoryMbPerTask: 512, nodes: 1, tasksPerNode: 1 }))
      .toBe('1 task, 1 CPU and 512 MiB each; 1 node × 1 task; time limit 2:00:00');
  });
  it('shows a pending job with its reason and estimated start', () => {
    const text = showJob(aJob(), Date.parse('2026-11-25T11:00:00Z'));
    expect(text).toMatch(/pending\s+resources: waiting for 8 h100 devices/);
    expect(text).toMatch(/est\. start\s+.*\(in 1h\)/);
  });
});

describe('nodes', () => {
  it('marks declared devices and fits 100 columns', () => {
    expect(nodeDevices(aNode())).toBe('8 h100-sxm-80gb (3 in use) declared');
    expect(nodeDevices(aNode({ source: 'host', allocatedDevices: [] }))).toBe('8 h100-sxm-80gb');
    expect(nodeDevices(aNode({ devices: [] }))).toBe('-');
    const t = nodesTable([aNode(), aNode({ name: 'cpu-a-very-long-node-name-0001', state: 'draining', stateReason: 'fan failure reported by BMC', devices: [] })]);
    for (const line of t.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(t).toContain('24/128');
    expect(t).toContain('2 TiB');
  });
});

describe('small formats', () => {
  it('durations, memory, relative times', () => {
    expect([45, 200, 3600, 7500, 90000].map(formatDuration)).toEqual(['45s', '3m 20s', '1h', '2h 5m', '1d 1h']);
    expect([512, 1536, 32768, 1048576].map(formatMemory)).toEqual(['512 MiB', '1.5 GiB', '32 GiB', '1 TiB']);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(relativeTime('2026-11-25T09:57:00Z', now)).toBe('3m ago');
    expect(relativeTime('2026-11-25T10:00:02Z', now)).toBe('just now');
  });
  it('problem lines: title, detail and one line per field', () => {
    expect(problemLines({ title: 'The request is not valid', detail: 'tasks is too small', errors: [{ path: 'tasks', message: 'must be at least 1' }] }))
      .toBe('error: The request is not valid: tasks is too small\n  tasks: must be at least 1\n');
  });
});
