/**
 * Chooses the executor named by configuration. Only the controller holds executors (DESIGN.md), so the
 * factory lives here. An unknown name fails fast, naming the valid ones.
 */
import { CheomdanError } from '../core/errors.ts';
import type { Executor } from '../executors/types.ts';

export const EXECUTORS = ['local', 'slurm'] as const;

export async function createExecutor(name: string, opts: { home: string }): Promise<Executor> {
  switch (name) {
    case 'local': {
      const { createLocalExecutor } = await import('../executors/local/index.ts');
      return createLocalExecutor({ stateDir: opts.home });
    }
    case 'slurm': {
      const { createSlurmExecutorFromEnv } = await import('../executors/slurm/index.ts');
      return createSlurmExecutorFromEnv(process.env);
    }
    default:
      throw new CheomdanError('invalid_config', `unknown executor "${name}"; valid: ${EXECUTORS.join(', ')}`);
  }
}
