/** `cheomdan nodes` and `cheomdan capacity`. */
import type { Command } from 'commander';
import type { Cli } from '../context.ts';
import { nodesTable } from '../format.ts';
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

  program
    .command('capacity')
    .description('Capacity per accelerator type: devices, how many are up and allocated, peak PF')
    .action(async () => {
      const cap = await (await cli.client()).capacity();
      if (cli.json) return cli.printJson(cap);
      cli.out(formatCapacity(cap));
    });
}
