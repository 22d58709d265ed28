import { describe, expect, it } from 'vitest';
import { checkFilenamePattern, defaultOutputPattern, expandFilenamePattern, type PatternValues } from './filenamePattern.ts';

const job: PatternValues = { jobId: '1234', jobName: 'train', user: 'alice', node: 'gpu-001.example.org' };
const task: PatternValues = { ...job, jobId: '1241', arrayJobId: '1234', arrayTaskId: 7 };

const cases: Record<string, { pattern: string; values?: PatternValues; want?: string; wantError?: string }> = {
  'job id and name': { pattern: 'logs/%x-%j.out', want: 'logs/train-1234.out' },
  'user, %% and %J': { pattern: '%u_%%_%J.log', want: 'alice_%_1234.log' },
  'array master and task': { pattern: 'slurm-%A_%a.out', values: task, want: 'slurm-1234_7.out' },
  'the task\'s own id with %j': { pattern: '%j.out', values: task, want: '1241.out' },
  'zero padding': { pattern: 'r-%4a-%3n.out', values: task, want: 'r-0007-000.out' },
  'padding is capped at 10': { pattern: '%12j', want: '0000001234' },
  'not an array: %A is the job id, %a NO_VAL': { pattern: '%A_%a', want: '1234_4294967294' },
  'short host name, node index, rank, step': { pattern: '%N-%n-%t-%s', want: 'gpu-001-0-0-batch' },
  'a backslash turns expansion off': { pattern: 'out\\%j.txt', want: 'out%j.txt' },
  'an unknown letter': { pattern: 'out-%q.txt', wantError: '%q is not a file name pattern' },
  'a lone % at the end': { pattern: 'out%', wantError: '% at the end' },
  'a width before %%': { pattern: 'out%3%', wantError: '%3% is not' },
  'empty': { pattern: '', wantError: 'empty file name' },
};

describe('filename patterns', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const err = checkFilenamePattern(c.pattern, '--output');
      if (c.wantError) {
        expect(err?.error).toContain(c.wantError);
        expect(err?.error).toContain('--output');
      } else {
        expect(err).toBeUndefined();
        expect(expandFilenamePattern(c.pattern, c.values ?? job)).toBe(c.want);
      }
    });
  }
  it("Slurm's defaults", () => {
    expect(expandFilenamePattern(defaultOutputPattern(false), job)).toBe('slurm-1234.out');
    expect(expandFilenamePattern(defaultOutputPattern(true), task)).toBe('slurm-1234_7.out');
  });
});
