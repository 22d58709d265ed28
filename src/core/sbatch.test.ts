import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  SBATCH_LONG_OPTIONS,
  expandLogPattern,
  formatSlurmTime,
  parseMemoryMb,
  parseSbatchScript,
  parseSlurmTime,
  resolveAcceleratorType,
  splitDirective,
  type SbatchSubmit,
} from './sbatch.ts';

interface Case {
  script: string;
  /** The whole `submit` object expected. */
  wantSubmit: SbatchSubmit;
  wantLogPaths?: { stdout?: string; stderr?: string };
  /** Each string must appear in one warning, and there must be exactly as many warnings. */
  wantWarnings?: string[];
  /** Each string must appear in one error message, and there must be exactly as many errors. */
  wantErrors?: string[];
}

const sh = (...lines: string[]) => lines.join('\n') + '\n';

const cases: Record<string, Case> = {
  'no directives': { script: sh('#!/bin/bash', 'echo hello'), wantSubmit: {} },
  'single-GPU PyTorch job (typical university cluster script)': {
    script: sh(
      '#!/bin/bash',
      '#SBATCH --job-name=resnet50',
      '#SBATCH --partition=gpu',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --mem=32G',
      '#SBATCH --time=02:00:00',
      '#SBATCH --output=logs/%x-%j.out',
      '#SBATCH --error=logs/%x-%j.err',
      '',
      'module load cuda/12.1',
      'srun python train.py --epochs 90',
    ),
    wantSubmit: {
      name: 'resnet50', partition: 'gpu', nodes: 1, tasks: 1, tasksPerNode: 1, cpusPerTask: 8, devicesPerTask: 1,
      memoryMbPerTask: 32768, timeLimitSeconds: 7200,
    },
    wantLogPaths: { stdout: 'logs/%x-%j.out', stderr: 'logs/%x-%j.err' },
  },
  'multi-node DDP: 2 nodes × 8 GPUs, one task per GPU': {
    script: sh(
      '#!/bin/bash -l',
      '#SBATCH -J llama-pretrain',
      '#SBATCH -N 2',
      '#SBATCH --ntasks-per-node=8',
      '#SBATCH --gpus-per-node=h100:8',
      '#SBATCH --cpus-per-task=12',
      '#SBATCH --mem=0',
      '#SBATCH -t 2-00:00:00',
      '#SBATCH --exclusive',
      'srun torchrun train.py',
    ),
    wantSubmit: {
      name: 'llama-pretrain', nodes: 2, tasks: 16, tasksPerNode: 8, devicesPerTask: 1, cpusPerTask: 12,
      acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 2 * 86400,
    },
    wantWarnings: ['--mem=0', 'ignored: --exclusive'],
  },
  'torchrun style: one task per node holding all 8 GPUs': {
    script: sh(
      '#!/bin/bash',
      '#SBATCH --nodes=4',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --gres=gpu:a100:8',
      '#SBATCH --mem=512G',
      '#SBATCH --time=72:00:00',
      'srun torchrun --nnodes 4 --nproc-per-node 8 train.py',
    ),
    wantSubmit: {
      nodes: 4, tasks: 4, tasksPerNode: 1, devicesPerTask: 8, acceleratorTypes: ['nvidia-a100-sxm-80gb'],
      memoryMbPerTask: 512 * 1024, timeLimitSeconds: 72 * 3600,
    },
  },
  'gres per node with -n and no -N: all tasks on one node': {
    script: sh('#!/bin/bash', '#SBATCH -n 4', '#SBATCH --gres=gpu:4', '#SBATCH --mem=64G', 'srun ./a.out'),
    wantSubmit: { nodes: 1, tasks: 4, tasksPerNode: 4, devicesPerTask: 1, memoryMbPerTask: 16384 },
    wantWarnings: ['no -N was given'],
  },
  'gres with -N and -n dividing evenly': {
    script: sh('#SBATCH -N 2 -n 8 --gres=gpu:8', 'srun x'),
    wantSubmit: { nodes: 2, tasks: 8, tasksPerNode: 4, devicesPerTask: 2 },
  },
  'gres not divisible by tasks per node': {
    script: sh('#SBATCH --ntasks-per-node=3', '#SBATCH --gres=gpu:4', 'srun x'),
    wantSubmit: { tasks: 3, tasksPerNode: 3 },
    wantErrors: ['4 GPU(s) per node cannot be split evenly over 3 task(s)'],
  },
  '--gpus total over tasks': {
    script: sh('#SBATCH --ntasks=4', '#SBATCH --gpus=8', 'srun x'),
    wantSubmit: { tasks: 4, devicesPerTask: 2 },
  },
  '--gpus total not divisible': {
    script: sh('#SBATCH -n 3', '#SBATCH -G 4', 'srun x'),
    wantSubmit: { tasks: 3 },
    wantErrors: ['4 GPU(s) cannot be split evenly over 3 task(s)'],
  },
  '--gpus-per-task with type, --cpus-per-gpu, --mem-per-gpu': {
    script: sh('#SBATCH -n 2', '#SBATCH --gpus-per-task=h200:2', '#SBATCH --cpus-per-gpu=6', '#SBATCH --mem-per-gpu=40G', 'x'),
    wantSubmit: { tasks: 2, devicesPerTask: 2, acceleratorTypes: ['nvidia-h200-sxm-141gb'], cpusPerTask: 12, memoryMbPerTask: 81920 },
  },
  '--mem-per-cpu multiplies by cpus per task': {
    script: sh('#SBATCH -c 4', '#SBATCH --mem-per-cpu=4000', 'x'),
    wantSubmit: { cpusPerTask: 4, memoryMbPerTask: 16000 },
  },
  '--mem and --mem-per-cpu exclude each other': {
    script: sh('#SBATCH --mem=8G', '#SBATCH --mem-per-cpu=2G', 'x'),
    wantSubmit: {},
    wantErrors: ['--mem and --mem-per-cpu exclude each other'],
  },
  'GPU options that agree are fine, that disagree are an error': {
    script: sh('#SBATCH --gres=gpu:2', '#SBATCH --gpus-per-task=1', 'x'),
    wantSubmit: {},
    wantErrors: ['the GPU options disagree'],
  },
  'autodetected GRES type name (nvidia_h100_80gb_hbm3)': {
    script: sh('#SBATCH --gres=gpu:nvidia_h100_80gb_hbm3:4', 'x'),
    wantSubmit: { devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'] },
  },
  'unknown GPU type lists the known ones': {
    script: sh('#SBATCH --gres=gpu:v100:2', 'x'),
    wantSubmit: { devicesPerTask: 2 },
    wantErrors: ['unknown accelerator type "v100"; known: h100 (nvidia-h100-sxm-80gb)'],
  },
  'non-GPU generic resource is an error': {
    script: sh('#SBATCH --gres=gpu:1,nvme:100', 'x'),
    wantSubmit: { devicesPerTask: 1 },
    wantErrors: ['"nvme" is not available here'],
  },
  '--gres=gpu alone means one GPU, gres socket suffix is dropped': {
    script: sh('#SBATCH --gres=gpu', '#SBATCH --gres=gpu:2(S:0-1)', 'x'),
    wantSubmit: {},
    wantErrors: ['disagree'],
  },
  '--constraint naming a GPU type selects it; other features are ignored': {
    script: sh('#SBATCH --constraint=a100', '#SBATCH -C "ib&skylake"', '#SBATCH --gpus-per-task=1', 'x'),
    wantSubmit: { devicesPerTask: 1, acceleratorTypes: ['nvidia-a100-sxm-80gb'] },
    wantWarnings: ['ignored: -C ib&skylake'],
  },
  'node range takes the minimum': {
    script: sh('#SBATCH -N 2-4', 'x'),
    wantSubmit: { nodes: 2, tasks: 2 },
    wantWarnings: ['node ranges are not supported; asking for exactly 2'],
  },
  '-n with --ntasks-per-node that does not multiply out': {
    script: sh('#SBATCH -N 2', '#SBATCH -n 6', '#SBATCH --ntasks-per-node=4', 'x'),
    wantSubmit: { nodes: 2, tasks: 6, tasksPerNode: 4 },
    wantErrors: ['give -n 8'],
  },
  '--ntasks-per-node alone': {
    script: sh('#SBATCH --ntasks-per-node=4', 'x'),
    wantSubmit: { tasks: 4, tasksPerNode: 4 },
  },
  'all Slurm time formats (last one wins)': {
    script: sh('#SBATCH -t 30', '#SBATCH --time=1-12', 'x'),
    wantSubmit: { timeLimitSeconds: 36 * 3600 },
  },
  'bad time': {
    script: sh('#SBATCH --time=1h', 'x'),
    wantSubmit: {},
    wantErrors: ['"1h" is not a time'],
  },
  'unlimited time is refused': {
    script: sh('#SBATCH --time=UNLIMITED', 'x'),
    wantSubmit: {},
    wantErrors: ['jobs need a time limit'],
  },
  'account, reservation, chdir, nice, export': {
    script: sh(
      '#SBATCH -A vision-lab',
      '#SBATCH --reservation=rsv_class',
      '#SBATCH -D /data/vision',
      '#SBATCH --nice=10',
      '#SBATCH --export=ALL,OMP_NUM_THREADS=8,HOME',
      'x',
    ),
    wantSubmit: { project: 'vision-lab', reservation: 'rsv_class', workingDirectory: '/data/vision', priority: -10, environment: { OMP_NUM_THREADS: '8' } },
    wantWarnings: ['ignored: HOME in --export'],
  },
  'relative --chdir is an error': {
    script: sh('#SBATCH --chdir=work', 'x'),
    wantSubmit: {},
    wantErrors: ['give an absolute path'],
  },
  'job arrays and holds are errors; a dependency is carried': {
    script: sh('#SBATCH --array=0-9', '#SBATCH -d afterok:123', '#SBATCH -H', 'x'),
    wantSubmit: {},
    wantErrors: ['job arrays are not supported yet; submit one job per element', 'held jobs'],
  },
  'mail, qos, exclusive, nodelist are ignored with a reason': {
    script: sh(
      '#SBATCH --mail-type=END,FAIL',
      '#SBATCH --mail-user=kim@example.ac.kr',
      '#SBATCH --qos=normal',
      '#SBATCH -w gpu-001',
      '#SBATCH --requeue',
      'x',
    ),
    wantSubmit: {},
    wantWarnings: ['ignored: --mail-type=END,FAIL (email', 'ignored: --mail-user', 'ignored: --qos=normal', 'ignored: -w gpu-001', 'ignored: --requeue'],
  },
  'unknown option is an error': {
    script: sh('#SBATCH --frobnicate=3', '#SBATCH -Z', 'x'),
    wantSubmit: {},
    wantErrors: ['--frobnicate is not an sbatch option', '-Z is not an sbatch option'],
  },
  'directives after the first command are reported, not applied': {
    script: sh('#!/bin/bash', '#SBATCH -n 2', '', 'module load cuda', '#SBATCH -n 4', 'srun x'),
    wantSubmit: { tasks: 2 },
    wantWarnings: ['line 5: ignored: #SBATCH after the first command (line 4)'],
  },
  'disabled directives (##SBATCH, # SBATCH) are comments; indented or lowercase ones are reported': {
    script: sh('##SBATCH -n 8', '# SBATCH -n 8', '  #SBATCH -n 8', '#sbatch -n 8', '#SBATCH -n 1', 'x'),
    wantSubmit: { tasks: 1 },
    wantWarnings: ['line 3: ignored: an indented #SBATCH', 'line 4: ignored: "#sbatch"'],
  },
  'several options on one line, trailing comment, quoted value with spaces': {
    script: sh('#SBATCH -N1 -n2 --job-name="my job"   # two tasks', 'x'),
    wantSubmit: { nodes: 1, tasks: 2, name: 'my job' },
  },
  'unquoted value with a space is an error, not a silent drop': {
    script: sh('#SBATCH --job-name=my job', 'x'),
    wantSubmit: { name: 'my' },
    wantErrors: ['unexpected "job"'],
  },
  'long option prefix (getopt_long) and ambiguous prefix': {
    script: sh('#SBATCH --job=short', '#SBATCH --mem-per=1G', 'x'),
    wantSubmit: { name: 'short' },
    wantErrors: ['--mem-per is ambiguous'],
  },
  'option value in the next word and short option glued value': {
    script: sh('#SBATCH --partition debug', '#SBATCH -c16', 'x'),
    wantSubmit: { partition: 'debug', cpusPerTask: 16 },
  },
  'several partitions: the first is used': {
    script: sh('#SBATCH -p gpu,gpu-long', 'x'),
    wantSubmit: { partition: 'gpu' },
    wantWarnings: ['using "gpu"'],
  },
  'CRLF line endings (script written on Windows)': {
    script: '#!/bin/bash\r\n#SBATCH -J win\r\n#SBATCH -t 10\r\necho hi\r\n',
    wantSubmit: { name: 'win', timeLimitSeconds: 600 },
  },
  'heterogeneous job separator is an error': {
    script: sh('#SBATCH -n 1', '#SBATCH hetjob', '#SBATCH -n 2', 'x'),
    wantSubmit: { tasks: 2 },
    wantErrors: ['heterogeneous jobs are not supported'],
  },
  'NPU job with --gpus-per-node naming rngd': {
    script: sh('#SBATCH -N 1', '#SBATCH --ntasks-per-node=2', '#SBATCH --gpus-per-node=rngd:4', 'x'),
    wantSubmit: { nodes: 1, tasks: 2, tasksPerNode: 2, devicesPerTask: 2, acceleratorTypes: ['furiosa-rngd'] },
  },
  'different accelerator types are an error': {
    script: sh('#SBATCH --gres=gpu:h100:1', '#SBATCH --constraint=a100', 'x'),
    wantSubmit: { devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb', 'nvidia-a100-sxm-80gb'] },
    wantErrors: ['a job uses one type'],
  },
  'option needing a value at the end of the line': {
    script: sh('#SBATCH --nodes', 'x'),
    wantSubmit: {},
    wantErrors: ['--nodes needs a value'],
  },
};

describe('parseSbatchScript', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseSbatchScript(c.script);
      expect(r.submit).toEqual(c.wantSubmit);
      expect(r.logPaths).toEqual(c.wantLogPaths ?? {});
      const wantW = c.wantWarnings ?? [];
      expect(r.warnings, r.warnings.join('\n')).toHaveLength(wantW.length);
      for (const w of wantW) expect(r.warnings.some((x) => x.includes(w)), `warning "${w}" in:\n${r.warnings.join('\n')}`).toBe(true);
      const wantE = c.wantErrors ?? [];
      const msgs = r.errors.map((e) => `${e.path}: ${e.message}`);
      expect(msgs, msgs.join('\n')).toHaveLength(wantE.length);
      for (const e of wantE) expect(msgs.some((x) => x.includes(e)), `error "${e}" in:\n${msgs.join('\n')}`).toBe(true);
    });
  }

  it('names the line of each error', () => {
    const r = parseSbatchScript(sh('#!/bin/bash', '#SBATCH -J ok', '#SBATCH --array=1-3', 'x'));
    expect(r.errors).toEqual([{ path: 'script:3', message: expect.stringContaining('--array=1-3') }]);
  });
});

describe('parseSlurmTime', () => {
  const cases: Record<string, number | string> = {
    '90': 90 * 60,
    '5:30': 5 * 60 + 30,
    '01:02:03': 3723,
    '100:00:00': 360000,
    '2-0': 2 * 86400,
    '1-12:30': 86400 + 12 * 3600 + 30 * 60,
    '1-00:00:01': 86401,
    '30-00:00:00': 30 * 86400,
    '30-00:00:01': 'longer than the maximum',
    '0': 'means "no limit"',
    infinite: 'need a time limit',
    '1h': 'is not a time',
    '1:2:3:4': 'is not a time',
    '': 'is not a time',
    '1-': 'is not a time',
  };
  for (const [input, want] of Object.entries(cases)) {
    it(`"${input}"`, () => {
      const r = parseSlurmTime(input);
      if (typeof want === 'number') expect(r).toEqual({ seconds: want });
      else expect('error' in r && r.error).toContain(want);
    });
  }
  it('formats back', () => {
    expect(formatSlurmTime(3723)).toBe('1:02:03');
    expect(formatSlurmTime(86400 + 12 * 3600 + 1800)).toBe('1-12:30:00');
  });
});

describe('parseMemoryMb', () => {
  const cases: Record<string, number | null> = {
    '4000': 4000, '4000M': 4000, '32G': 32768, '32GB': 32768, '1T': 1048576, '512K': 1, '1.5G': 1536, '8g': 8192,
    '32 GiB': 32768, abc: null, '-1G': null, '3P': null,
  };
  for (const [input, want] of Object.entries(cases)) {
    it(`"${input}"`, () => {
      const r = parseMemoryMb(input);
      if (want === null) expect(r).toHaveProperty('error');
      else expect(r).toEqual({ mb: want });
    });
  }
});

describe('resolveAcceleratorType', () => {
  const cases: Record<string, string | undefined> = {
    h100: 'nvidia-h100-sxm-80gb', H100: 'nvidia-h100-sxm-80gb', 'nvidia-h100-pcie-80gb': 'nvidia-h100-pcie-80gb',
    h100_pcie: 'nvidia-h100-pcie-80gb', 'NVIDIA A100-SXM4-80GB': 'nvidia-a100-sxm-80gb', nvidia_a100: 'nvidia-a100-sxm-80gb',
    atom: 'rebellions-atom', RNGD: 'furiosa-rngd', v100: undefined, tpu: undefined,
  };
  for (const [input, want] of Object.entries(cases)) it(input, () => expect(resolveAcceleratorType(input)).toBe(want));
});

describe('splitDirective and expandLogPattern', () => {
  it('splits like sbatch', () => {
    expect(splitDirective(` -J "a b" --x='c d' e\\ f # comment`)).toEqual(['-J', 'a b', '--x=c d', 'e f']);
    expect(splitDirective('--comment=a#b')).toEqual(['--comment=a#b']);
  });
  it('expands %j %x %u %%', () => {
    expect(expandLogPattern('logs/%x-%j.%u.%%.out', { id: 'job_7', name: 'train', user: 'kim' })).toBe('logs/train-job_7.kim.%.out');
  });
});

describe('docs/cli.md', () => {
  it('says what happens to every directive the parser knows', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const missing = SBATCH_LONG_OPTIONS.filter((o) => !new RegExp(`\`[^\`]*--${o}(?![a-z-])`).test(doc));
    expect(missing).toEqual([]);
  });
});
