import { describe, expect, it } from 'vitest';
import { flagsToSubmit, splitSubmitArgs, type SubmitFields, type SubmitFlags } from './submitFlags.ts';

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
  'datasets and the output': {
    flags: { dataset: ['chest-xray@3', 'seoul/labels:data/l'], saveOutput: 'xray-models:ckpt' },
    want: { datasets: ['chest-xray@3', 'seoul/labels:data/l'], saveOutput: 'xray-models:ckpt' },
  },
  'bad dataset references name the flag': {
    flags: { dataset: ['x@latest'], saveOutput: 'models:/abs' },
    wantErrors: ['--dataset: "@latest" is not a version', '--save-output: output path "/abs" must be relative'],
  },
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

describe('splitSubmitArgs', () => {
  const cases: Record<string, { words: string[]; want: Partial<ReturnType<typeof splitSubmitArgs>> }> = {
    'sbatch options, then the script (the new user\'s first try)': {
      words: ['-J', 'x', '-t', '10', '--mem', '4G', '--gres', 'gpu:1', 'script.sh'],
      want: { own: {}, sbatch: ['-J', 'x', '-t', '10', '--mem', '4G', '--gres', 'gpu:1'], script: 'script.sh', scriptArgs: [], errors: [] },
    },
    'own flags beside sbatch options; = and glued forms': {
      words: ['--project=vision', '-n2', '--accelerator', 'h100', '--env', 'A=1', '--env=B=2', '-c8', '--ntasks-per-node=2', '-pgpu', 'run.sh'],
      want: { own: { project: 'vision', tasks: '2', accelerator: ['h100'], env: ['A=1', 'B=2'] }, sbatch: ['-c8', '--ntasks-per-node=2', '-pgpu'], script: 'run.sh' },
    },
    '--gpus-per-task with a type goes to sbatch, a number is cheomdan\'s': {
      words: ['--gpus-per-task', 'h100:2', '--gpus-per-task', '2'], want: { own: { gpusPerTask: '2' }, sbatch: ['--gpus-per-task', 'h100:2'] },
    },
    'options without a value, and long-option prefixes': {
      words: ['--requeue', '--exclusive', '--job-name=a', '--nodel', 'gpu-001', 'x.sh'],
      want: { sbatch: ['--requeue', '--exclusive', '--job-name=a', '--nodel', 'gpu-001'], script: 'x.sh' },
    },
    'words after the script are its arguments, as in sbatch': {
      words: ['-t', '5', 'x.sh', '--time', '7', 'a'], want: { sbatch: ['-t', '5'], script: 'x.sh', scriptArgs: ['--time', '7', 'a'] },
    },
    'an unknown option stops the reading': {
      words: ['--gpux', '2', 'x.sh'], want: { scriptArgs: [], errors: ["unknown option '--gpux': not a cheomdan submit flag, and --gpux is not an sbatch option"] },
    },
    'an ambiguous prefix': { words: ['--mem-per', '4G'], want: { errors: [expect.stringContaining('--mem-per is ambiguous') as unknown as string] } },
    'a missing value': { words: ['-J'], want: { errors: ['-J needs a value'] } },
    '--dataset repeats, --save-output once': {
      words: ['--dataset', 'a', '--dataset=b@2', '--save-output', 'out', 'x.sh'], want: { own: { dataset: ['a', 'b@2'], saveOutput: 'out' }, script: 'x.sh' },
    },
    'a missing value of an own flag': { words: ['--project'], want: { errors: ['--project needs a value'] } },
  };
  for (const [name, c] of Object.entries(cases)) it(name, () => expect(splitSubmitArgs(c.words)).toMatchObject(c.want));
});
