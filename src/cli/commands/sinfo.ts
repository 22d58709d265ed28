/**
 * `cheomdan sinfo`: the cluster as sinfo(1) prints it — one line per partition and node state (idle, mix,
 * alloc, drain, drng, down), or one per node with `-N`; `-p` for some partitions, `-h` without the header,
 * `--json` the nodes as the API gives them.
 */
import type { Command } from 'commander';
import { renderSinfo, type SinfoNode } from '../../core/slurm/sinfoFormat.ts';
import type { Cli } from '../context.ts';

export function registerSinfo(program: Command, cli: Cli): void {
  program
    .command('sinfo')
    .description('Partitions and nodes as sinfo prints them (-N one line per node, -p, -h)')
    .option('-N, --Node', 'one line per node')
    .option('-p, --partition <partitions>', 'only these partitions (comma-separated)')
    .option('-h, --noheader', 'no header line')
    .action(async (f: { Node?: boolean; partition?: string; noheader?: boolean }) => {
      const { items } = await (await cli.client()).nodes();
      const only = f.partition ? new Set(f.partition.split(',').map((x) => x.trim())) : null;
      const nodes = items.filter((n) => !only || only.has(n.partition));
      if (cli.json) return cli.printJson({ nodes });
      const rows: SinfoNode[] = nodes.map((n) => ({
        name: n.name, partition: n.partition, state: n.state, devices: n.devices.length, allocatedDevices: n.allocatedDevices.length,
        cpus: n.cpus, allocatedCpus: n.allocatedCpus,
      }));
      const lines = renderSinfo(rows, { perNode: f.Node === true, noHeader: f.noheader === true });
      if (lines.length > 0) cli.out(lines.join('\n'));
    });
}
