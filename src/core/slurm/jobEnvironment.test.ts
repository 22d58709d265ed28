import { describe, expect, it } from 'vitest';
import { asNodeName } from '../ids.ts';
import type { NodeAllocation } from '../resources.ts';
import { parseSbatchScript } from '../sbatch.ts';
import { slurmCountList, slurmEnvironment, type SlurmEnvironmentInput } from './jobEnvironment.ts';

const on = (node: string, tasks: number, cpus: number, devices: number[] = []): NodeAllocation => ({ node: asNodeName(node), tasks, cpus, devices, memoryMb: 1024 });
const base: SlurmEnvironmentInput = { jobId: 'job_1', placement: [on('node1', 1, 1)], acceleratorType: null, tasks: 1, workingDirectory: '/home/kim' };
const facts = (script: string) => parseSbatchScript(`#!/bin/bash\n${script}\ntrue\n`).facts;

const cases: Record<string, { input: SlurmEnvironmentInput; want: Record<string, string>; wantUnset?: string[] }> = {
  'a plain job: no SLURM_NTASKS, no CPUs per task, no memory, no devices': {
    input: base,
    want: {
      SLURM_JOB_ID: 'job_1', SLURM_JOBID: 'job_1', SLURM_JOB_NODELIST: 'node1', SLURM_NNODES: '1', SLURM_TASKS_PER_NODE: '1',
      SLURM_CPUS_ON_NODE: '1', SLURM_SUBMIT_DIR: '/home/kim', SLURM_PROCID: '0',
    },
    wantUnset: ['SLURM_NTASKS', 'SLURM_NPROCS', 'SLURM_NTASKS_PER_NODE', 'SLURM_CPUS_PER_TASK', 'SLURM_MEM_PER_NODE', 'SLURM_GPUS_ON_NODE', 'CUDA_VISIBLE_DEVICES', 'SLURM_JOB_ACCOUNT'],
  },
  '-n 2 sets SLURM_NTASKS, not SLURM_NTASKS_PER_NODE': {
    input: { ...base, tasks: 2, placement: [on('node1', 2, 2)], facts: facts('#SBATCH -n 2') },
    want: { SLURM_NTASKS: '2', SLURM_NPROCS: '2', SLURM_TASKS_PER_NODE: '2' }, wantUnset: ['SLURM_NTASKS_PER_NODE'],
  },
  '-N 3 --ntasks-per-node=2 -c 4 --mem=8G on gpu nodes': {
    input: {
      ...base, tasks: 6, acceleratorType: 'nvidia-h100-sxm-80gb',
      placement: [on('gpu-001', 2, 8, [2, 3]), on('gpu-002', 2, 8, [0, 1]), on('gpu-007', 2, 8, [0, 1])],
      facts: { ...facts('#SBATCH -N 3\n#SBATCH --ntasks-per-node=2\n#SBATCH -c 4\n#SBATCH --mem=8G\n#SBATCH -J sweep\n#SBATCH -p gpu\n#SBATCH -A vision'), submitDirectory: '/scratch/kim' },
    },
    want: {
      SLURM_JOB_NODELIST: 'gpu-[001-002,007]', SLURM_NNODES: '3', SLURM_NTASKS: '6', SLURM_NTASKS_PER_NODE: '2', SLURM_TASKS_PER_NODE: '2(x3)',
      SLURM_JOB_CPUS_PER_NODE: '8(x3)', SLURM_CPUS_PER_TASK: '4', SLURM_MEM_PER_NODE: '8192', SLURM_GPUS_ON_NODE: '2', SLURM_JOB_GPUS: '2,3',
      CUDA_VISIBLE_DEVICES: '2,3', GPU_DEVICE_ORDINAL: '2,3', ROCR_VISIBLE_DEVICES: '2,3', SLURM_JOB_NAME: 'sweep', SLURM_JOB_PARTITION: 'gpu',
      SLURM_JOB_ACCOUNT: 'vision', SLURM_SUBMIT_DIR: '/scratch/kim',
    },
  },
  'an NPU job gets its vendor\'s variable, not CUDA\'s': {
    input: { ...base, acceleratorType: 'rebellions-atom', placement: [on('npu-01', 1, 1, [0, 1])] },
    want: { RBLN_DEVICES: '0,1', SLURM_GPUS_ON_NODE: '2' }, wantUnset: ['CUDA_VISIBLE_DEVICES', 'ROCR_VISIBLE_DEVICES'],
  },
  'FuriosaAI': { input: { ...base, acceleratorType: 'furiosa-rngd', placement: [on('n1', 1, 1, [3])] }, want: { FURIOSA_DEVICES: '3' } },
  'an array task': {
    input: { ...base, facts: { array: { jobId: 'job_a', taskId: 7, count: 25, min: 0, max: 96, step: 4 } } },
    want: { SLURM_ARRAY_JOB_ID: 'job_a', SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '25', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '96', SLURM_ARRAY_TASK_STEP: '4' },
  },
  '--mem-per-cpu and --gpus-per-task': {
    input: { ...base, acceleratorType: 'nvidia-a100-sxm-80gb', placement: [on('n1', 2, 2, [0, 1])], tasks: 2, facts: facts('#SBATCH -n 2\n#SBATCH --gpus-per-task=1\n#SBATCH --mem-per-cpu=500') },
    want: { SLURM_MEM_PER_CPU: '500', SLURM_GPUS_PER_TASK: '1', SLURM_NTASKS: '2' }, wantUnset: ['SLURM_MEM_PER_NODE'],
  },
};

describe('slurmEnvironment', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const env = slurmEnvironment(c.input);
      expect(env).toMatchObject(c.want);
      for (const v of c.wantUnset ?? []) expect(env, v).not.toHaveProperty(v);
    });
  }
  it("counts per node in Slurm's run-length form", () => {
    expect(slurmCountList([2, 2, 2, 1])).toBe('2(x3),1');
    expect(slurmCountList([1])).toBe('1');
    expect(slurmCountList([1, 2, 1])).toBe('1,2,1');
  });
});
