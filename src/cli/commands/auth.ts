/** `cheomdan login` and `cheomdan whoami`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CheomdanClient } from '../client.ts';
import { normaliseUrl, UsageError, writeCredentials, DEFAULT_URL } from '../config.ts';
import type { Cli } from '../context.ts';
import { ask, readAllStdin } from '../prompt.ts';

interface LoginFlags {
  email?: string;
  passwordStdin?: boolean;
  tokenFile?: string;
}

export function registerAuth(program: Command, cli: Cli): void {
  program
    .command('login')
    .description('Log in and save the server address and an API token to the credentials file')
    .option('--email <email>', 'log in with email and password (prompted on a terminal)')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .option('--token-file <file>', 'use the API token in this file (e.g. $CHEOMDAN_HOME/admin-token)')
    .addHelpText(
      'after',
      '\nWith the global --token T, that token is checked and saved.\n' +
        'The credentials file is $CHEOMDAN_CONFIG, or ~/.config/cheomdan/credentials.json (mode 0600).',
    )
    .action(async (flags: LoginFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ url?: string; token?: string }>();
      const url = normaliseUrl(globals.url || cli.io.env.CHEOMDAN_URL || DEFAULT_URL);
      const sources = [globals.token !== undefined, flags.tokenFile !== undefined, flags.email !== undefined || flags.passwordStdin === true];
      if (sources.filter(Boolean).length > 1) {
        throw new UsageError('give one way to log in: --token, --token-file, or --email with a password');
      }
      let token: string;
      if (globals.token !== undefined) token = globals.token;
      else if (flags.tokenFile !== undefined) token = await readTokenFile(resolve(cli.io.cwd, flags.tokenFile));
      else token = await passwordLogin(cli, url, flags);

      // Check the token before saving it, so a saved login always works.
      const me = await new CheomdanClient({ baseUrl: url, token }).me();
      await writeCredentials(cli.credentialsPath, { url, token });
      if (cli.json) cli.printJson(me);
      else cli.out(`logged in to ${url} as ${me.user.email} (${me.user.role}${me.tenant ? ` of ${me.tenant.slug}` : ''}); credentials saved to ${cli.credentialsPath}`);
    });

  program
    .command('whoami')
    .description('Show who you are logged in as, your organization and projects')
    .action(async () => {
      const c = await cli.client();
      const me = await c.me();
      if (cli.json) return cli.printJson(me);
      cli.out(
        [
          `${me.user.name} <${me.user.email}>`,
          `  role      ${me.user.role}`,
          `  tenant    ${me.tenant ? `${me.tenant.slug} (${me.tenant.name})` : '-'}`,
          `  projects  ${me.projects.map((p) => p.slug).join(', ') || '-'}`,
          `  server    ${c.baseUrl}`,
        ].join('\n'),
      );
    });
}

async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--token-file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const token = text.trim();
  if (!token || /\s/.test(token)) throw new UsageError(`--token-file: ${path} does not hold a single token`);
  return token;
}

async function passwordLogin(cli: Cli, url: string, flags: LoginFlags): Promise<string> {
  const tty = Boolean(cli.io.stdin.isTTY);
  let email = flags.email;
  if (email === undefined) {
    if (!tty) throw new UsageError('no way to log in given: use --token-file FILE, --token T, or --email E --password-stdin');
    email = (await ask(cli.io, 'email: ')).trim();
  }
  let password: string;
  if (flags.passwordStdin) password = await readAllStdin(cli.io);
  else if (tty) password = await ask(cli.io, 'password: ', true);
  else throw new UsageError('--email without a terminal: pipe the password and add --password-stdin');
  if (!password) throw new UsageError('the password is empty');
  const issued = await new CheomdanClient({ baseUrl: url }).login(email, password);
  return issued.token;
}
