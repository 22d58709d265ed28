/** Inventory from the real cluster, and node state changes (drain, down, resume) flowing into it. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryNode } from '../../src/core/inventory.ts';
import { slurmInventory, type SlurmExecutor, type SlurmInventoryOptions } from '../../src/executors/slurm/index.ts';
import { nodeStateOf, scontrol, type SlurmTestCluster } from './cluster.ts';
import { executorFor } from './helpers.ts';

export function inventorySuite(cluster: () => SlurmTestCluster) {
  describe.sequential('Slurm inventory', () => {
    let c: SlurmTestCluster;
    let ex: SlurmExecutor;
    const opts: SlurmInventoryOptions = { partitions: ['gpu'], defaultAcceleratorType: 'nvidia-h100-sxm-80gb' };
    beforeAll(() => {
      c = cluster();
      ex = executorFor(c);
    });
    afterAll(async () => {
      if (/drain/.test(nodeStateOf('node2'))) scontrol('update', 'nodename=node2', 'state=resume');
      await ex.close();
    });

    const stateOf = async (node: string): Promise<InventoryNode['state'] | undefined> =>
      (await slurmInventory(ex.client, opts)).find((n) => n.name === node)?.state;

    it('lists every node with its CPUs, memory, GPUs (gres) and partition', async () => {
      const nodes = await slurmInventory(ex.client, opts);
      expect(nodes.map((n) => n.name)).toEqual(c.nodes);
      for (const n of nodes) {
        expect(n).toMatchObject({ partition: 'gpu', cpus: 4, memoryMb: 4000, state: 'up', source: 'slurm', labels: {} });
        expect(n.devices).toEqual(Array.from({ length: c.gpusPerNode }, (_, index) => ({ index, type: 'nvidia-h100-sxm-80gb' })));
      }
      expect(await slurmInventory(ex.client, { ...opts, partitions: ['other'] })).toEqual([]);
    });

    it('shows a drained node as draining and a resumed one as up', async () => {
      scontrol('update', 'nodename=node2', 'state=drain', 'reason=cheomdan-inventory-test');
      expect(await stateOf('node2')).toBe('draining');
      scontrol('update', 'nodename=node2', 'state=resume');
      const until = Date.now() + 10_000;
      while ((await stateOf('node2')) !== 'up') {
        if (Date.now() > until) throw new Error('node2 not up after resume');
        await sleep(200);
      }
    });

    it('reads the same inventory through the CLI (sinfo --json) as through REST', async () => {
      const cli = executorFor(c, { restUrl: undefined });
      expect(await slurmInventory(cli.client, opts)).toEqual(await slurmInventory(ex.client, opts));
      await cli.close();
    });
  });
}
