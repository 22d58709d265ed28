/**
 * The environment a local job sees.
 *
 * - Only an allow-list of the server's own variables is passed on (PATH, HOME, LANG, ...): the server's
 *   environment may hold secrets (DATABASE_URL, tokens) that no tenant's job may read.
 * - Then the spec's environment, then the variables the executor owns, which the spec cannot override:
 *     CHEOMDAN_JOB_ID             the job id
 *     CHEOMDAN_NODE               the node this run stands for (the first node allocation of the placement)
 *     CHEOMDAN_NODES              all nodes of the placement, comma-joined
 *     CHEOMDAN_TASKS              the job's task count (the script runs once; it starts its tasks itself)
 *     CHEOMDAN_ACCELERATOR_TYPE   the accelerator type id, or "" for a CPU-only job
 *     CHEOMDAN_DEVICES            device indices of that node allocation, comma-joined ("" for none)
 *     CHEOMDAN_TIME_LIMIT_SECONDS the time limit
 *     CUDA_VISIBLE_DEVICES        same indices; "" when the job has no devices: CUDA then sees no device at
 *                                 all, where an unset variable would expose every GPU of the host
 *     NVIDIA_VISIBLE_DEVICES      same indices for the NVIDIA container runtime; "none" when the job has no
 *                                 devices ("none" = no GPU, per the NVIDIA Container Toolkit; "" or unset
 *                                 would mean "runtime default")
 *
 *   SLURM_*                     as Slurm sets them for a batch script (core/slurm/jobEnvironment.ts), from
 *                               the placement and `spec.slurm`; the spec's environment cannot override them
 *
 * The local executor is one host: a placement naming several nodes (embedded mode declares nodes for demos)
 * still runs the script once, here, with the first allocation's devices. Declared devices need not exist.
 */
import { slurmEnvironment } from '../../core/slurm/jobEnvironment.ts';
import type { LaunchSpec } from '../types.ts';

/** Server variables a job inherits unless `inheritEnvironment` says otherwise. */
export const DEFAULT_INHERITED_ENVIRONMENT: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'TMPDIR',
];

export function jobEnvironment(
  spec: LaunchSpec,
  serverEnvironment: Readonly<Record<string, string | undefined>>,
  inherit: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inherit) {
    const v = serverEnvironment[name];
    if (v !== undefined) env[name] = v;
  }
  Object.assign(env, spec.environment);
  // The SLURM_* variables (and device variables per accelerator kind) a Slurm batch job would see.
  Object.assign(env, slurmEnvironment({ ...spec, facts: spec.slurm }));
  const first = spec.placement[0];
  const devices = first === undefined ? '' : first.devices.join(',');
  Object.assign(env, {
    CHEOMDAN_JOB_ID: spec.jobId,
    CHEOMDAN_NODE: first?.node ?? '',
    CHEOMDAN_NODES: spec.placement.map((a) => a.node).join(','),
    CHEOMDAN_TASKS: String(spec.tasks),
    CHEOMDAN_ACCELERATOR_TYPE: spec.acceleratorType ?? '',
    CHEOMDAN_DEVICES: devices,
    CHEOMDAN_TIME_LIMIT_SECONDS: String(spec.timeLimitSeconds),
    CUDA_VISIBLE_DEVICES: devices,
    NVIDIA_VISIBLE_DEVICES: devices === '' ? 'none' : devices,
  });
  return env;
}
