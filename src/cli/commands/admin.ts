/** `cheomdan tenants|users|projects|tokens …`: organizations, people, projects and API tokens. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SCOPES, SECTORS, TENANT_KINDS, USER_ROLES, type ProjectCreate, type TenantCreate, type UserCreate } from '../../contract/index.ts';
import { CommandFailed, type Cli } from '../context.ts';
import { formatTime, table } from '../format.ts';
import { ask, readAllStdin } from '../prompt.ts';
import { UsageError } from '../config.ts';

const positiveInt = (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 3650) throw new InvalidArgumentError('give a whole number of days from 1 to 3650');
  return n;
};

export function registerAdmin(program: Command, cli: Cli): void {
  const tenants = program.command('tenants').description('Organizations (tenants)');
  tenants
    .command('create')
    .description('Create a tenant (operators)')
    .requiredOption('--slug <slug>', 'short name: lowercase letters, digits and dashes (e.g. acme-ai)')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--kind <kind>', 'kind of organization').choices(TENANT_KINDS).makeOptionMandatory())
    .addOption(new Option('--sector <sector>', 'sector').choices(SECTORS))
    .action(async (f: { slug: string; name: string; kind: TenantCreate['kind']; sector?: TenantCreate['sector'] }) => {
      const body = { slug: f.slug, name: f.name, kind: f.kind, ...(f.sector ? { sector: f.sector } : {}) } as TenantCreate;
      const t = await (await cli.client()).createTenant(body);
      if (cli.json) return cli.printJson(t);
      cli.out(`created tenant ${t.slug} (${t.id})`);
    });
  tenants
    .command('list')
    .description('Tenants you can see')
    .action(async () => {
      const { items } = await (await cli.client()).listTenants();
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no tenants' : table(items, [
        { header: 'ID', get: (t) => t.id },
        { header: 'SLUG', get: (t) => t.slug },
        { header: 'NAME', get: (t) => t.name, max: 30 },
        { header: 'KIND', get: (t) => t.kind },
        { header: 'SECTOR', get: (t) => t.sector },
        { header: 'CREATED', get: (t) => formatTime(t.createdAt) },
      ]));
    });

  const users = program.command('users').description('People');
  users
    .command('create')
    .description('Create a user (operators; tenant owners in their own tenant)')
    .requiredOption('--email <email>', 'email address (the login name)')
    .requiredOption('--name <name>', 'full name')
    .addOption(new Option('--role <role>', 'role').choices(USER_ROLES).default('member'))
    .option('--tenant <tenant>', 'tenant id or slug (required for owner and member)')
    .option('--password-stdin', 'set a password read from standard input (at least 10 characters)')
    .action(async (f: { email: string; name: string; role: UserCreate['role']; tenant?: string; passwordStdin?: boolean }) => {
      const body: UserCreate = { email: f.email, name: f.name, role: f.role, ...(f.tenant ? { tenant: f.tenant } : {}) };
      if (f.passwordStdin) body.password = await readAllStdin(cli.io);
      const u = await (await cli.client()).createUser(body);
      if (cli.json) return cli.printJson(u);
      cli.out(`created user ${u.email} (${u.id}, ${u.role})`);
    });
  users
    .command('list')
    .description('Users you can see')
    .action(async () => {
      const { items } = await (await cli.client()).listUsers();
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no users' : table(items, [
        { header: 'ID', get: (u) => u.id },
        { header: 'EMAIL', get: (u) => u.email, max: 32 },
        { header: 'NAME', get: (u) => u.name, max: 24 },
        { header: 'ROLE', get: (u) => u.role },
        { header: 'TENANT', get: (u) => u.tenant ?? '-' },
        { header: 'DISABLED', get: (u) => (u.disabledAt ? formatTime(u.disabledAt) : '-') },
      ]));
    });
  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(name)
      .description(disabled ? 'Disable a user: no login, every token revoked at once (operators; owners for their members)' : 'Enable a disabled user again (they log in anew)')
      .argument('<user>', 'user id or e-mail')
      .action(async (user: string) => {
        const u = await (await cli.client()).setUserDisabled(user, disabled);
        if (cli.json) return cli.printJson(u);
        cli.out(`${u.email} ${disabled ? 'disabled: its tokens are revoked' : 'enabled: they can log in again'}`);
      });
  }
  users
    .command('reset-password')
    .description('Issue a one-time password reset code for a user, valid 24 hours (operators; owners for their members)')
    .argument('<user>', 'user id or e-mail')
    .action(async (user: string) => {
      const c = await cli.client();
      const r = await c.issuePasswordReset(user);
      if (cli.json) return cli.printJson(r);
      cli.out(r.code);
      cli.err(`a one-time reset code for ${r.email}, valid until ${formatTime(r.expiresAt)}: give it to them in person or by a channel you trust. They set a password at ${c.baseUrl}${r.link} or with \`cheomdan password reset --code CODE\``);
    });

  const audit = program.command('audit').description('The audit log (operators)');
  audit
    .command('verify')
    .description("Check the audit log's hash chain from its first record; names the first broken record (and exits non-zero)")
    .action(async () => {
      const r = await (await cli.client()).verifyAudit();
      if (cli.json) cli.printJson(r);
      else if (r.ok) cli.out(`audit log intact: ${r.records} records, each chained to the one before`);
      if (!r.ok) throw new CommandFailed(`audit log BROKEN at record ${r.broken!.id}: ${r.broken!.reason} (the ${r.records} records before it hold)`);
    });

  const password = program.command('password').description('Your password');
  password
    .command('change')
    .description('Change your password (your other password-login sessions are ended)')
    .option('--stdin', 'read the current and the new password from standard input, one per line')
    .action(async (f: { stdin?: boolean }) => {
      let current: string;
      let next: string;
      if (f.stdin) {
        [current = '', next = ''] = (await readAllStdin(cli.io)).split(/\r?\n/);
      } else {
        if (!cli.io.stdin.isTTY) throw new UsageError('no terminal to ask on: pipe the current and the new password, one per line, with --stdin');
        current = await ask(cli.io, 'Current password: ', true);
        next = await ask(cli.io, 'New password (at least 10 characters): ', true);
        if ((await ask(cli.io, 'New password again: ', true)) !== next) throw new UsageError('the two new passwords differ; nothing was changed');
      }
      await (await cli.client()).changePassword(current, next);
      cli.out('password changed; your other password-login sessions are ended');
    });
  password
    .command('reset')
    .description('Set a new password with a one-time reset code (no login needed)')
    .requiredOption('--code <code>', 'the code an operator or your organization\'s owner gave you')
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (f: { code: string; passwordStdin?: boolean }) => {
      let next: string;
      if (f.passwordStdin) next = await readAllStdin(cli.io);
      else {
        if (!cli.io.stdin.isTTY) throw new UsageError('no terminal to ask on: pipe the new password with --password-stdin');
        next = await ask(cli.io, 'New password (at least 10 characters): ', true);
        if ((await ask(cli.io, 'Again: ', true)) !== next) throw new UsageError('the two passwords differ; nothing was changed');
      }
      await (await cli.client({ anonymous: true })).resetPassword(f.code, next);
      cli.out('password set; log in with `cheomdan login`');
    });

  const projects = program.command('projects').description('Projects of an organization');
  projects
    .command('create')
    .description('Create a project')
    .requiredOption('--slug <slug>', 'short name: lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>', 'what the project is for')
    .option('--tenant <tenant>', 'tenant id or slug (operators must give it)')
    .action(async (f: { slug: string; name: string; description?: string; tenant?: string }) => {
      const body = { slug: f.slug, name: f.name, ...(f.description ? { description: f.description } : {}), ...(f.tenant ? { tenant: f.tenant } : {}) } as ProjectCreate;
      const p = await (await cli.client()).createProject(body);
      if (cli.json) return cli.printJson(p);
      cli.out(`created project ${p.slug} (${p.id})`);
    });
  projects
    .command('list')
    .description('Projects you can see')
    .action(async () => {
      const { items } = await (await cli.client()).listProjects();
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no projects' : table(items, [
        { header: 'ID', get: (p) => p.id },
        { header: 'SLUG', get: (p) => p.slug },
        { header: 'NAME', get: (p) => p.name, max: 30 },
        { header: 'TENANT', get: (p) => p.tenant },
        { header: 'CREATED', get: (p) => formatTime(p.createdAt) },
      ]));
    });

  const tokens = program.command('tokens').description('Your API tokens');
  tokens
    .command('create')
    .description('Create an API token (the secret is shown once)')
    .requiredOption('--name <name>', 'what the token is for, e.g. "ci"')
    .option('--expires-in-days <days>', 'expire after this many days (default 90; at most the server\'s maximum, 365 unless configured)', positiveInt)
    .option('--scope <scope>', `what it may do, repeatable: ${SCOPES.join(', ')} (default: the scopes of the token you use)`, (v: string, prev: string[] = []) => {
      for (const one of v.split(',').map((x) => x.trim()).filter(Boolean)) {
        if (!(SCOPES as readonly string[]).includes(one)) throw new InvalidArgumentError(`unknown scope "${one}"; scopes: ${SCOPES.join(', ')}`);
        prev.push(one);
      }
      return prev;
    })
    .action(async (f: { name: string; expiresInDays?: number; scope?: string[] }) => {
      const t = await (await cli.client()).createToken({
        name: f.name, ...(f.expiresInDays ? { expiresInDays: f.expiresInDays } : {}), ...(f.scope ? { scopes: f.scope as (typeof SCOPES)[number][] } : {}),
      });
      if (cli.json) return cli.printJson(t);
      cli.out(t.token);
      cli.err(`created token ${t.name} (${t.id}) with scopes ${t.scopes.join(', ')}, expiring ${formatTime(t.expiresAt)}; this is the only time the secret is shown`);
    });
  tokens
    .command('list')
    .description('Your active tokens')
    .action(async () => {
      const { items } = await (await cli.client()).listTokens();
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no tokens' : table(items, [
        { header: 'ID', get: (t) => t.id },
        { header: 'NAME', get: (t) => t.name, max: 24 },
        { header: 'PREFIX', get: (t) => t.prefix },
        { header: 'SCOPES', get: (t) => t.scopes.join(',') },
        { header: 'CREATED', get: (t) => formatTime(t.createdAt) },
        { header: 'LAST USED', get: (t) => formatTime(t.lastUsedAt) },
        { header: 'EXPIRES', get: (t) => formatTime(t.expiresAt) },
      ]));
    });
  tokens
    .command('revoke')
    .description('Revoke one of your tokens')
    .argument('<id>', 'token id (see cheomdan tokens list)')
    .action(async (id: string) => {
      await (await cli.client()).revokeToken(id);
      if (cli.json) return cli.printJson({ revoked: id });
      cli.out(`revoked ${id}`);
    });
}
