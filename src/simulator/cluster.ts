/**
 * The cluster to simulate, in the platform's inventory format (YAML or JSON text; parsing only, no I/O):
 *
 *   partitions: [ { name: gpu } ]            # optional
 *   nodeGroups:
 *     - prefix: h100-                        # nodes h100-001 … h100-016
 *       count: 16
 *       partition: gpu
 *       cpus: 112
 *       memoryGb: 2048
 *       devices: { type: nvidia-h100-sxm-80gb, count: 8 }
 *       labels: { rack: "r{group:4}", nvlinkDomain: "nvl{group:2}" }
 *   nodes:                                   # optional explicit nodes
 *     - { name: x1, partition: gpu, cpus: 64, memoryGb: 512, devices: [{ type: …, count: 4 }], labels: {…}, state: up }
 *
 * Label templates, as the platform's parser (src/core/inventoryFile.ts) reads them: `{group:K}` is
 * floor(i / K) + 1 zero-padded to 2 digits (i = the node's 0-based position in its group; `r{group:4}` puts
 * four nodes per rack: r01, r01, r01, r01, r02 …), `{index}` the node's number as in its name (001), `{name}`
 * its name. Node names are prefix + 3-digit 1-based number.
 *
 * The CLI parses `--cluster FILE` with the platform's parser; this one builds the simulator's own clusters
 * (Philly VCs, uniform benchmark clusters) without I/O and accepts the same shape (partitions optional).
 *
 * Philly: `phillyVcCluster(sizes)` builds one partition per VC of `nodes × 8` GPUs, from vc-sizes.csv.
 * (Philly's GPUs were mostly P100/P40s; they are typed `philly-gpu`, which is not in the accelerator
 * catalog — the simulator needs no peak figures.)
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { asAcceleratorType, asNodeName, asPartition } from '../core/ids.ts';
import { NODE_STATES, type Device, type NodeState } from '../core/inventory.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';

const deviceSpec = z.object({ type: z.string().min(1), count: z.number().int().nonnegative() });
const labels = z.object({ rack: z.string().optional(), switch: z.string().optional(), nvlinkDomain: z.string().optional() }).strict();
const inventorySchema = z.object({
  partitions: z.array(z.object({ name: z.string().min(1) })).optional(),
  nodeGroups: z.array(z.object({
    prefix: z.string().min(1),
    count: z.number().int().positive(),
    partition: z.string().min(1).default('default'),
    cpus: z.number().int().nonnegative().default(0),
    memoryGb: z.number().nonnegative().default(0),
    devices: z.union([deviceSpec, z.array(deviceSpec)]).optional(),
    labels: labels.optional(),
    state: z.enum(NODE_STATES as [NodeState, ...NodeState[]]).optional(),
  }).strict()).default([]),
  nodes: z.array(z.object({
    name: z.string().min(1),
    partition: z.string().min(1).default('default'),
    cpus: z.number().int().nonnegative().default(0),
    memoryGb: z.number().nonnegative().default(0),
    devices: z.union([deviceSpec, z.array(deviceSpec)]).optional(),
    labels: labels.optional(),
    state: z.enum(NODE_STATES as [NodeState, ...NodeState[]]).optional(),
  }).strict()).default([]),
}).strict();

export type InventoryFile = z.input<typeof inventorySchema>;

function devicesOf(spec: z.infer<typeof deviceSpec> | z.infer<typeof deviceSpec>[] | undefined): Device[] {
  const list = spec === undefined ? [] : Array.isArray(spec) ? spec : [spec];
  const out: Device[] = [];
  for (const d of list) for (let k = 0; k < d.count; k++) out.push({ index: out.length, type: asAcceleratorType(d.type) });
  return out;
}

export function expandLabel(template: string, i: number, name: string): string {
  return template
    .replace(/\{group:(\d+)\}/g, (_, k: string) => String(Math.floor(i / Math.max(1, Number(k))) + 1).padStart(2, '0'))
    .replace(/\{index\}/g, String(i + 1).padStart(3, '0'))
    .replace(/\{name\}/g, name);
}

/** Parses inventory text (YAML, of which JSON is a subset) into nodes; throws with the offending path. */
export function parseInventory(text: string): NodeSnapshot[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`inventory: not valid YAML/JSON: ${(e as Error).message}`, { cause: e });
  }
  return inventoryNodes(raw);
}

export function inventoryNodes(raw: unknown): NodeSnapshot[] {
  const r = inventorySchema.safeParse(raw);
  if (!r.success) {
    throw new Error(`inventory: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const inv = r.data;
  const nodes: NodeSnapshot[] = [];
  for (const g of inv.nodeGroups) {
    for (let i = 0; i < g.count; i++) {
      const l = g.labels ?? {};
      const name = `${g.prefix}${String(i + 1).padStart(3, '0')}`;
      nodes.push({
        name: asNodeName(name), partition: asPartition(g.partition),
        cpus: g.cpus, memoryMb: Math.round(g.memoryGb * 1024), devices: devicesOf(g.devices),
        labels: {
          rack: l.rack === undefined ? undefined : expandLabel(l.rack, i, name),
          switch: l.switch === undefined ? undefined : expandLabel(l.switch, i, name),
          nvlinkDomain: l.nvlinkDomain === undefined ? undefined : expandLabel(l.nvlinkDomain, i, name),
        },
        state: g.state ?? 'up', source: 'declared',
      });
    }
  }
  for (const n of inv.nodes) {
    nodes.push({
      name: asNodeName(n.name), partition: asPartition(n.partition), cpus: n.cpus, memoryMb: Math.round(n.memoryGb * 1024),
      devices: devicesOf(n.devices), labels: n.labels ?? {}, state: n.state ?? 'up', source: 'declared',
    });
  }
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.name)) throw new Error(`inventory: node name ${n.name} appears twice`);
    seen.add(n.name);
  }
  if (nodes.length === 0) throw new Error('inventory: no nodes (give nodeGroups or nodes)');
  return nodes;
}

/** One partition per Philly VC, `nodes × gpusPerNode` GPUs each (vc-sizes.csv, as the Helios artifact does). */
export function phillyVcCluster(sizes: ReadonlyMap<string, number>, gpusPerNode = 8): NodeSnapshot[] {
  const groups = [...sizes].map(([vc, count]) => ({
    prefix: `${vc}-`, count, partition: vc, cpus: 64, memoryGb: 512, devices: { type: 'philly-gpu', count: gpusPerNode },
  }));
  return inventoryNodes({ nodeGroups: groups });
}

/** `count` nodes of `gpus` devices in one partition — the uniform cluster of the synthetic benchmarks. */
export function uniformCluster(count: number, gpus: number, partition = 'gpu', type = 'nvidia-h100-sxm-80gb'): NodeSnapshot[] {
  return inventoryNodes({ nodeGroups: [{ prefix: 'n', count, partition, cpus: 112, memoryGb: 2048, devices: { type, count: gpus } }] })
    .map((n, i) => ({ ...n, name: asNodeName(`n${String(i + 1).padStart(5, '0')}`) }));
}
