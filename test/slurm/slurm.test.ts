/**
 * The Slurm test group: every suite against one real Slurm cluster, in one process, in order (they share
 * the cluster's nodes and restart its daemons). Skipped only with CHEOMDAN_SKIP_SLURM=1; anywhere else a
 * cluster that cannot start fails the group with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { asNodeName } from '../../src/core/ids.ts';
import { describeExecutorConformance } from '../../src/executors/conformance.ts';
import { ensureSlurmCluster, SKIP_SLURM, type SlurmTestCluster } from './cluster.ts';
import { environmentSuite } from './environment.suite.ts';
import { executorSuite } from './executor.suite.ts';
import { ownerSuite } from './owner.suite.ts';
import { faultSuite } from './faults.suite.ts';
import { executorFor } from './helpers.ts';
import { inventorySuite } from './inventory.suite.ts';
import { serverSuite } from './server.suite.ts';

let cluster: SlurmTestCluster | undefined;
const get = (): SlurmTestCluster => {
  if (!cluster) throw new Error('Slurm test cluster not started');
  return cluster;
};

describe.skipIf(SKIP_SLURM).sequential('Slurm (real cluster)', () => {
  beforeAll(() => {
    cluster = ensureSlurmCluster();
  }, 900_000);

  // The suite every executor passes. Its jobs run as root (the suite creates their folders as this
  // process's user); executor.suite.ts covers jobs run as an ordinary user. CPU jobs go to node1 and GPU
  // jobs to node2, so a job still completing never shifts the device indices Slurm hands out.
  const harness = (transport: 'rest' | 'cli') => async () => {
    const c = get();
    const workDir = mkdtempSync(join(tmpdir(), 'chd-slurm-conformance-'));
    return {
      executor: executorFor(c, { defaultUser: 'root', ...(transport === 'cli' ? { restUrl: undefined } : {}) }),
      placement: (devices: number) => [{
        node: asNodeName(devices === 0 ? 'node1' : 'node2'),
        devices: Array.from({ length: devices }, (_, i) => i),
        tasks: 1, cpus: 1, memoryMb: 500,
      }],
      acceleratorType: 'nvidia-h100-sxm-80gb',
      workDir,
      cleanup: async () => rmSync(workDir, { recursive: true, force: true }),
    };
  };
  // Slurm's KillWait (5 s on the test cluster) is the grace between SIGTERM and SIGKILL for every job
  const options = { timeLimitSeconds: 2, gracePeriodSeconds: 5 };
  describeExecutorConformance('slurm', harness('rest'), options);
  // the same suite through sbatch / squeue --json / scancel only (the fallback when slurmrestd is down)
  describeExecutorConformance('slurm (CLI only)', harness('cli'), options);

  executorSuite(get);
  environmentSuite(get);
  ownerSuite(get);
  inventorySuite(get);
  faultSuite(get);
  serverSuite(get);
});
