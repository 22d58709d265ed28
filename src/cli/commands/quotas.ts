/** `cheomdan quotas [list] | show | set | rm | cohorts | cohort-create | cohort-rm`. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { Cohort, Quota } from '../../contract/index.ts';
import type { Cli } from '../context.ts';
import { table } from '../format.ts';

/** A device count, or "none"/"unlimited" for no limit (null). */
function limitArg(v: string): number | null {
  if (v === 'none' || v === 'unlimited') return null;
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a whole number of devices, or "unlimited"');
  return Number(v);
}

function countArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a whole number of devices (0 or more)');
  return Number(v);
}

const limit = (n: number | null) => (n === null ? 'unlimited' : String(n));

export function registerQuotas(program: Command, cli: Cli): void {
  const request = async <S extends z.ZodType>(method: 'GET' | 'POST' | 'PUT', path: string, schema: S, body?: unknown) =>
    (await cli.client()).request(method, path, schema, body);
  const show = (qs: Quota[]) => table(qs, [
    { header: 'ID', get: (q) => q.id }, { header: 'TENANT', get: (q) => q.tenant, max: 20 }, { header: 'PROJECT', get: (q) => q.project ?? '-', max: 16 },
    { header: 'RESOURCE', get: (q) => q.resource }, { header: 'GUARANTEED', get: (q) => String(q.guaranteed) },
    { header: 'BORROW', get: (q) => limit(q.borrowLimit) }, { header: 'LEND', get: (q) => (q.lendLimit === null ? 'all' : String(q.lendLimit)) },
    { header: 'COHORT', get: (q) => q.cohort ?? '-' }, { header: 'IN USE', get: (q) => `${q.inUse}${q.borrowed > 0 ? ` (${q.borrowed} borrowed)` : ''}` },
    { header: 'SOURCE', get: (q) => q.source },
  ], 160);

  const quotas = program.command('quotas').description('Guaranteed devices per organization and accelerator type, with borrowing in cohorts');
  quotas.command('list', { isDefault: true }).description("Quotas: your organization's (operators: all)")
    .option('--tenant <tenant>', 'one organization (operators)')
    .action(async (f: { tenant?: string }) => {
      const { items } = await request('GET', `/v1/quotas${f.tenant ? `?tenant=${encodeURIComponent(f.tenant)}` : ''}`, z.object({ items: z.array(Quota) }));
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no quotas: every organization may use any idle device' : show(items));
    });
  quotas.command('show').description('One quota').argument('<id>')
    .action(async (id: string) => {
      const q = await request('GET', `/v1/quotas/${encodeURIComponent(id)}`, Quota);
      if (cli.json) return cli.printJson(q);
      cli.out(show([q]));
      cli.out(`covers: ${q.acceleratorTypes.join(', ')}`);
    });
  quotas.command('set').description('Set the quota of an organization (or project) on a type or type group (operators); replaces its limits')
    .requiredOption('--tenant <tenant>', 'the organization')
    .requiredOption('--resource <type-or-group>', 'an accelerator type id (cheomdan accelerators) or a type group, e.g. h100-class')
    .requiredOption('--guaranteed <n>', 'devices always available to it', countArg)
    .option('--project <project>', "a project's quota: a cap inside the organization's")
    .option('--borrow <n>', 'devices it may borrow beyond its guarantee, or "unlimited" (default 0)', limitArg)
    .option('--lend <n>', 'at most this many of its idle guarantee lent to its cohort (default: all of it)', limitArg)
    .option('--cohort <name>', 'the cohort whose members lend to each other')
    .action(async (f: { tenant: string; resource: string; guaranteed: number; project?: string; borrow?: number | null; lend?: number | null; cohort?: string }) => {
      const q = await request('PUT', '/v1/quotas', Quota, {
        tenant: f.tenant, resource: f.resource, guaranteed: f.guaranteed,
        ...(f.project ? { project: f.project } : {}), ...(f.borrow !== undefined ? { borrowLimit: f.borrow } : {}),
        ...(f.lend !== undefined ? { lendLimit: f.lend } : {}), ...(f.cohort ? { cohort: f.cohort } : {}),
      });
      if (cli.json) return cli.printJson(q);
      cli.out(`quota ${q.id}: ${q.tenant}${q.project ? `/${q.project}` : ''} guaranteed ${q.guaranteed} ${q.resource}, borrowing ${limit(q.borrowLimit)}${q.cohort ? ` in cohort ${q.cohort}` : ''}; in force from the next scheduling cycle`);
    });
  quotas.command('rm').description('Remove a quota (operators)').argument('<id>')
    .action(async (id: string) => {
      await (await cli.client()).request('DELETE', `/v1/quotas/${encodeURIComponent(id)}`, null);
      if (cli.json) return cli.printJson({ removed: id });
      cli.out(`quota ${id}: removed`);
    });
  quotas.command('cohorts').description('Cohorts: quotas that lend to each other')
    .action(async () => {
      const { items } = await request('GET', '/v1/cohorts', z.object({ items: z.array(Cohort) }));
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no cohorts' : table(items, [
        { header: 'NAME', get: (c) => c.name }, { header: 'MEMBERS', get: (c) => String(c.members) }, { header: 'DESCRIPTION', get: (c) => c.description, max: 60 },
      ], 120));
    });
  quotas.command('cohort-create').description('Create a cohort (operators)').argument('<name>', 'lowercase letters, digits and dashes')
    .option('--description <text>', 'what it groups, e.g. "universities sharing the H100 pool"')
    .action(async (name: string, f: { description?: string }) => {
      const c = await request('POST', '/v1/cohorts', Cohort, { name, ...(f.description ? { description: f.description } : {}) });
      if (cli.json) return cli.printJson(c);
      cli.out(`cohort ${c.name}: created; put quotas in it with cheomdan quotas set --cohort ${c.name}`);
    });
  quotas.command('cohort-rm').description('Remove a cohort that no quota names (operators)').argument('<name>')
    .action(async (name: string) => {
      await (await cli.client()).request('DELETE', `/v1/cohorts/${encodeURIComponent(name)}`, null);
      if (cli.json) return cli.printJson({ removed: name });
      cli.out(`cohort ${name}: removed`);
    });
}
