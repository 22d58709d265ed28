/**
 * Differential test of the SLURM_* environment: a corpus of env-dump batch scripts run through real sbatch
 * (the test cluster) and through Cheomdan's local executor, comparing which SLURM_* variables are set and
 * their values (job ids masked). The local run gets the placement Slurm chose (its nodes, tasks, CPUs and
 * GPU indices, read from Slurm's own variables) and the facts Cheomdan's sbatch parser reads from the
 * script, exactly what the controller hands the executor; so what is compared is how each side renders a
 * job into its environment. Prints "N scripts, M identical".
 *
 * Not compared: variables that describe the site rather than the job (SLURM_CONF, SLURM_CLUSTER_NAME,
 * SLURM_SUBMIT_HOST, SLURM_TOPOLOGY_*, SLURM_TASK_PID, SLURM_JOB_UID/GID, SLURM_WORKING_CLUSTER,
 * SLURM_NODE_ALIASES, SLURM_PRIO_PROCESS) and SLURM_MEM_PER_CPU (Slurm sets it from the site's DefMemPerCPU
 * when no memory option is given). One deliberate difference: a CPU-only job gets CUDA_VISIBLE_DEVICES=""
 * locally (which hides the host's GPUs; Slurm hides them with cgroups and leaves it unset).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { asJobId, asNodeName } from '../../src/core/ids.ts';
import type { NodeAllocation } from '../../src/core/resources.ts';
import { parseSbatchScript } from '../../src/core/sbatch.ts';
import { expandHostlist } from '../../src/core/slurm/hostlist.ts';
import { createLocalExecutor } from '../../src/executors/local/index.ts';
import type { LaunchSpec } from '../../src/executors/types.ts';
import type { SlurmTestCluster } from './cluster.ts';

const run = promisify(execFile);

/** The variables compared (see the header for those left out and why). */
const COMPARED = [
  'SLURM_JOB_ID', 'SLURM_JOBID', 'SLURM_JOB_NAME', 'SLURM_SUBMIT_DIR', 'SLURM_JOB_NODELIST', 'SLURM_NODELIST', 'SLURM_NNODES',
  'SLURM_JOB_NUM_NODES', 'SLURM_NTASKS', 'SLURM_NPROCS', 'SLURM_NTASKS_PER_NODE', 'SLURM_TASKS_PER_NODE', 'SLURM_CPUS_PER_TASK',
  'SLURM_JOB_CPUS_PER_NODE', 'SLURM_CPUS_ON_NODE', 'SLURM_MEM_PER_NODE', 'SLURM_GPUS_ON_NODE', 'SLURM_JOB_GPUS', 'SLURM_GPUS_PER_TASK',
  'SLURM_JOB_PARTITION', 'SLURM_JOB_ACCOUNT', 'SLURM_JOB_USER', 'SLURM_NODEID', 'SLURM_PROCID', 'SLURM_LOCALID', 'SLURM_GTIDS',
  'CUDA_VISIBLE_DEVICES', 'GPU_DEVICE_ORDINAL', 'ROCR_VISIBLE_DEVICES',
];

/** Directives of each script in the corpus (the test cluster: 4 nodes × 4 CPUs, 4 GPUs, 4,000 MB). */
const CORPUS: Record<string, string[]> = {
  plain: [],
  ntasks: ['-n 2'],
  'ntasks-per-node': ['--ntasks-per-node=2'],
  'two-nodes': ['-N 2'],
  'two-nodes-two-each': ['-N 2', '--ntasks-per-node=2'],
  'uneven-tasks': ['-N 2', '-n 3'],
  'one-node-three-tasks': ['-N 1', '-n 3'],
  'cpus-per-task': ['-c 2'],
  'tasks-and-cpus': ['-n 2', '-c 2'],
  'mem-per-node': ['--mem=1G'],
  'mem-per-cpu': ['--mem-per-cpu=400'],
  gres: ['--gres=gpu:2'],
  'gres-two-nodes': ['-N 2', '--gres=gpu:1'],
  'gpus-per-task': ['-n 2', '--gpus-per-task=1'],
  'named-in-partition': ['-J sweep-3', '-p gpu'],
  account: ['-A root'],
  'time-and-name': ['--job-name=t', '-t 5'],
  'all-of-it': ['-J big', '-N 2', '--ntasks-per-node=2', '-c 1', '--mem=1G', '--gres=gpu:2', '-t 10'],
};

const DUMP = `env | grep -E '^(SLURM_|CUDA_VISIBLE_DEVICES=|GPU_DEVICE_ORDINAL=|ROCR_VISIBLE_DEVICES=)' | sort`;

const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** Slurm's "2(x3),1" back into [2, 2, 2, 1]. */
const counts = (s: string): number[] =>
  s.split(',').flatMap((p) => {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(p);
    return m ? Array<number>(Number(m[2] ?? 1)).fill(Number(m[1])) : [];
  });

/** The compared variables of one run, with its job id masked. */
function masked(env: Record<string, string>): Record<string, string> {
  const id = env['SLURM_JOB_ID'] ?? '';
  const out: Record<string, string> = {};
  for (const k of COMPARED) if (env[k] !== undefined) out[k] = id === '' ? env[k] : env[k].split(id).join('<id>');
  return out;
}

export function environmentSuite(_cluster: () => SlurmTestCluster) {
  describe('SLURM_* environment: real sbatch against the local executor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chd-slurm-env-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('sets the same SLURM_* variables, with the same values, for every script of the corpus', async () => {
      const local = createLocalExecutor({ stateDir: join(dir, 'state') });
      const names = Object.keys(CORPUS);
      const results = await Promise.all(names.map(async (name) => {
        const script = ['#!/bin/bash', ...(CORPUS[name] ?? []).map((d) => `#SBATCH ${d}`), DUMP, ''].join('\n');
        const file = join(dir, `${name}.sh`);
        writeFileSync(file, script);
        // Real Slurm: sbatch --wait from the script's directory, with no SLURM_* of ours (they are inputs to sbatch).
        await run('sbatch', ['--wait', '--parsable', '-o', join(dir, `${name}.slurm.env`), file], {
          cwd: dir, env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' }, timeout: 90_000,
        });
        const slurm = parseEnv(readFileSync(join(dir, `${name}.slurm.env`), 'utf8'));

        // Cheomdan: the same placement, and the facts its sbatch parser reads from the script.
        const parsed = parseSbatchScript(script, { honoured: 'all', submitDirectory: dir });
        expect(parsed.errors).toEqual([]);
        const nodes = expandHostlist(slurm['SLURM_JOB_NODELIST'] ?? '');
        if (!Array.isArray(nodes)) throw new Error(nodes.error);
        const tasks = counts(slurm['SLURM_TASKS_PER_NODE'] ?? '');
        const cpus = counts(slurm['SLURM_JOB_CPUS_PER_NODE'] ?? '');
        const gpus = slurm['SLURM_JOB_GPUS']?.split(',').map(Number) ?? [];
        const placement: NodeAllocation[] = nodes.map((n, i) => ({
          node: asNodeName(n), tasks: tasks[i] ?? 1, cpus: cpus[i] ?? 1, memoryMb: 500,
          devices: i === 0 ? gpus : Array.from({ length: gpus.length }, (_, d) => d),
        }));
        const jobId = asJobId(`job_env_${name}_${process.pid}`);
        const spec: LaunchSpec = {
          jobId, script, workingDirectory: dir, environment: {}, placement,
          acceleratorType: gpus.length > 0 ? 'nvidia-h100-sxm-80gb' : null,
          tasks: placement.reduce((n, a) => n + a.tasks, 0), timeLimitSeconds: 120,
          stdoutPath: join(dir, `${name}.local.env`), stderrPath: join(dir, `${name}.local.err`),
          slurm: {
            ...parsed.facts, jobName: parsed.submit.name ?? `${name}.sh`, partition: parsed.submit.partition ?? 'gpu',
            submitDirectory: dir, user: userInfo().username,
          },
        };
        const handle = await local.start(spec);
        for (const until = Date.now() + 60_000; ;) {
          const [o] = await local.observe([handle]);
          if (o?.state !== 'running') break;
          if (Date.now() > until) throw new Error(`${name}: the local run did not end`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const mine = parseEnv(readFileSync(join(dir, `${name}.local.env`), 'utf8'));
        // The deliberate difference (see the header): CUDA_VISIBLE_DEVICES="" hides the host's GPUs.
        if (slurm['CUDA_VISIBLE_DEVICES'] === undefined && mine['CUDA_VISIBLE_DEVICES'] === '') delete mine['CUDA_VISIBLE_DEVICES'];
        return { name, slurm: masked(slurm), local: masked(mine) };
      }));
      await local.close();
      const identical = results.filter((r) => JSON.stringify(r.slurm) === JSON.stringify(r.local));
      console.log(`${results.length} scripts, ${identical.length} identical`);
      for (const r of results) expect(r.local, r.name).toEqual(r.slurm);
      // Not vacuous: Slurm's own facts as docs/slurm.md states them, seen in its runs.
      const of = (n: string) => results.find((r) => r.name === n)?.slurm ?? {};
      expect(of('plain')).not.toHaveProperty('SLURM_NTASKS');
      expect(of('ntasks')).toMatchObject({ SLURM_NTASKS: '2' });
      expect(of('ntasks')).not.toHaveProperty('SLURM_NTASKS_PER_NODE');
      expect(of('two-nodes')).toMatchObject({ SLURM_NNODES: '2', SLURM_TASKS_PER_NODE: '1(x2)' });
      expect(of('two-nodes')).not.toHaveProperty('SLURM_NTASKS');
      expect(of('gres')).toMatchObject({ SLURM_GPUS_ON_NODE: '2' });
      expect(of('plain')).toMatchObject({ SLURM_JOB_ID: '<id>', SLURM_JOB_NAME: 'plain.sh', SLURM_SUBMIT_DIR: dir });
      expect(identical.length).toBe(results.length);
    }, 240_000);
  });
}
