import { describe, expect, it } from 'vitest';
import { flagsToSubmit, type SubmitFields, type SubmitFlags } from './submitFlags.ts';

interface Case {
  flags: SubmitFlags;
  /** The whole mapped submission (when there are no errors). */
  want?: SubmitFields;
  /** Each string must appear in one error, and there must be exactly as many errors. */
  wantErrors?: string[];
}

const cases: Record<string, Case> = {
  'no flags': { flags: {}, want: {} },
  'every flag': {
    flags: {
      name: 'train', project: 'vision', partition: 'gpu', tasks: '4', gpusPerTask: '2', accelerator: ['h100,a100', 'nvidia-h100-sxm-80gb'],
      cpusPerTask: '8', memPerTask: '32G', nodes: '2', tasksPerNode: '2', time: '1-12:00:00', priority: '-5',
      env: ['OMP_NUM_THREADS=8', 'EMPTY=', 'EQ=a=b'], chdir: 'runs/1',
    },
    want: {
      name: 'train', project: 'vision', partition: 'gpu', tasks: 4, devicesPerTask: 2,
      acceleratorTypes: ['nvidia-h100-sxm-80gb', 'nvidia-a100-sxm-80gb'], cpusPerTask: 8, memoryMbPerTask: 32768, nodes: 2,
      tasksPerNode: 2, timeLimitSeconds: 36 * 3600, priority: -5, environment: { OMP_NUM_THREADS: '8', EMPTY: '', EQ: 'a=b' },
      workingDirectory: '/home/kim/runs/1',
    },
  },
  'absolute --chdir is kept': { flags: { chdir: '/scratch/x' }, want: { workingDirectory: '/scratch/x' } },
  'time in minutes': { flags: { time: '90' }, want: { timeLimitSeconds: 5400 } },
  'zero GPUs is allowed': { flags: { gpusPerTask: '0' }, want: { devicesPerTask: 0 } },
  'bad numbers name the flag and the range': {
    flags: { tasks: '0', gpusPerTask: 'two', cpusPerTask: '1.5', priority: '5000' },
    wantErrors: [
      '--tasks: expected a whole number from 1 to 100000, got "0"',
      '--gpus-per-task: expected a whole number from 0 to 64, got "two"',
      '--cpus-per-task: expected a whole number from 1 to 1024, got "1.5"',
      '--priority: expected a whole number from -1000 to 1000, got "5000"',
    ],
  },
  'bad time': { flags: { time: '2 hours' }, wantErrors: ['--time: "2 hours" is not a time; use minutes'] },
  'unknown accelerator lists the known ones': {
    flags: { accelerator: ['h100', 'v100'] },
    wantErrors: ['--accelerator: unknown accelerator type "v100"; known: h100 (nvidia-h100-sxm-80gb)'],
  },
  'bad memory': { flags: { memPerTask: 'lots' }, wantErrors: ['--mem-per-task: "lots" is not a memory size'] },
  'bad env': { flags: { env: ['NOVALUE', '1X=2'] }, wantErrors: ['got "NOVALUE"', 'got "1X=2"'] },
  'empty name': { flags: { name: '' }, wantErrors: ['--name: give 1 to 128 characters'] },
};

describe('flagsToSubmit', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = flagsToSubmit(c.flags, '/home/kim');
      const want = c.wantErrors ?? [];
      expect(r.errors, r.errors.join('\n')).toHaveLength(want.length);
      for (const w of want) expect(r.errors.some((e) => e.includes(w)), `"${w}" in:\n${r.errors.join('\n')}`).toBe(true);
      if (c.want) expect(r.submit).toEqual(c.want);
    });
  }
});
