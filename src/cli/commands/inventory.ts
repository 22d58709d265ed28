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

  program
    .command('capacity')
    .description('Capacity per accelerator type: devices, how many are up and allocated, peak PF')
    .action(async () => {
      const cap = await (await cli.client()).capacity();
      if (cli.json) return cli.printJson(cap);
      cli.out(formatCapacity(cap));
    });
}
