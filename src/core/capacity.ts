/**
 * Capacity: what the inventory adds up to, per accelerator type and as one headline figure in PF.
 *
 * Peaks are installed capacity: every device counts, whatever its node's state; `devicesUp` and
 * `devicesAllocated` say how much of it is usable and in use now.
 *
 * The headline total counts each type at the inventory's `capacityPrecision` for its kind (GPU or NPU),
 * taking the first precision in the preference list that the type has a published figure for. Summing
 * different precisions is what published data-center figures do (Gwangju's 88.5 PF counts GPUs and NPUs
 * differently); the note says exactly what was summed, and the per-precision columns give the like-for-like
 * comparison. A type with none of the asked precisions adds 0 and is named in the note, never guessed.
 *
 * Pure: nodes and allocations in, the contract's `Capacity` out.
 */
import { ACCELERATOR_CATALOG, PRECISIONS, findAcceleratorType, type AcceleratorType, type Precision } from './accelerators.ts';
import { CheomdanError } from './errors.ts';
import type { InventoryNode } from './inventory.ts';
import { describePreference, preferenceList, type PrecisionByKind } from './inventoryFile.ts';

/** One accelerator type's line; the contract's `CapacityRow` (contract/inventory.ts checks they match). */
export interface CapacityRow {
  acceleratorType: string;
  model: string;
  kind: 'gpu' | 'npu';
  devices: number;
  /** Devices on nodes that are up. */
  devicesUp: number;
  /** Devices held by running jobs. */
  devicesAllocated: number;
  /** Nodes with at least one device of this type. */
  nodes: number;
  /** Aggregate dense peak in PF (PFLOPS, or POPS for int8); null where the type has no such figure. */
  petaflops: Record<Precision, number | null>;
  /** True when any of these devices comes from an inventory file rather than probed hardware. */
  declared: boolean;
  headlinePrecision: Precision | null;
  headlinePetaflops: number;
}

/** The contract's `Capacity` (the core may not import the contract; contract/inventory.ts checks the match). */
export interface Capacity {
  rows: CapacityRow[];
  /** Nodes with no accelerator, and their CPU cores. */
  cpuNodes: number;
  cpus: number;
  totalPetaflops: { headline: number; precision: string; byKind: { gpu: number; npu: number }; note: string };
}

/**
 * What running jobs hold on each node: the device indices (exact), or only how many devices (then counted
 * against the node's devices in index order, which is exact for the usual one-type node).
 */
export type AllocatedByNode = ReadonlyMap<string, number | readonly number[]>;

type CapacityNode = Pick<InventoryNode, 'name' | 'cpus' | 'devices' | 'state' | 'source'>;

/** The precision a type counts at in the headline: the first of `preference` it has a figure for. */
export function headlinePrecisionFor(type: AcceleratorType, choice: PrecisionByKind): Precision | null {
  return preferenceList(choice[type.kind]).find((p) => type.peak[p] !== null) ?? null;
}

/** "gpu fp64; npu bf16, else fp16", or just "bf16" when both kinds use the same preference. */
export function describePrecisionChoice(choice: PrecisionByKind): string {
  const gpu = describePreference(choice.gpu);
  const npu = describePreference(choice.npu);
  return gpu === npu ? gpu : `gpu ${gpu}; npu ${npu}`;
}

interface Acc {
  devices: number;
  devicesUp: number;
  devicesAllocated: number;
  nodes: Set<string>;
  declared: boolean;
}

/**
 * Adds up the inventory. Throws `unknown_accelerator_type` for a device whose type is not in the catalog
 * (the parser and the host probe never produce one; a Slurm mapping that did would be a bug to fix, not a
 * figure to guess). `allocatedByNode` defaults to nothing allocated.
 */
export function computeCapacity(
  nodes: readonly CapacityNode[],
  allocatedByNode: AllocatedByNode = new Map(),
  precisionChoice: PrecisionByKind,
): Capacity {
  const acc = new Map<string, Acc>();
  let cpuNodes = 0;
  let cpus = 0;
  for (const node of nodes) {
    if (node.devices.length === 0) {
      cpuNodes++;
      cpus += node.cpus;
      continue;
    }
    const held = allocatedByNode.get(node.name);
    const heldSet = typeof held === 'number' ? null : new Set(held ?? []);
    node.devices.forEach((d, i) => {
      let a = acc.get(d.type);
      if (!a) {
        if (!findAcceleratorType(d.type)) {
          throw new CheomdanError(
            'unknown_accelerator_type',
            `node "${node.name}" has a device of type "${d.type}", which is not in the accelerator catalog; known: ${ACCELERATOR_CATALOG.map((t) => t.id).join(', ')}`,
          );
        }
        a = { devices: 0, devicesUp: 0, devicesAllocated: 0, nodes: new Set(), declared: false };
        acc.set(d.type, a);
      }
      a.devices++;
      if (node.state === 'up') a.devicesUp++;
      if (heldSet ? heldSet.has(d.index) : i < (held as number)) a.devicesAllocated++;
      a.nodes.add(node.name);
      if (node.source === 'declared') a.declared = true;
    });
  }

  const byKind = { gpu: 0, npu: 0 };
  const missing: string[] = [];
  const rows: CapacityRow[] = [];
  // Catalog order: GPUs by generation, then NPUs, stable across calls.
  for (const type of ACCELERATOR_CATALOG) {
    const a = acc.get(type.id);
    if (!a) continue;
    const petaflops = Object.fromEntries(
      PRECISIONS.map((p) => [p, type.peak[p] === null ? null : (type.peak[p]! * a.devices) / 1000]),
    ) as CapacityRow['petaflops'];
    const headlinePrecision = headlinePrecisionFor(type, precisionChoice);
    const headlinePetaflops = headlinePrecision === null ? 0 : petaflops[headlinePrecision]!;
    if (headlinePrecision === null) missing.push(type.id);
    byKind[type.kind] += headlinePetaflops;
    rows.push({
      acceleratorType: type.id,
      model: `${type.vendor} ${type.model}`,
      kind: type.kind,
      devices: a.devices,
      devicesUp: a.devicesUp,
      devicesAllocated: a.devicesAllocated,
      nodes: a.nodes.size,
      petaflops,
      declared: a.declared,
      headlinePrecision,
      headlinePetaflops,
    });
  }

  const precision = describePrecisionChoice(precisionChoice);
  const used = rows
    .filter((r) => r.headlinePrecision !== null)
    .map((r) => `${r.acceleratorType} at ${r.headlinePrecision}`)
    .join(', ');
  let note = `Dense peak: ${used === '' ? 'no accelerators' : used}. CPUs are not counted.`;
  if (missing.length > 0) note += ` Not counted (no ${precision} figure): ${missing.join(', ')}.`;
  if (rows.some((r) => r.headlinePrecision !== rows[0]!.headlinePrecision)) {
    note += ' The total sums different precisions, as published data-center figures do; compare types column by column.';
  }
  return { rows, cpuNodes, cpus, totalPetaflops: { headline: byKind.gpu + byKind.npu, precision, byKind, note } };
}
