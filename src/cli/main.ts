/**
 * The `cheomdan` command: `main(argv)` parses the command line with commander, runs one command and returns
 * the exit code (it never calls process.exit, so tests can run it in-process and bin/cheomdan.js sets
 * process.exitCode).
 *
 * Exit codes (docs/cli.md): 0 ok; 1 the server refused (problem details printed); 2 usage error (nothing was
 * sent); 3 not logged in or token rejected; 4 not found; 5 cannot reach the server.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isCheomdanError } from '../core/errors.ts';
import { ApiError, ConnectionError, ProtocolError } from './client.ts';
import { UsageError } from './config.ts';
import { Cli, CommandFailed, EXIT, NotLoggedInError, type Io } from './context.ts';
import { problemLines } from './format.ts';
import { registerAccounting } from './commands/accounting.ts';
import { registerAdmin } from './commands/admin.ts';
import { registerAuth } from './commands/auth.ts';
import { registerInventory } from './commands/inventory.ts';
import { registerQuotas } from './commands/quotas.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerSqueue } from './commands/squeue.ts';
import { registerSinfo } from './commands/sinfo.ts';
import { registerServe } from './commands/serve.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerTestbed } from './commands/testbed.ts';
import { registerDatasets } from './commands/datasets.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds the command tree; each command's action writes through `cli`. */
export function buildProgram(cli: Cli): Command {
  const program = new Command('cheomdan')
    .description('Cheomdan: jobs, nodes and capacity of a shared AI data center')
    .version(VERSION, '-V, --version')
    .option('--url <url>', 'server address (env CHEOMDAN_URL; default: the saved login, else http://127.0.0.1:7080)')
    .option('--token <token>', 'API token (env CHEOMDAN_TOKEN; default: the saved login)')
    .option('--json', 'print JSON (the API resources, as the contract defines them) instead of text')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => void cli.io.stdout.write(s),
      writeErr: (s) => void cli.io.stderr.write(s),
    })
    .addHelpText('after', '\nExit codes: 0 ok, 1 refused by the server, 2 usage error, 3 not logged in, 4 not found, 5 server unreachable.');

  program.hook('preAction', (root, action) => {
    cli.setGlobals(root.opts());
    if (cli.afterDashes.length > 0 && action.name() !== 'submit' && action.name() !== 'sbatch') {
      throw new UsageError(`"-- ${cli.afterDashes.join(' ')}": a command after -- is only for cheomdan submit`);
    }
  });

  registerServe(program, cli);
  registerAuth(program, cli);
  registerSubmit(program, cli);
  registerJobs(program, cli);
  registerSqueue(program, cli);
  registerSinfo(program, cli);
  registerInventory(program, cli);
  registerQuotas(program, cli);
  registerAdmin(program, cli);
  registerAccounting(program, cli);
  registerSimulate(program, cli);
  registerTestbed(program, cli);
  registerDatasets(program, cli);
  return program;
}

/** Runs the CLI. `argv` is process.argv-shaped: [node, script, ...args]. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // Everything after the first "--" is the job's command (cheomdan submit -- python train.py --lr 3e-4):
  // kept away from commander so none of it is read as a cheomdan option.
  const dashes = argv.indexOf('--', 2);
  const args = dashes === -1 ? argv : argv.slice(0, dashes);
  const cli = new Cli(io, dashes === -1 ? [] : argv.slice(dashes + 1));
  try {
    await buildProgram(cli).parseAsync(args);
    return EXIT.ok;
  } catch (e) {
    return report(cli, e);
  }
}

/** Prints an error the way a person can act on it, and returns its exit code. */
export async function report(cli: Cli, e: unknown): Promise<number> {
  if (e instanceof CommanderError) {
    // commander has already printed its message (unknown option, missing argument, help, version).
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof UsageError || e instanceof InvalidArgumentError) {
    cli.err(`error: ${e.message}`);
    return EXIT.usage;
  }
  if (e instanceof CommandFailed) {
    cli.err(`error: ${e.message}`);
    return EXIT.refused;
  }
  if (e instanceof NotLoggedInError) {
    cli.err(`error: ${e.message}`);
    return EXIT.auth;
  }
  if (e instanceof ConnectionError) {
    cli.err(`error: ${e.message}`);
    return EXIT.unreachable;
  }
  if (e instanceof ApiError) {
    cli.err(problemLines(e));
    if (e.status === 401) {
      const c = await cli.resolveConnection().catch(() => null);
      cli.err(`the token${c?.tokenSource ? ` from ${c.tokenSource}` : ''} was not accepted by ${c?.url ?? 'the server'}; run \`cheomdan login\` again`);
      return EXIT.auth;
    }
    return e.status === 404 ? EXIT.notFound : EXIT.refused;
  }
  if (e instanceof ProtocolError) {
    cli.err(`error: ${e.message}`);
    return EXIT.refused;
  }
  if (isCheomdanError(e)) {
    cli.err(problemLines({ title: e.title, detail: e.message, errors: e.errors }));
    return EXIT.refused;
  }
  const err = e as Error;
  cli.err(`error: ${err?.message ?? String(e)}`);
  if (cli.io.env.CHEOMDAN_DEBUG && err?.stack) cli.err(err.stack);
  return EXIT.refused;
}

function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
