/**
 * Chooses the executor named by configuration, and where the inventory comes from when the executor knows
 * it (Slurm's nodes, partitions and GPUs). Only the controller layer holds executors (DESIGN.md), so the
 * factory lives here. An unknown name fails fast, naming the valid ones.
 */
import { CheomdanError } from '../core/errors.ts';
import type { InventoryNode } from '../core/inventory.ts';
import type { Executor } from '../executors/types.ts';

export const EXECUTORS = ['local', 'slurm'] as const;

export interface ExecutorSetup {
  executor: Executor;
  /** The cluster's own view of its nodes, read again periodically (node down / drain / resume). */
  inventory?: () => Promise<InventoryNode[]>;
}

export async function createExecutor(name: string, opts: { home: string; env?: NodeJS.ProcessEnv }): Promise<ExecutorSetup> {
  switch (name) {
    case 'local': {
      const { createLocalExecutor } = await import('../executors/local/index.ts');
      return { executor: createLocalExecutor({ stateDir: opts.home }) };
    }
    case 'slurm': {
      const { createSlurmExecutor, slurmConfigFromEnv, slurmInventory } = await import('../executors/slurm/index.ts');
      const config = { ...slurmConfigFromEnv(opts.env ?? process.env), outputRoot: opts.home };
      const executor = createSlurmExecutor(config);
      return {
        executor,
        inventory: () => slurmInventory(executor.client, {
          partitions: config.partitions, defaultAcceleratorType: config.defaultAcceleratorType, gresTypes: config.gresTypes,
        }),
      };
    }
    default:
      throw new CheomdanError('invalid_config', `unknown executor "${name}"; valid: ${EXECUTORS.join(', ')}`);
  }
}
