/**
 * The SLURM_* variables a batch job sees, as Slurm 22.05 sets them for the batch script (verified against
 * the real test cluster by test/slurm/environment.suite.ts), computed from the placement and what the job
 * asked for. Pure; executors add the map to the job's environment.
 *
 * Always set: SLURM_JOB_ID / SLURM_JOBID, SLURM_JOB_NODELIST / SLURM_NODELIST (compressed hostlist),
 * SLURM_NNODES / SLURM_JOB_NUM_NODES, SLURM_TASKS_PER_NODE and SLURM_JOB_CPUS_PER_NODE (Slurm's `2(x3),1`
 * run-length form), SLURM_CPUS_ON_NODE, SLURM_NODEID / SLURM_PROCID / SLURM_LOCALID / SLURM_GTIDS (0: the
 * batch script is task 0 on the first node), SLURM_SUBMIT_DIR.
 * Only where Slurm sets them (real sbatch: a plain job has no SLURM_NTASKS):
 *   SLURM_NTASKS, SLURM_NPROCS     -n or --ntasks-per-node given
 *   SLURM_NTASKS_PER_NODE          --ntasks-per-node given
 *   SLURM_CPUS_PER_TASK            -c given
 *   SLURM_MEM_PER_NODE / _PER_CPU / _PER_GPU   --mem / --mem-per-cpu / --mem-per-gpu given (MiB)
 *   SLURM_GPUS_ON_NODE, SLURM_JOB_GPUS   the job has devices on the batch node
 *   SLURM_GPUS_PER_TASK            --gpus-per-task given
 *   SLURM_JOB_NAME, SLURM_JOB_PARTITION, SLURM_JOB_ACCOUNT, SLURM_JOB_USER, SLURM_CLUSTER_NAME  when known
 *   SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _MAX, _STEP   an array task
 * Device variables per accelerator kind, indices of the batch node's devices: for GPUs
 * CUDA_VISIBLE_DEVICES, GPU_DEVICE_ORDINAL and ROCR_VISIBLE_DEVICES (as Slurm's gres/gpu plugin sets all
 * three); for NPUs the vendor runtime's own variable (Rebellions RBLN_DEVICES, FuriosaAI FURIOSA_DEVICES).
 */
import { findAcceleratorType } from '../accelerators.ts';
import type { Placement } from '../resources.ts';
import { compressHostlist } from './hostlist.ts';

/** What the job asked for, as sbatch saw it: whether each option was given (Slurm sets a variable only then). */
export interface SlurmJobFacts {
  jobName?: string | undefined;
  partition?: string | undefined;
  account?: string | undefined;
  user?: string | undefined;
  clusterName?: string | undefined;
  /** Where the job was submitted from; the working directory when absent. */
  submitDirectory?: string | undefined;
  /** -n was given. */
  ntasksGiven?: boolean | undefined;
  /** --ntasks-per-node, when given. */
  ntasksPerNode?: number | undefined;
  /** -c, when given. */
  cpusPerTask?: number | undefined;
  /** --mem (per node), --mem-per-cpu, --mem-per-gpu as given, in MiB. */
  memPerNodeMb?: number | undefined;
  memPerCpuMb?: number | undefined;
  memPerGpuMb?: number | undefined;
  /** --gpus-per-task as given (count). */
  gpusPerTask?: number | undefined;
  array?: { jobId: string; taskId: number; count: number; min: number; max: number; step: number } | undefined;
}

export interface SlurmEnvironmentInput {
  jobId: string;
  placement: Placement;
  acceleratorType: string | null;
  tasks: number;
  workingDirectory: string;
  facts?: SlurmJobFacts | undefined;
}

/** Slurm's run-length form of per-node counts: [2, 2, 2, 1] → "2(x3),1". */
export function slurmCountList(counts: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < counts.length; ) {
    let j = i;
    while (j < counts.length && counts[j] === counts[i]) j++;
    out.push(j - i === 1 ? `${counts[i]}` : `${counts[i]}(x${j - i})`);
    i = j;
  }
  return out.join(',');
}

/** NPU vendors' visible-device variables (by catalog vendor). */
const NPU_DEVICE_VARIABLE: Readonly<Record<string, string>> = { Rebellions: 'RBLN_DEVICES', FuriosaAI: 'FURIOSA_DEVICES' };

export function slurmEnvironment(input: SlurmEnvironmentInput): Record<string, string> {
  const f = input.facts ?? {};
  const env: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  const nodes = input.placement.map((a) => a.node as string);
  const first = input.placement[0];
  const nodelist = compressHostlist(nodes);
  set('SLURM_JOB_ID', input.jobId);
  set('SLURM_JOBID', input.jobId);
  set('SLURM_JOB_NAME', f.jobName);
  set('SLURM_SUBMIT_DIR', f.submitDirectory ?? input.workingDirectory);
  set('SLURM_JOB_NODELIST', nodelist);
  set('SLURM_NODELIST', nodelist);
  set('SLURM_NNODES', input.placement.length);
  set('SLURM_JOB_NUM_NODES', input.placement.length);
  set('SLURM_TASKS_PER_NODE', slurmCountList(input.placement.map((a) => a.tasks)));
  set('SLURM_JOB_CPUS_PER_NODE', slurmCountList(input.placement.map((a) => a.cpus)));
  set('SLURM_CPUS_ON_NODE', first?.cpus);
  for (const v of ['SLURM_NODEID', 'SLURM_PROCID', 'SLURM_LOCALID', 'SLURM_GTIDS']) set(v, 0);
  if (f.ntasksGiven || f.ntasksPerNode !== undefined) {
    set('SLURM_NTASKS', input.tasks);
    set('SLURM_NPROCS', input.tasks);
  }
  set('SLURM_NTASKS_PER_NODE', f.ntasksPerNode);
  set('SLURM_CPUS_PER_TASK', f.cpusPerTask);
  set('SLURM_MEM_PER_NODE', f.memPerNodeMb);
  set('SLURM_MEM_PER_CPU', f.memPerCpuMb);
  set('SLURM_MEM_PER_GPU', f.memPerGpuMb);
  set('SLURM_JOB_PARTITION', f.partition);
  set('SLURM_JOB_ACCOUNT', f.account);
  set('SLURM_JOB_USER', f.user);
  set('SLURM_CLUSTER_NAME', f.clusterName);
  if (f.array) {
    set('SLURM_ARRAY_JOB_ID', f.array.jobId);
    set('SLURM_ARRAY_TASK_ID', f.array.taskId);
    set('SLURM_ARRAY_TASK_COUNT', f.array.count);
    set('SLURM_ARRAY_TASK_MIN', f.array.min);
    set('SLURM_ARRAY_TASK_MAX', f.array.max);
    set('SLURM_ARRAY_TASK_STEP', f.array.step);
  }
  const devices = first?.devices ?? [];
  if (devices.length > 0) {
    const list = devices.join(',');
    set('SLURM_GPUS_ON_NODE', devices.length);
    set('SLURM_JOB_GPUS', list);
    set('SLURM_GPUS_PER_TASK', f.gpusPerTask);
    const type = input.acceleratorType ? findAcceleratorType(input.acceleratorType) : undefined;
    const npuVariable = type?.kind === 'npu' ? NPU_DEVICE_VARIABLE[type.vendor] : undefined;
    if (npuVariable) set(npuVariable, list);
    else {
      set('CUDA_VISIBLE_DEVICES', list);
      set('GPU_DEVICE_ORDINAL', list);
      set('ROCR_VISIBLE_DEVICES', list);
    }
  }
  return env;
}
