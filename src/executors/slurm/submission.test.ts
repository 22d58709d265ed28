import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../../core/ids.ts';
import type { LaunchSpec } from '../types.ts';
import { buildSubmission, formatComment, parseComment, shellQuote } from './submission.ts';

const alloc = (node: string, devices: number[], tasks = 1, cpus = 2, memoryMb = 1000) =>
  ({ node: asNodeName(node), devices, tasks, cpus, memoryMb });

function aSpec(over: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    jobId: asJobId('job_1'), script: 'echo hi', workingDirectory: '/data/w', environment: {},
    placement: [alloc('n1', [0, 1])], acceleratorType: 'nvidia-h100-sxm-80gb', tasks: 1, timeLimitSeconds: 90,
    stdoutPath: '/data/w/out', stderrPath: '/data/w/err', ...over,
  };
}
const opts = { nonce: 'abc', partition: 'gpu' };

describe('buildSubmission', () => {
  it('pins the job to the placement: nodes, GPUs per node, tasks, CPUs, memory, time, paths', () => {
    const r = buildSubmission(aSpec({ placement: [alloc('n1', [0, 1]), alloc('n2', [2, 3])], tasks: 2 }), opts);
    expect(r).toMatchObject({
      name: 'chd-job_1', partition: 'gpu', nodeList: ['n1', 'n2'], nodes: 2, tasks: 2, tasksPerNode: 1,
      cpusPerTask: 2, gresPerNode: 'gpu:2', memoryPerNodeMb: 1000, timeLimitMinutes: 2,
      workingDirectory: '/data/w', stdoutPath: '/data/w/out', stderrPath: '/data/w/err',
    });
    expect(r.script).toContain('srun --nodes=2 --ntasks=2 --ntasks-per-node=1 --kill-on-bad-exit=1');
  });

  it('runs a one-node job without srun, and asks for no GPU when it has none', () => {
    const r = buildSubmission(aSpec({ placement: [alloc('n1', [])], acceleratorType: null }), opts);
    expect(r.gresPerNode).toBeUndefined();
    expect(r.script).not.toContain('srun');
  });

  it('types the gres when the accelerator type maps to a Slurm gres type; uneven placements get the largest share', () => {
    const r = buildSubmission(aSpec({ placement: [alloc('n1', [0, 1, 2]), alloc('n2', [0])], tasks: 2 }),
      { ...opts, gresType: (t) => (t === 'nvidia-h100-sxm-80gb' ? 'h100' : undefined) });
    expect(r.gresPerNode).toBe('gpu:h100:3');
  });

  it('leaves --ntasks-per-node out when the placement\'s tasks do not add up to the job\'s', () => {
    expect(buildSubmission(aSpec({ tasks: 2 }), opts)).toMatchObject({ tasks: 2, tasksPerNode: undefined });
  });

  it('rounds the time limit up to whole minutes, at least one', () => {
    const minutes = (s: number) => buildSubmission(aSpec({ timeLimitSeconds: s }), opts).timeLimitMinutes;
    expect([minutes(1), minutes(60), minutes(61), minutes(3600)]).toEqual([1, 1, 2, 60]);
  });

  it('keeps Slurm input variables and the executor-owned variables out of the job environment', () => {
    const env = buildSubmission(aSpec({
      environment: { A: '1', SLURM_JOB_ID: 'x', SBATCH_PARTITION: 'y', CUDA_VISIBLE_DEVICES: 'spec', CHEOMDAN_JOB_ID: 'other' },
    }), opts).environment;
    expect(env).toMatchObject({ A: '1', CHEOMDAN_JOB_ID: 'job_1', CHEOMDAN_SCRIPT: 'echo hi', PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(Object.keys(env).filter((k) => /^(SLURM_|SBATCH_)|^CUDA_VISIBLE_DEVICES$/.test(k))).toEqual([]);
  });

  it('keeps the job id, limit and nonce in a comment it can read back; other comments are not ours', () => {
    const c = { jobId: 'job_x', timeLimitSeconds: 30, nonce: 'n1' };
    expect(parseComment(formatComment(c))).toEqual(c);
    expect(parseComment(formatComment({ ...c, attempt: 2 }))).toEqual({ ...c, attempt: 2 });
    expect(parseComment(buildSubmission(aSpec({ attempt: 3 }), opts).comment)?.attempt).toBe(3);
    expect(parseComment('a user comment')).toBeNull();
    expect(parseComment(undefined)).toBeNull();
  });

  it('quotes any path for the shell', () => {
    const r = spawnSync('bash', ['-c', `printf %s ${shellQuote("it's a \"dir\" $HOME")}`], { encoding: 'utf8' });
    expect(r.stdout).toBe('it\'s a "dir" $HOME');
  });

  // The task runner is plain bash: run it here, as slurmstepd would on a node (as a process group leader).
  it('runs the script in its directory with the node\'s devices, passes its exit status, ends its orphans', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chd-slurm-unit-'));
    const r = buildSubmission(aSpec({
      workingDirectory: dir,
      script: `sleep 300 & echo "$!" > child; echo "$(pwd -P) $CHEOMDAN_NODE [$CUDA_VISIBLE_DEVICES] $NVIDIA_VISIBLE_DEVICES [\${CHEOMDAN_SCRIPT-unset}]"; exit 3`,
    }), opts);
    const run = spawnSync('setsid', ['-w', '/bin/bash', '-c', r.environment.CHEOMDAN_TASK_SCRIPT ?? ''], {
      encoding: 'utf8', env: { ...r.environment, SLURMD_NODENAME: 'n1', CUDA_VISIBLE_DEVICES: '2,3' }, timeout: 10_000,
    });
    expect(run.status).toBe(3);
    expect(run.stdout).toBe(`${realpathSync(dir)} n1 [2,3] 2,3 [unset]\n`);
    const child = readFileSync(join(dir, 'child'), 'utf8').trim();
    // gone, or a zombie waiting for whoever adopted it to reap it
    expect(existsSync(`/proc/${child}`) ? readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone').toMatch(/gone|Z/);

    const missing = buildSubmission(aSpec({ workingDirectory: join(dir, 'nope') }), opts);
    const bad = spawnSync('setsid', ['-w', '/bin/bash', '-c', missing.environment.CHEOMDAN_TASK_SCRIPT ?? ''], { encoding: 'utf8', env: missing.environment, timeout: 10_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('cannot enter the working directory');
  });
});
