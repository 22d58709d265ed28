import { describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../../core/ids.ts';
import type { LaunchSpec } from '../types.ts';
import { jobEnvironment } from './environment.ts';

const spec = (overrides: Partial<LaunchSpec>): LaunchSpec => ({
  jobId: asJobId('job_7'), script: 'true', workingDirectory: '/tmp', environment: {},
  placement: [], acceleratorType: null, tasks: 1, timeLimitSeconds: 60,
  stdoutPath: '/tmp/o', stderrPath: '/tmp/e', ...overrides,
});
const alloc = (node: string, devices: number[]) => ({ node: asNodeName(node), devices, tasks: 1, cpus: 1, memoryMb: 1 });

describe('jobEnvironment', () => {
  it('sets the devices of the first node allocation and names every node', () => {
    const env = jobEnvironment(
      spec({ placement: [alloc('gpu-01', [4, 5]), alloc('gpu-02', [0, 1])], acceleratorType: 'nvidia-h100-sxm-80gb', tasks: 4 }),
      {}, [],
    );
    // The SLURM_* set (and Slurm's other GPU variables) is core/slurm/jobEnvironment.test.ts's subject.
    const own = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'GPU_DEVICE_ORDINAL' && k !== 'ROCR_VISIBLE_DEVICES'));
    expect(env).toMatchObject({ SLURM_JOB_ID: 'job_7', SLURM_JOB_NODELIST: 'gpu-[01-02]', SLURM_GPUS_ON_NODE: '2', ROCR_VISIBLE_DEVICES: '4,5' });
    expect(own).toEqual({
      CHEOMDAN_JOB_ID: 'job_7', CHEOMDAN_NODE: 'gpu-01', CHEOMDAN_NODES: 'gpu-01,gpu-02', CHEOMDAN_TASKS: '4',
      CHEOMDAN_ACCELERATOR_TYPE: 'nvidia-h100-sxm-80gb', CHEOMDAN_DEVICES: '4,5', CHEOMDAN_TIME_LIMIT_SECONDS: '60',
      CUDA_VISIBLE_DEVICES: '4,5', NVIDIA_VISIBLE_DEVICES: '4,5',
    });
  });

  it('hides all devices from a CPU-only job', () => {
    const env = jobEnvironment(spec({ placement: [alloc('cpu-01', [])] }), {}, []);
    expect([env['CUDA_VISIBLE_DEVICES'], env['NVIDIA_VISIBLE_DEVICES'], env['CHEOMDAN_ACCELERATOR_TYPE']]).toEqual(['', 'none', '']);
  });

  it('inherits only allow-listed server variables, and the spec cannot override what the executor sets', () => {
    const env = jobEnvironment(
      spec({ placement: [alloc('n', [1])], environment: { FOO: 'bar', CUDA_VISIBLE_DEVICES: '0,1,2,3', PATH: '/opt/bin' } }),
      { PATH: '/usr/bin', HOME: '/root', DATABASE_URL: 'postgres://secret' },
      ['PATH', 'HOME'],
    );
    expect(env).toMatchObject({ FOO: 'bar', PATH: '/opt/bin', HOME: '/root', CUDA_VISIBLE_DEVICES: '1' });
    expect(env).not.toHaveProperty('DATABASE_URL');
  });
});
