/**
 * Inventory from Slurm: nodes, CPUs, memory, GPUs (gres) and partitions, as core/inventory.ts nodes with
 * source 'slurm'. The controller calls this each cycle (or every few seconds) so that a node going down,
 * drained or resumed in Slurm reaches the scheduler's snapshot.
 *
 * gres says only `gpu:N` or `gpu:TYPE:N` (optionally with a socket suffix, `gpu:h100:8(S:0-1)`); a TYPE is
 * mapped to a Cheomdan accelerator type by `gresTypes`, an untyped or unmapped one to `defaultAcceleratorType`.
 * Device indices are 0..N-1 per node, in gres order, as Slurm numbers them in CUDA_VISIBLE_DEVICES.
 */
import { asAcceleratorType, asNodeName, asPartition, type AcceleratorTypeId } from '../../core/ids.ts';
import type { Device, InventoryNode, NodeState } from '../../core/inventory.ts';
import type { SlurmClient, SlurmNode } from './client.ts';

export interface SlurmInventoryOptions {
  /** Only nodes of these partitions (a node in several gets the first listed here). Default: all. */
  partitions?: readonly string[] | undefined;
  /** Accelerator type for `gpu:N` and for gres types not in `gresTypes`. */
  defaultAcceleratorType: string;
  /** Slurm gres type -> Cheomdan accelerator type id, e.g. { h100: 'nvidia-h100-sxm-80gb' }. */
  gresTypes?: Readonly<Record<string, string>> | undefined;
  /** gres names that count as devices. Default ['gpu']. */
  gresNames?: readonly string[] | undefined;
}

export async function slurmInventory(client: Pick<SlurmClient, 'nodes'>, opts: SlurmInventoryOptions): Promise<InventoryNode[]> {
  return inventoryFromNodes(await client.nodes(), opts);
}

export function inventoryFromNodes(nodes: readonly SlurmNode[], opts: SlurmInventoryOptions): InventoryNode[] {
  const out: InventoryNode[] = [];
  for (const n of nodes) {
    const partitions = n.partitions ?? [];
    const partition = opts.partitions
      ? opts.partitions.find((p) => partitions.includes(p))
      : partitions[0];
    if (partition === undefined) continue;
    out.push({
      name: asNodeName(n.name),
      partition: asPartition(partition),
      cpus: n.cpus,
      memoryMb: n.real_memory,
      devices: parseGres(n.gres, opts),
      labels: {},
      state: nodeState(n.state, n.state_flags ?? []),
      source: 'slurm',
    });
  }
  return out;
}

/** `gpu:h100:4(S:0),gpu:2,shard:8` -> devices 0..5 (the shard entry is not a device). */
export function parseGres(gres: string | undefined, opts: SlurmInventoryOptions): Device[] {
  const devices: Device[] = [];
  if (!gres || gres === '(null)' || gres === 'N/A') return devices;
  const names = opts.gresNames ?? ['gpu'];
  for (const entry of gres.split(/,(?![^(]*\))/)) {
    const parts = entry.replace(/\(.*\)$/, '').split(':');
    const name = parts[0] ?? '';
    if (!names.includes(name)) continue;
    const count = Number(parts[parts.length - 1]);
    if (!Number.isInteger(count) || count <= 0) continue;
    const slurmType = parts.length >= 3 ? parts[1] : undefined;
    const type: AcceleratorTypeId = asAcceleratorType(
      (slurmType && opts.gresTypes?.[slurmType]) || opts.defaultAcceleratorType,
    );
    for (let i = 0; i < count; i++) devices.push({ index: devices.length, type });
  }
  return devices;
}

const DOWN = new Set(['DOWN', 'FAIL', 'FAILING', 'FUTURE', 'UNKNOWN', 'NOT_RESPONDING', 'POWERED_DOWN', 'POWER_DOWN', 'POWERING_DOWN', 'REBOOT_REQUESTED', 'REBOOT_ISSUED', 'INVAL', 'MAINTENANCE']);
const DRAIN = new Set(['DRAIN', 'DRAINED', 'DRAINING']);

/**
 * Slurm node state (base state plus flags) -> up | draining | down. Down wins over drain: a drained node
 * that is also down can run nothing. A drained node runs its jobs to the end but takes no new ones.
 */
export function nodeState(state: string, flags: readonly string[]): NodeState {
  const words = [...state.toUpperCase().split(/[+ ,]/), ...flags.map((f) => f.toUpperCase())].filter(Boolean);
  if (words.some((w) => DOWN.has(w))) return 'down';
  if (words.some((w) => DRAIN.has(w))) return 'draining';
  return 'up';
}
