import { describe, expect, it } from 'vitest';
import type { SlurmJob } from './client.ts';
import { baseState, decodeExit, observationOf } from './states.ts';

const job = (over: Partial<SlurmJob>): SlurmJob => ({
  job_id: 7, name: 'chd-j', job_state: 'RUNNING', submit_time: 100, start_time: 101, end_time: 0, exit_code: 0, ...over,
});
const none = { cancelled: false, timedOut: false, preempted: false };

describe('decodeExit (raw wait status)', () => {
  const cases: Record<string, [number | null, { exitCode: number | null; signal: string | null }]> = {
    'exit 0': [0, { exitCode: 0, signal: null }],
    'exit 3': [3 << 8, { exitCode: 3, signal: null }],
    'killed by SIGKILL': [9, { exitCode: null, signal: 'SIGKILL' }],
    'shell status 143 = SIGTERM': [143 << 8, { exitCode: null, signal: 'SIGTERM' }],
    'exit 128 is an exit code': [128 << 8, { exitCode: 128, signal: null }],
    unknown: [null, { exitCode: null, signal: null }],
  };
  for (const [name, [raw, want]] of Object.entries(cases)) it(name, () => expect(decodeExit(raw)).toEqual(want));
});

describe('observationOf', () => {
  it('maps running states, with Slurm\'s start time in ms', () => {
    for (const s of ['RUNNING', 'COMPLETING', 'CONFIGURING', 'SUSPENDED']) {
      expect(observationOf('7', job({ job_state: s }), none)).toMatchObject({ state: 'running', startedAt: 101_000 });
    }
  });

  it('maps ends: completed, failed, timeout, cancelled, node failure', () => {
    const end = { start_time: 101, end_time: 105 };
    expect(observationOf('7', job({ ...end, job_state: 'COMPLETED' }), none))
      .toMatchObject({ state: 'exited', exitCode: 0, startedAt: 101_000, endedAt: 105_000, cancelled: false, timedOut: false });
    expect(observationOf('7', job({ ...end, job_state: 'FAILED', exit_code: 2 << 8 }), none)).toMatchObject({ exitCode: 2 });
    expect(observationOf('7', job({ ...end, job_state: 'TIMEOUT', exit_code: 15 }), none)).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
    expect(observationOf('7', job({ ...end, job_state: 'CANCELLED', exit_code: 15 }), none)).toMatchObject({ cancelled: true, timedOut: false });
    expect(observationOf('7', job({ ...end, job_state: 'CANCELLED' }), { ...none, timedOut: true })).toMatchObject({ cancelled: false, timedOut: true });
    expect(observationOf('7', job({ ...end, job_state: 'CANCELLED' }), { ...none, cancelled: true, preempted: true })).toMatchObject({ cancelled: true, preempted: true });
    expect(observationOf('7', job({ ...end, job_state: 'NODE_FAIL', nodes: 'node4', state_reason: 'None' }), none))
      .toMatchObject({ state: 'exited', exitCode: null, detail: 'Slurm ended job 7: NODE_FAIL on node4' });
  });

  it('reads the base state under flags', () => {
    expect(baseState('CANCELLED by 0')).toBe('CANCELLED');
    expect(baseState('RUNNING,COMPLETING')).toBe('RUNNING');
  });
});
