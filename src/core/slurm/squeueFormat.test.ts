import { describe, expect, it } from 'vitest';
import { parseSqueueFormat, renderSqueue, slurmDuration, SQUEUE_DEFAULT_FORMAT, type SqueueRow } from './squeueFormat.ts';

const row = (over: Partial<SqueueRow> = {}): SqueueRow => ({
  jobId: 'job_1', arrayJobId: 'job_1', name: 'train-resnet-50', user: 'kim', account: 'vision', partition: 'gpu', stateCode: 'R', state: 'RUNNING',
  elapsedSeconds: 3725, timeLimitSeconds: 86_400, nodes: 2, nodeList: 'gpu-[001-002]', reason: 'None', cpus: 16, tres: 'gres/gpu:8', priority: 10,
  submitTime: '2026-12-08T01:00:00', startTime: '2026-12-08T01:01:00', ...over,
});

describe('squeue formats', () => {
  it('the default format: right-justified and truncated as squeue does', () => {
    const t = parseSqueueFormat(SQUEUE_DEFAULT_FORMAT);
    if ('error' in t) throw new Error(t.error);
    expect(renderSqueue(t, [row(), row({ jobId: 'job_2', stateCode: 'PD', state: 'PENDING', elapsedSeconds: 0, reason: 'Resources', nodeList: '' })])).toEqual([
      '             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)',
      '             job_1       gpu train-re      kim  R    1:02:05      2 gpu-[001-002]',
      '             job_2       gpu train-re      kim PD       0:00      2 (Resources)',
    ]);
  });
  it('left-justified widths, literal text, %% and no header', () => {
    const t = parseSqueueFormat('%-10i|%5t|%l 100%%');
    if ('error' in t) throw new Error(t.error);
    expect(renderSqueue(t, [row()], true)).toEqual(['job_1     |R    |1-00:00:00 100%']);
  });
  it('names an unknown field and lists the supported ones', () => {
    expect(parseSqueueFormat('%i %z')).toEqual({ error: expect.stringMatching(/field "%z" is not supported here; supported: %i %A/) });
  });
  it('durations as Slurm prints them', () => {
    expect([slurmDuration(0), slurmDuration(65), slurmDuration(3600), slurmDuration(90061)]).toEqual(['0:00', '1:05', '1:00:00', '1-01:01:01']);
  });
});
