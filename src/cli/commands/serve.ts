/**
 * `cheomdan serve`: runs the platform (API, controller, executor) in this process until SIGINT/SIGTERM.
 * The server module is imported only here, lazily, so client commands start fast.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../config.ts';
import type { Cli } from '../context.ts';
import type { PolicyConfig } from '../../scheduler/policy.ts';
import type { UnixAccountsConfig } from '../../services/unixAccounts.ts';
import { parseBlobSpec } from '../../server/blobConfig.ts';

export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 65535) throw new InvalidArgumentError('give a port number from 0 to 65535 (0: any free port)');
  return n;
}

interface ServeFlags {
  port?: number;
  host: string;
  home?: string;
  inventory?: string;
  executor?: string;
  policy?: string;
  policyConfig?: string;
  tlsCert?: string;
  tlsKey?: string;
  singleUser?: boolean;
  allowSeveralOrganizations?: boolean;
  unixAccounts?: string;
  blobs?: string;
}

export function registerServe(program: Command, cli: Cli): void {
  program
    .command('serve')
    .description('Run the Cheomdan server (API, scheduler, executor) in this process')
    .option('--port <port>', 'TCP port (env PORT; default 7080)', parsePort)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--home <dir>', 'data directory (env CHEOMDAN_HOME; default ./.cheomdan)')
    .option('--inventory <file>', 'declare nodes from an inventory file (YAML/JSON) instead of probing this host')
    .addOption(new Option('--executor <executor>', 'how jobs run (env CHEOMDAN_EXECUTOR; default local)').choices(['local', 'slurm']))
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain) (env CHEOMDAN_TLS_CERT); needs --tls-key')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (env CHEOMDAN_TLS_KEY)')
    .option('--policy <name>', 'scheduling policy: fifo, fifo-backfill, sjf, srtf, las, multifactor (env CHEOMDAN_POLICY; default fifo-backfill)')
    .option('--policy-config <file>', 'JSON with the policy and its options (order, backfill, multifactor.halfLifeSeconds, preemption…; env CHEOMDAN_POLICY_CONFIG); --policy overrides its order')
    .option('--single-user', "run every job as the server's own account even when root (env CHEOMDAN_SINGLE_USER=1); serves one organization")
    .option('--allow-several-organizations', "in single-user mode, serve several organizations anyway (their jobs can read each other's files; env CHEOMDAN_ALLOW_SEVERAL_ORGANIZATIONS=1)")
    .option('--blobs <where>', 'where dataset content is stored: fs:/DIR (default CHEOMDAN_HOME/blobs) or s3://BUCKET[/PREFIX] with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (env CHEOMDAN_BLOBS)')
    .option('--unix-accounts <file>', 'JSON: {"mapping": {"<user id or e-mail>": "<existing account>"}, "firstUid", "lastUid", "homeBase"} for the accounts jobs run as (env CHEOMDAN_UNIX_ACCOUNTS)')
    .action(async (f: ServeFlags) => {
      const env = cli.io.env;
      const port = f.port ?? (env.PORT !== undefined && env.PORT !== '' ? parsePortEnv(env.PORT) : 7080);
      const home = resolve(cli.io.cwd, f.home ?? env.CHEOMDAN_HOME ?? '.cheomdan');
      const policy = readPolicy(cli, f.policy ?? env.CHEOMDAN_POLICY, f.policyConfig ?? env.CHEOMDAN_POLICY_CONFIG);
      const basis = env.CHEOMDAN_STORAGE_BASIS || undefined;
      if (basis !== undefined && basis !== 'stored' && basis !== 'granted') throw new UsageError(`CHEOMDAN_STORAGE_BASIS: "${basis}" is neither "stored" (charge the bytes datasets store, the default) nor "granted" (charge allocations' storage grants)`);
      const count = (name: string): number | undefined => {
        const v = env[name];
        if (v === undefined || v === '') return undefined;
        if (!/^\d+$/.test(v.trim())) throw new UsageError(`${name}: "${v}" is not a whole number (0 turns the limit off)`);
        return Number(v);
      };
      const submitLimits = {
        ...(count('CHEOMDAN_MAX_WAITING_JOBS_PER_USER') !== undefined ? { maxWaitingPerUser: count('CHEOMDAN_MAX_WAITING_JOBS_PER_USER')! } : {}),
        ...(count('CHEOMDAN_MAX_WAITING_JOBS_PER_ORGANIZATION') !== undefined ? { maxWaitingPerOrganization: count('CHEOMDAN_MAX_WAITING_JOBS_PER_ORGANIZATION')! } : {}),
        ...(count('CHEOMDAN_SUBMISSIONS_PER_MINUTE') !== undefined ? { submissionsPerMinute: count('CHEOMDAN_SUBMISSIONS_PER_MINUTE')! } : {}),
      };
      const blobs = parseBlobSpec(f.blobs ?? env.CHEOMDAN_BLOBS, home, env);
      if ('error' in blobs) throw new UsageError(`--blobs: ${blobs.error}`);
      const { startServer } = await import('../../server/start.ts');
      const server = await startServer({
        host: f.host,
        port,
        home,
        databaseUrl: env.DATABASE_URL || undefined,
        inventoryPath: f.inventory ? resolve(cli.io.cwd, f.inventory) : undefined,
        executor: f.executor,
        policy,
        tlsCertPath: optionalPath(cli, f.tlsCert ?? env.CHEOMDAN_TLS_CERT),
        tlsKeyPath: optionalPath(cli, f.tlsKey ?? env.CHEOMDAN_TLS_KEY),
        singleUser: f.singleUser || env.CHEOMDAN_SINGLE_USER === '1',
        allowSeveralOrganizations: f.allowSeveralOrganizations || env.CHEOMDAN_ALLOW_SEVERAL_ORGANIZATIONS === '1',
        unixAccounts: readUnixAccounts(cli, f.unixAccounts ?? env.CHEOMDAN_UNIX_ACCOUNTS),
        blobs,
        storageBasis: basis,
        submitLimits,
        apiRequestsPerMinute: count('CHEOMDAN_API_REQUESTS_PER_MINUTE'),
        jobRetentionDays: count('CHEOMDAN_JOB_RETENTION_DAYS'),
      });
      cli.out(`Cheomdan is listening on ${server.url} (data in ${home})`);
      if (server.firstStart) {
        const fs = server.firstStart;
        cli.out(
          [
            'First start: an operator account was created.',
            `  email     ${fs.email}`,
            `  password  ${fs.password}   (shown once; change it after logging in)`,
            `  token     ${fs.tokenPath}`,
            `Log in with:  cheomdan login --url ${server.url} --token-file ${fs.tokenPath}`,
          ].join('\n'),
        );
      }
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          cli.err(`${signal}: stopping…`);
          server.close().then(done, (e: unknown) => {
            cli.err(`error while stopping: ${(e as Error).message}`);
            done();
          });
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}

function parsePortEnv(text: string): number {
  try {
    return parsePort(text);
  } catch {
    throw new UsageError(`PORT="${text}" is not a port number (0 to 65535)`);
  }
}

/** A JSON object from a file an option names; a UsageError naming the option and the file otherwise. */
function readJsonObject(cli: Cli, option: string, file: string, example: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(cli.io.cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`${option} ${file}: cannot read it (${(e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${option} ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${option} ${file}: give a JSON object, e.g. ${example}`);
  return value as Record<string, unknown>;
}

/** The policy from --policy and/or --policy-config (a JSON file); undefined: the server's default. */
function readPolicy(cli: Cli, name: string | undefined, file: string | undefined): string | PolicyConfig | undefined {
  if (!file) return name || undefined;
  const config = readJsonObject(cli, '--policy-config', file, '{"order": "multifactor", "multifactor": {"halfLifeSeconds": 604800}}');
  return { order: 'fifo-backfill', ...config, ...(name ? { order: name } : {}) } as PolicyConfig;
}

/** --unix-accounts: the mapping to existing accounts and the range of created ones (services/unixAccounts.ts checks the range). */
function readUnixAccounts(cli: Cli, file: string | undefined): UnixAccountsConfig | undefined {
  if (!file) return undefined;
  const c = readJsonObject(cli, '--unix-accounts', file, '{"mapping": {"kim@hospital.kr": "kim"}, "firstUid": 70000, "lastUid": 99999}');
  const known = new Set(['mapping', 'firstUid', 'lastUid', 'homeBase']);
  const extra = Object.keys(c).filter((k) => !known.has(k));
  if (extra.length > 0) throw new UsageError(`--unix-accounts ${file}: unknown field(s) ${extra.join(', ')}; give mapping, firstUid, lastUid, homeBase`);
  const mapping = c.mapping ?? {};
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping) || Object.values(mapping).some((v) => typeof v !== 'string' || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(v))) {
    throw new UsageError(`--unix-accounts ${file}: "mapping" maps user ids or e-mails to Unix account names, e.g. {"kim@hospital.kr": "kim"}`);
  }
  for (const k of ['firstUid', 'lastUid'] as const) {
    if (c[k] !== undefined && !Number.isInteger(c[k])) throw new UsageError(`--unix-accounts ${file}: "${k}" must be a whole number`);
  }
  if (c.homeBase !== undefined && (typeof c.homeBase !== 'string' || !c.homeBase.startsWith('/'))) throw new UsageError(`--unix-accounts ${file}: "homeBase" must be an absolute path`);
  return {
    mapping: Object.fromEntries(Object.entries(mapping as Record<string, string>).map(([k, v]) => [k.includes('@') ? k.toLowerCase() : k, v])),
    firstUid: c.firstUid as number | undefined, lastUid: c.lastUid as number | undefined, homeBase: c.homeBase as string | undefined,
  };
}

const optionalPath = (cli: Cli, p: string | undefined) => (p ? resolve(cli.io.cwd, p) : undefined);
