/** `cheomdan nodes`, `node drain|down|resume`, `reservations` and `capacity`. */
import type { Command } from 'commander';
import { Reservation } from '../../contract/index.ts';
import type { Cli } from '../context.ts';
import { formatTime, nodesTable, table } from '../format.ts';
import { z } from 'zod';
import { formatCapacity } from './capacity.ts';

export function registerInventory(program: Command, cli: Cli): void {
  program
    .command('nodes')
    .description('List nodes: partition, state, CPUs in use, memory, devices')
    .action(async () => {
      const { items } = await (await cli.client()).nodes();
      if (cli.json) return cli.printJson({ items });
      if (items.length === 0) return cli.out('no nodes');
      cli.out(nodesTable(items));
      if (items.some((n) => n.source === 'declared' && n.devices.length > 0)) {
        cli.out('declared: devices listed in an inventory file, not probed on real hardware');
      }
    });

  const node = program.command('node').description('Change a node\'s state (operators)');
  for (const [verb, state, what] of [
    ['drain', 'draining', 'let running jobs finish, start no new ones'],
    ['down', 'down', 'take the node out of service'],
    ['resume', 'up', 'put the node back in service'],
  ] as const) {
    node
      .command(verb)
      .description(`${what[0]?.toUpperCase()}${what.slice(1)}`)
      .argument('<name>', 'node name (see cheomdan nodes)')
      .option('--reason <text>', 'why, shown in cheomdan nodes and to users whose jobs wait')
      .action(async (name: string, f: { reason?: string }) => {
        const n = await (await cli.client()).setNodeState(name, { state, ...(f.reason ? { reason: f.reason } : {}) });
        if (cli.json) return cli.printJson(n);
        cli.out(`${n.name}: ${n.state}${n.stateReason ? ` (${n.stateReason})` : ''}`);
      });
  }

  // reservations ---------------------------------------------------------------------------------------------
  const request = async <S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown) =>
    (await cli.client()).request(method, path, schema, body);
  // The id is never cut (it is what the other commands take); the organization only when there are several.
  const show = (rs: Reservation[]) => table(rs, [
    { header: 'ID', get: (r) => r.id }, { header: 'NAME', get: (r) => r.name, max: 24 }, { header: 'STATE', get: (r) => r.state },
    { header: 'NODES', get: (r) => r.nodes.join(','), max: 24 },
    { header: 'FROM', get: (r) => formatTime(r.startsAt).slice(0, 16) }, { header: 'TO', get: (r) => formatTime(r.endsAt).slice(0, 16) },
    ...(new Set(rs.map((r) => r.tenant)).size > 1 ? [{ header: 'TENANT', get: (r: Reservation) => r.tenant, max: 12 }] : []),
  ], 140);
  const reservations = program.command('reservations').description('Nodes held for an organization during a window (yours; operators: all)')
    .option('--all', 'also those over or cancelled')
    .action(async (f: { all?: boolean }) => {
      const { items } = await request('GET', `/v1/reservations${f.all ? '' : '?current=true'}`, z.object({ items: z.array(Reservation) }));
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no reservations' : show(items));
    });
  reservations.command('create').description('Hold nodes for an organization during a window (operators)')
    .requiredOption('--tenant <tenant>', 'the organization the nodes are held for')
    .requiredOption('--name <name>', 'e.g. "GPU class, week 3"')
    .requiredOption('--nodes <list>', 'comma-separated node names (see cheomdan nodes)')
    .requiredOption('--starts <time>', 'a date (UTC midnight) or a time with its zone, e.g. 2027-03-02T09:00:00+09:00')
    .requiredOption('--ends <time>', 'as --starts')
    .option('--ignore-jobs', 'reserve even though running jobs will still hold some of the nodes when it opens')
    .action(async (f: { tenant: string; name: string; nodes: string; starts: string; ends: string; ignoreJobs?: boolean }) => {
      const r = await request('POST', '/v1/reservations', Reservation, {
        tenant: f.tenant, name: f.name, nodes: f.nodes.split(',').map((n) => n.trim()).filter(Boolean), startsAt: f.starts, endsAt: f.ends,
        ...(f.ignoreJobs ? { ignoreJobs: true } : {}),
      });
      if (cli.json) return cli.printJson(r);
      cli.out(`reservation ${r.id}: ${r.nodes.join(', ')} for ${r.tenant}, ${formatTime(r.startsAt)} – ${formatTime(r.endsAt)} (${r.state}); jobs name it with --reservation ${r.id}`);
    });
  reservations.command('cancel').description('Cancel a reservation: its nodes are free again (operators)').argument('<reservation>')
    .action(async (id: string) => {
      const r = await request('POST', `/v1/reservations/${encodeURIComponent(id)}/cancel`, Reservation);
      if (cli.json) return cli.printJson(r);
      cli.out(`reservation ${r.id}: cancelled`);
    });

  program
    .command('capacity')
    .description('Capacity per accelerator type: devices, how many are up and allocated, peak PF')
    .action(async () => {
      const cap = await (await cli.client()).capacity();
      if (cli.json) return cli.printJson(cap);
      cli.out(formatCapacity(cap));
    });
}
