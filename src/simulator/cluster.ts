/**
 * The simulator's own clusters, built without I/O: one partition per Philly VC (`phillyVcCluster`, from
 * vc-sizes.csv) and the uniform clusters of the benchmarks (`uniformCluster`). An operator's own center is
 * read with the platform's inventory parser (core/inventoryFile.ts; `cheomdan simulate --cluster FILE`), so
 * the simulator keeps no second parser of that format. Nodes are named as the platform names a node group's
 * (`nodeGroupNames`).
 *
 * Philly's GPUs were mostly P100/P40s; they are typed `philly-gpu`, which is not in the accelerator catalog —
 * the simulator needs no peak figures.
 */
import { asAcceleratorType, asNodeName, asPartition } from '../core/ids.ts';
import { nodeGroupNames } from '../core/inventoryFile.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';

interface Group { prefix: string; count: number; partition: string; cpus: number; memoryGb: number; devices: { type: string; count: number } }

/** The nodes of one group: identical, declared, up, no topology labels. */
function groupNodes(g: Group): NodeSnapshot[] {
  const type = asAcceleratorType(g.devices.type);
  return nodeGroupNames(g).map((name) => ({
    name: asNodeName(name), partition: asPartition(g.partition), cpus: g.cpus, memoryMb: Math.round(g.memoryGb * 1024),
    devices: Array.from({ length: g.devices.count }, (_, index) => ({ index, type })), labels: {}, state: 'up', source: 'declared',
  }));
}

/** One partition per Philly VC, `nodes × gpusPerNode` GPUs each (vc-sizes.csv, as the Helios artifact does). */
export function phillyVcCluster(sizes: ReadonlyMap<string, number>, gpusPerNode = 8): NodeSnapshot[] {
  return [...sizes].flatMap(([vc, count]) =>
    groupNodes({ prefix: `${vc}-`, count, partition: vc, cpus: 64, memoryGb: 512, devices: { type: 'philly-gpu', count: gpusPerNode } }));
}

/** `count` nodes of `gpus` devices in one partition — the uniform cluster of the synthetic benchmarks. */
export function uniformCluster(count: number, gpus: number, partition = 'gpu', type = 'nvidia-h100-sxm-80gb'): NodeSnapshot[] {
  return groupNodes({ prefix: 'n', count, partition, cpus: 112, memoryGb: 2048, devices: { type, count: gpus } })
    .map((n, i) => ({ ...n, name: asNodeName(`n${String(i + 1).padStart(5, '0')}`) }));
}
