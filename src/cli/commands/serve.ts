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
    .action(async (f: ServeFlags) => {
      const env = cli.io.env;
      const port = f.port ?? (env.PORT !== undefined && env.PORT !== '' ? parsePortEnv(env.PORT) : 7080);
      const home = resolve(cli.io.cwd, f.home ?? env.CHEOMDAN_HOME ?? '.cheomdan');
      const policy = readPolicy(cli, f.policy ?? env.CHEOMDAN_POLICY, f.policyConfig ?? env.CHEOMDAN_POLICY_CONFIG);
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

/** The policy from --policy and/or --policy-config (a JSON file); undefined: the server's default. */
function readPolicy(cli: Cli, name: string | undefined, file: string | undefined): string | PolicyConfig | undefined {
  if (!file) return name || undefined;
  let text: string;
  try {
    text = readFileSync(resolve(cli.io.cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`--policy-config ${file}: cannot read it (${(e as Error).message})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--policy-config ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError(`--policy-config ${file}: give a JSON object, e.g. {"order": "multifactor", "multifactor": {"halfLifeSeconds": 604800}}`);
  return { order: 'fifo-backfill', ...(config as object), ...(name ? { order: name } : {}) } as PolicyConfig;
}

const optionalPath = (cli: Cli, p: string | undefined) => (p ? resolve(cli.io.cwd, p) : undefined);
