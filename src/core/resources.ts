/**
 * What a job asks for and what it was given.
 *
 * A job is a gang of `tasks` identical tasks; each task needs `devicesPerTask` devices of one accelerator
 * type (any of `acceleratorTypes`, or any type at all when the list is empty), `cpusPerTask` CPUs and
 * `memoryMbPerTask` MiB. All tasks of one job use the same accelerator type. `nodes` (Slurm's -N) asks for an
 * exact node count; `tasksPerNode` (--ntasks-per-node) fixes the tasks on each node.
 */
import type { AcceleratorTypeId, NodeName } from './ids.ts';

export interface ResourceRequest {
  tasks: number;
  devicesPerTask: number;
  /** Acceptable accelerator types; empty means any type (or none, when devicesPerTask is 0). */
  acceleratorTypes: readonly AcceleratorTypeId[];
  cpusPerTask: number;
  memoryMbPerTask: number;
  /** Exact number of nodes, when the user asked for one (-N). */
  nodes?: number | undefined;
  /** Tasks on each node, when the user asked for it (--ntasks-per-node). */
  tasksPerNode?: number | undefined;
  timeLimitSeconds: number;
}

/** The share of one node a running job holds. */
export interface NodeAllocation {
  node: NodeName;
  /** Device indices on that node (the `index` of each device, as in CUDA_VISIBLE_DEVICES). */
  devices: readonly number[];
  tasks: number;
  cpus: number;
  memoryMb: number;
}

export type Placement = readonly NodeAllocation[];

export const totalDevices = (r: ResourceRequest): number => r.tasks * r.devicesPerTask;
export const totalCpus = (r: ResourceRequest): number => r.tasks * r.cpusPerTask;
