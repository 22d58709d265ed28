/**
 * Inventory: the nodes of the data center and the devices in them. Pure data and pure parsing; reading
 * files or probing the host (nvidia-smi) happens in services/inventory.
 */
import type { AcceleratorTypeId, NodeName, PartitionName } from './ids.ts';

export type NodeState = 'up' | 'draining' | 'down';
export const NODE_STATES: readonly NodeState[] = ['up', 'draining', 'down'];

export interface Device {
  index: number;
  type: AcceleratorTypeId;
}

export interface TopologyLabels {
  rack?: string | undefined;
  switch?: string | undefined;
  nvlinkDomain?: string | undefined;
}

export interface InventoryNode {
  name: NodeName;
  partition: PartitionName;
  cpus: number;
  memoryMb: number;
  devices: readonly Device[];
  labels: TopologyLabels;
  state: NodeState;
  /** Where the node came from: probed on this host, or declared in an inventory file (no real devices). */
  source: 'host' | 'declared' | 'slurm';
}
