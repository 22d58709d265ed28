/**
 * The Slurm executor's public face: `createSlurmExecutor(config)` and `slurmInventory(client, opts)`.
 *
 *   const ex = createSlurmExecutor({
 *     restUrl: 'http://slurm-head:6820', jwtKeyFile: '/etc/slurm/jwt_hs256.key',
 *     partition: 'gpu', defaultUser: 'cheomdan-jobs', cliFallback: true,
 *   });
 *   const nodes = await slurmInventory(ex.client, { partitions: ['gpu'], defaultAcceleratorType: 'nvidia-h100-sxm-80gb' });
 *
 * `slurmConfigFromEnv(process.env)` reads the same settings from CHEOMDAN_SLURM_* / SLURM_* variables
 * (docs/slurm.md lists them).
 */
import { readFileSync } from 'node:fs';
import { CheomdanError } from '../../core/errors.ts';
import { findAcceleratorType } from '../../core/accelerators.ts';
import type { LaunchSpec } from '../types.ts';
import { SlurmCliClient } from './cli.ts';
import type { SlurmClient } from './client.ts';
import { SlurmExecutor } from './executor.ts';
import { FailoverSlurmClient, type RetryPolicy, type SlurmClientEvent } from './failover.ts';
import { JwtCache } from './jwt.ts';
import { SlurmRestClient } from './rest.ts';

export { SlurmExecutor, type ForeignJob } from './executor.ts';
export { slurmInventory, inventoryFromNodes, parseGres, nodeState, type SlurmInventoryOptions } from './inventory.ts';
export { SlurmError, type SlurmClient, type SlurmJob, type SlurmNode, type SlurmJobRequest } from './client.ts';
export { SlurmRestClient } from './rest.ts';
export { SlurmCliClient } from './cli.ts';
export { FailoverSlurmClient, type RetryPolicy, type SlurmClientEvent } from './failover.ts';
export { mintSlurmJwt } from './jwt.ts';
export type { SlurmObservation } from './states.ts';

export interface SlurmExecutorConfig {
  /** slurmrestd base URL (http://host:6820). Omit to use the CLI only. */
  restUrl?: string | undefined;
  /** HS256 key bytes Slurm verifies tokens with (AuthAltParameters=jwt_key=...). */
  jwtKey?: Buffer | undefined;
  /** Or the file holding them. */
  jwtKeyFile?: string | undefined;
  /**
   * Instead of the key: a token for root (or SlurmUser), as a site hands out with `scontrol token
   * username=root lifespan=…`, or the file holding it. slurmrestd lets such a token act for any user named
   * in X-SLURM-USER-NAME, so jobs are still submitted as their owners without the server holding the key.
   */
  rootJwt?: string | undefined;
  rootJwtFile?: string | undefined;
  /** Token lifetime, s. Default 3600; tokens are cached per user and re-minted with a quarter left. */
  jwtLifetimeSeconds?: number | undefined;
  /** User for listing and cancelling jobs: root, SlurmUser or a Slurm operator. Default 'root'. */
  operatorUser?: string | undefined;
  /** Cheomdan job -> Linux user on the cluster. Default: spec.owner.userName, else spec.user, else defaultUser. */
  mapUser?: ((spec: LaunchSpec) => string | undefined) | undefined;
  defaultUser?: string | undefined;
  partition?: string | undefined;
  /** Slurm account to charge: fixed, or from the job (e.g. its tenant). */
  account?: string | ((spec: LaunchSpec) => string | undefined) | undefined;
  /** Use sbatch/squeue/scancel/sinfo when slurmrestd does not answer. Default true. */
  cliFallback?: boolean | undefined;
  /** Where sbatch & co. live; default PATH. */
  cliBinDir?: string | undefined;
  /** Slurm gres type -> Cheomdan accelerator type, both ways (e.g. { h100: 'nvidia-h100-sxm-80gb' }). */
  gresTypes?: Readonly<Record<string, string>> | undefined;
  retry?: RetryPolicy | undefined;
  /** Where the server keeps job logs (CHEOMDAN_HOME); see SlurmExecutorCoreOptions.outputRoot. */
  outputRoot?: string | undefined;
  restCooldownMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  /** observe() and start() ask for up to this many jobs one by one (GET /job/{id}), more by one listing. Default 64. */
  perJobFetchLimit?: number | undefined;
  startTimeoutMs?: number | undefined;
  startPollMs?: number | undefined;
  onEvent?: ((e: SlurmClientEvent) => void) | undefined;
  clock?: (() => number) | undefined;
}

export function createSlurmClient(config: SlurmExecutorConfig): FailoverSlurmClient {
  let rest: SlurmClient | undefined;
  if (config.restUrl) {
    const key = config.jwtKey ?? (config.jwtKeyFile ? readKey(config.jwtKeyFile) : undefined);
    const rootJwt = config.rootJwt ?? (config.rootJwtFile ? readKey(config.rootJwtFile, 'root token').toString('utf8').trim() : undefined);
    if (!key && !rootJwt) {
      throw new CheomdanError('invalid_config', 'the Slurm executor needs, with restUrl, jwtKey or jwtKeyFile (the HS256 key of AuthAltParameters=jwt_key=...) or rootJwt / rootJwtFile (a token for root)');
    }
    const jwt = key ? new JwtCache(key, config.clock ?? Date.now, config.jwtLifetimeSeconds ?? 3600) : undefined;
    rest = new SlurmRestClient({
      // With only a root token, every request carries it and X-SLURM-USER-NAME names who it acts for.
      url: config.restUrl, token: (u) => (jwt ? jwt.token(u) : rootJwt!), operatorUser: config.operatorUser ?? 'root',
      timeoutMs: config.requestTimeoutMs, perJobFetchLimit: config.perJobFetchLimit,
    });
  }
  const cli = config.cliFallback === false ? undefined : new SlurmCliClient({ binDir: config.cliBinDir, timeoutMs: config.requestTimeoutMs });
  if (!rest && !cli) throw new CheomdanError('invalid_config', 'the Slurm executor needs restUrl, or cliFallback left on');
  return new FailoverSlurmClient(rest, cli, {
    retry: config.retry, restCooldownMs: config.restCooldownMs, onEvent: config.onEvent, now: config.clock,
  });
}

export function createSlurmExecutor(config: SlurmExecutorConfig): SlurmExecutor {
  const reverse = new Map(Object.entries(config.gresTypes ?? {}).map(([slurm, ours]) => [ours, slurm]));
  return new SlurmExecutor({
    client: createSlurmClient(config),
    mapUser: config.mapUser,
    defaultUser: config.defaultUser,
    partition: config.partition,
    account: config.account,
    gresTypeFor: (t) => reverse.get(t),
    startTimeoutMs: config.startTimeoutMs,
    startPollMs: config.startPollMs,
    clock: config.clock,
    outputRoot: config.outputRoot,
  });
}

/**
 * Reads the executor's settings from the environment:
 *   SLURM_REST_URL, SLURM_JWT_KEY_FILE (or SLURM_ROOT_JWT_FILE: a token for root), SLURM_PARTITION, SLURM_ACCOUNT, SLURM_DEFAULT_USER,
 *   SLURM_OPERATOR_USER, SLURM_CLI_FALLBACK (0/1), SLURM_GRES_TYPES (h100=nvidia-h100-sxm-80gb,...),
 *   SLURM_DEFAULT_ACCELERATOR_TYPE (for inventory; returned alongside).
 * These names are read only by the server, never passed to sbatch (jobs get a built environment).
 */
export function slurmConfigFromEnv(env: Readonly<Record<string, string | undefined>>): SlurmExecutorConfig & { defaultAcceleratorType: string; partitions: string[] | undefined } {
  const gresTypes: Record<string, string> = {};
  for (const pair of (env.SLURM_GRES_TYPES ?? '').split(',').filter(Boolean)) {
    const [k, v] = pair.split('=');
    if (!k || !v || !findAcceleratorType(v)) {
      throw new CheomdanError('invalid_config', `SLURM_GRES_TYPES entry "${pair}" must be gresType=acceleratorTypeId with a known accelerator type`);
    }
    gresTypes[k] = v;
  }
  const defaultAcceleratorType = env.SLURM_DEFAULT_ACCELERATOR_TYPE ?? 'nvidia-h100-sxm-80gb';
  if (!findAcceleratorType(defaultAcceleratorType)) {
    throw new CheomdanError('invalid_config', `SLURM_DEFAULT_ACCELERATOR_TYPE "${defaultAcceleratorType}" is not in the accelerator catalog`);
  }
  return {
    restUrl: env.SLURM_REST_URL || undefined,
    jwtKeyFile: env.SLURM_JWT_KEY_FILE || undefined,
    rootJwtFile: env.SLURM_ROOT_JWT_FILE || undefined,
    partition: env.SLURM_PARTITION || undefined,
    partitions: env.SLURM_PARTITION ? [env.SLURM_PARTITION] : undefined,
    account: env.SLURM_ACCOUNT || undefined,
    defaultUser: env.SLURM_DEFAULT_USER || undefined,
    operatorUser: env.SLURM_OPERATOR_USER || undefined,
    cliFallback: env.SLURM_CLI_FALLBACK !== '0',
    gresTypes,
    defaultAcceleratorType,
  };
}

function readKey(path: string, what = 'JWT key'): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CheomdanError('invalid_config', `cannot read the Slurm ${what} file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** `createSlurmExecutor(slurmConfigFromEnv(env))`: what the server uses when CHEOMDAN_EXECUTOR=slurm. */
export function createSlurmExecutorFromEnv(env: Readonly<Record<string, string | undefined>>): SlurmExecutor {
  return createSlurmExecutor(slurmConfigFromEnv(env));
}
