/**
 * The Slurm test group: every suite against one real Slurm cluster, in one process, in order (they share
 * the cluster's nodes and restart its daemons). Skipped only with CHEOMDAN_SKIP_SLURM=1; anywhere else a
 * cluster that cannot start fails the group with the reason.
 */
import { beforeAll, describe } from 'vitest';
import { ensureSlurmCluster, SKIP_SLURM, type SlurmTestCluster } from './cluster.ts';
import { executorSuite } from './executor.suite.ts';
import { faultSuite } from './faults.suite.ts';

let cluster: SlurmTestCluster | undefined;
const get = (): SlurmTestCluster => {
  if (!cluster) throw new Error('Slurm test cluster not started');
  return cluster;
};

describe.skipIf(SKIP_SLURM).sequential('Slurm (real cluster)', () => {
  beforeAll(() => {
    cluster = ensureSlurmCluster();
  }, 900_000);
  executorSuite(get);
  faultSuite(get);
});
