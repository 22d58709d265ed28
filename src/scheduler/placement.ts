/**
 * Placement: where a job's gang goes. One code path answers Slurm's three job_test questions:
 *
 *   - fits now?          `findPlacement(index, …)` on the live index;
 *   - can it ever fit?   `feasibility(index, …)` against the whole partition as if empty (all nodes, even down);
 *   - earliest start?    `findPlacement` on the index after a forward simulation released capacity (explain.ts).
 *
 * Rules (pack / topology):
 *   1. A job whose devices fit on one node goes on one node, on the node with the fewest free devices that
 *      still holds it (best fit: least fragmentation). It waits for such a node rather than being split.
 *   2. A larger job (or one that asks for several nodes) takes whole free nodes of one accelerator type,
 *      `tasksPerNode` tasks on each (default: as many as a node's devices hold), topology first: the smallest
 *      NVLink domain that holds it, else switch, else rack, else any free nodes (labels are optional).
 *   3. All tasks start together or none (gang): a placement is returned whole or not at all.
 *   4. A job takes one accelerator type; the acceptable types are tried in the order the job lists them and the
 *      tightest fit across types wins.
 * CPU and memory are checked on every node; CPU-only jobs (0 devices per task) go first-fit by node.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { NodeAllocation, Placement, ResourceRequest } from '../core/resources.ts';
import type { CapacityIndex, SlotGroup } from './capacity.ts';
import type { FeasibilityResult, NodeSnapshot } from './types.ts';
import { CapacityIndex as Index } from './capacity.ts';

export interface PlaceOptions {
  /** Quota or policy filter on a type and a device count; absent = every acceptable type. */
  typeAllowed?: ((type: AcceleratorTypeId | null, devices: number) => boolean) | undefined;
  /** Only these node indices (a job that runs inside a reservation). */
  allowedNodes?: ReadonlySet<number> | undefined;
  /** Never these node indices (capacity reserved for others). */
  excludedNodes?: ReadonlySet<number> | undefined;
}

export interface PlaceResult {
  placement: Placement;
  type: AcceleratorTypeId | null;
}

/** The groups (accelerator types) of the partition the request accepts, in the request's preference order. */
export function candidateGroups(index: CapacityIndex, partition: string, r: ResourceRequest): SlotGroup[] {
  const groups = index.groupsOf(partition);
  if (r.devicesPerTask === 0) return [...groups];
  if (r.acceleratorTypes.length === 0) return groups.filter((g) => g.type !== null && g.maxSize > 0);
  const out: SlotGroup[] = [];
  for (const t of r.acceleratorTypes) {
    const g = groups.find((x) => x.type === t);
    if (g && g.maxSize > 0) out.push(g);
  }
  return out;
}

const nodeOk = (ni: number, o: PlaceOptions): boolean =>
  (!o.allowedNodes || o.allowedNodes.has(ni)) && !(o.excludedNodes && o.excludedNodes.has(ni));

/** Is the job one that goes on a single node of this group? */
export function isSingleNode(r: ResourceRequest, g: SlotGroup): boolean {
  const need = r.tasks * r.devicesPerTask;
  if (r.nodes !== undefined) return r.nodes === 1;
  return need <= g.maxSize;
}

function placeSingle(idx: CapacityIndex, g: SlotGroup, r: ResourceRequest, o: PlaceOptions, maxK: number): { s: number; k: number } | null {
  const need = r.tasks * r.devicesPerTask;
  const cpus = r.tasks * r.cpusPerTask;
  const mem = r.tasks * r.memoryMbPerTask;
  for (let k = need; k <= Math.min(g.maxSize, maxK); k++) {
    const bucket = g.buckets[k]!;
    if (bucket.size === 0) continue;
    for (const s of bucket) {
      const ni = idx.slotNode[s]!;
      if (idx.cpuFree[ni]! >= cpus && idx.memFree[ni]! >= mem && nodeOk(ni, o)) return { s, k };
    }
  }
  return null;
}

type TopologyKey = 'nvlinkDomain' | 'switch' | 'rack';
const LEVELS: readonly TopologyKey[] = ['nvlinkDomain', 'switch', 'rack'];

/** Tasks on each node of a multi-node placement, or null when a node of the group cannot hold them. */
export function multiNodeShape(r: ResourceRequest, g: SlotGroup): number[] | null {
  const per = r.devicesPerTask;
  let tpn = r.tasksPerNode ?? (r.nodes !== undefined ? Math.ceil(r.tasks / r.nodes) : per > 0 ? Math.floor(g.maxSize / per) : r.tasks);
  if (tpn < 1 || tpn * per > g.maxSize) return null;
  const nodes = r.nodes ?? Math.ceil(r.tasks / tpn);
  if (r.nodes !== undefined && r.tasksPerNode === undefined) tpn = Math.ceil(r.tasks / nodes);
  const shape: number[] = [];
  let left = r.tasks;
  for (let i = 0; i < nodes; i++) {
    const t = Math.min(tpn, left);
    if (t <= 0) return null; // more nodes asked than tasks to put on them
    shape.push(t);
    left -= t;
  }
  return left > 0 ? null : shape;
}

function placeMulti(idx: CapacityIndex, g: SlotGroup, r: ResourceRequest, o: PlaceOptions): number[] | null {
  const shape = multiNodeShape(r, g);
  if (!shape) return null;
  const k = shape.length;
  const tpn = shape[0]!;
  const full = g.buckets[g.maxSize]!;
  if (full.size < k) return null;
  const eligible: number[] = [];
  let labelled = false;
  for (const s of full) {
    const ni = idx.slotNode[s]!;
    if (idx.cpuFree[ni]! >= tpn * r.cpusPerTask && idx.memFree[ni]! >= tpn * r.memoryMbPerTask && nodeOk(ni, o)) {
      eligible.push(s);
      const l = idx.nodeLabels[ni]!;
      if (l.rack !== undefined || l.switch !== undefined || l.nvlinkDomain !== undefined) labelled = true;
      else if (!labelled && eligible.length === k) return eligible; // no topology to honour: first k
    }
  }
  if (eligible.length < k) return null;
  if (!labelled) return eligible.slice(0, k);
  for (const level of LEVELS) {
    const by = new Map<string, number[]>();
    for (const s of eligible) {
      const v = idx.nodeLabels[idx.slotNode[s]!]![level];
      if (v === undefined) continue;
      const l = by.get(v);
      if (l) l.push(s); else by.set(v, [s]);
    }
    let best: number[] | null = null;
    for (const l of by.values()) if (l.length >= k && (!best || l.length < best.length)) best = l;
    if (best) return best.slice(0, k);
  }
  // Spans domains: take the fullest racks first, so the job touches as few as possible.
  const byRack = new Map<string, number[]>();
  for (const s of eligible) {
    const v = idx.nodeLabels[idx.slotNode[s]!]!.rack ?? '';
    const l = byRack.get(v);
    if (l) l.push(s); else byRack.set(v, [s]);
  }
  const racks = [...byRack.values()].sort((a, b) => b.length - a.length);
  return racks.flat().slice(0, k);
}

function placeCpuOnly(idx: CapacityIndex, g: SlotGroup, r: ResourceRequest, o: PlaceOptions): NodeAllocation[] | null {
  const out: NodeAllocation[] = [];
  let left = r.tasks;
  const seen = new Set<number>();
  for (const s of g.slots) {
    const ni = idx.slotNode[s]!;
    if (seen.has(ni) || !idx.nodeUp[ni] || !nodeOk(ni, o)) continue;
    seen.add(ni);
    const byCpu = r.cpusPerTask > 0 ? Math.floor(idx.cpuFree[ni]! / r.cpusPerTask) : left;
    const byMem = r.memoryMbPerTask > 0 ? Math.floor(idx.memFree[ni]! / r.memoryMbPerTask) : left;
    let t = Math.min(left, byCpu, byMem, r.tasksPerNode ?? left);
    if (r.nodes === 1 && t < r.tasks) t = 0;
    if (t <= 0) continue;
    out.push({ node: idx.nodeNames[ni]!, devices: [], tasks: t, cpus: t * r.cpusPerTask, memoryMb: t * r.memoryMbPerTask });
    left -= t;
    if (left === 0) return r.nodes !== undefined && out.length !== r.nodes && r.nodes !== 1 ? null : out;
  }
  return null;
}

/** Where the job fits now, or null. Does not change the index. */
export function findPlacement(
  idx: CapacityIndex, partition: string, r: ResourceRequest, o: PlaceOptions = {},
  groups: readonly SlotGroup[] = candidateGroups(idx, partition, r),
): PlaceResult | null {
  const need = r.tasks * r.devicesPerTask;
  if (need === 0) {
    for (const g of groups) {
      const p = placeCpuOnly(idx, g, r, o);
      if (p) return { placement: p, type: null };
    }
    return null;
  }
  let best: { s: number; k: number; g: SlotGroup } | null = null;
  for (const g of groups) {
    if (g.freeUp < need) continue;
    if (o.typeAllowed && !o.typeAllowed(g.type, need)) continue;
    if (isSingleNode(r, g)) {
      const hit = placeSingle(idx, g, r, o, best ? best.k - 1 : Infinity);
      if (hit && (!best || hit.k < best.k)) best = { ...hit, g };
      continue;
    }
    if (best) continue; // a single-node fit on another type beats spreading
    const slots = placeMulti(idx, g, r, o);
    if (slots) {
      const shape = multiNodeShape(r, g)!;
      const placement = slots.map((s, i) => idx.allocationFor(s, shape[i]! * r.devicesPerTask, shape[i]!, shape[i]! * r.cpusPerTask, shape[i]! * r.memoryMbPerTask));
      return { placement, type: g.type };
    }
  }
  if (!best) return null;
  return {
    placement: [idx.allocationFor(best.s, need, r.tasks, r.tasks * r.cpusPerTask, r.tasks * r.memoryMbPerTask)],
    type: best.g.type,
  };
}

/** The shape of a request, as a cache key: what feasibility depends on. */
export function requestKey(partition: string, r: ResourceRequest): string {
  return `${partition}|${r.tasks}|${r.devicesPerTask}|${r.acceleratorTypes.length ? r.acceleratorTypes.join(',') : ''}|${r.cpusPerTask}|${r.memoryMbPerTask}|${r.nodes ?? ''}|${r.tasksPerNode ?? ''}`;
}

/** Could the job ever run in this partition, with every node up and empty? Cached on the index by shape. */
export function feasibility(idx: CapacityIndex, partition: string, r: ResourceRequest): FeasibilityResult {
  const byRequest = idx.feasibilityByRequest.get(r) as { partition: string; f: FeasibilityResult } | undefined;
  if (byRequest && byRequest.partition === partition) return byRequest.f;
  const key = requestKey(partition, r);
  let f = idx.feasibilityCache.get(key) as FeasibilityResult | undefined;
  if (!f) {
    f = computeFeasibility(idx, partition, r);
    idx.feasibilityCache.set(key, f);
  }
  idx.feasibilityByRequest.set(r, { partition, f });
  return f;
}

function computeFeasibility(idx: CapacityIndex, partition: string, r: ResourceRequest): FeasibilityResult {
  const all = idx.groupsOf(partition);
  if (all.length === 0) {
    return { ok: false, reason: 'partition_too_small', message: `partition '${partition}' has no nodes` };
  }
  const groups = candidateGroups(idx, partition, r);
  if (groups.length === 0) {
    const have = all.map((g) => g.type).filter((t) => t !== null).join(', ') || 'none';
    return {
      ok: false, reason: 'no_such_accelerator',
      message: `no node of partition '${partition}' has ${r.acceleratorTypes.length ? `any of ${r.acceleratorTypes.join(', ')}` : 'accelerators'} (it has: ${have})`,
    };
  }
  const need = r.tasks * r.devicesPerTask;
  let biggest = 0;
  for (const g of groups) {
    biggest = Math.max(biggest, g.capacityAll);
    const single = need === 0 ? r.nodes === 1 : isSingleNode(r, g);
    const nodeFits = (s: number, tasks: number) => {
      const ni = idx.slotNode[s]!;
      return idx.slotDevices[s]!.length >= tasks * r.devicesPerTask && idx.nodeCpus[ni]! >= tasks * r.cpusPerTask && idx.nodeMem[ni]! >= tasks * r.memoryMbPerTask;
    };
    if (single) {
      if (g.slots.some((s) => nodeFits(s, r.tasks))) return { ok: true };
      continue;
    }
    if (need === 0) {
      let cap = 0;
      for (const s of g.slots) {
        const ni = idx.slotNode[s]!;
        cap += Math.min(r.cpusPerTask ? Math.floor(idx.nodeCpus[ni]! / r.cpusPerTask) : r.tasks, r.memoryMbPerTask ? Math.floor(idx.nodeMem[ni]! / r.memoryMbPerTask) : r.tasks);
      }
      if (cap >= r.tasks) return { ok: true };
      continue;
    }
    const shape = multiNodeShape(r, g);
    if (!shape) continue;
    const whole = g.slots.filter((s) => idx.slotDevices[s]!.length === g.maxSize && nodeFits(s, shape[0]!)).length;
    if (whole >= shape.length) return { ok: true };
  }
  const what = r.devicesPerTask > 0 ? `${need} devices (${r.tasks} × ${r.devicesPerTask})` : `${r.tasks} tasks`;
  return {
    ok: false, reason: 'partition_too_small',
    message: `the job asks for ${what}${r.nodes ? ` on ${r.nodes} nodes` : ''}, ${r.cpusPerTask} CPUs and ${r.memoryMbPerTask} MiB per task; partition '${partition}' can never hold it (at most ${biggest} devices of an acceptable type, on nodes of at most ${Math.max(...groups.map((g) => g.maxSize))})`,
  };
}

/** Submit-time check: can this job ever run on these nodes? */
export function checkFeasibility(job: { request: ResourceRequest; partition: string }, nodes: readonly NodeSnapshot[]): FeasibilityResult {
  return feasibility(new Index(nodes), job.partition, job.request);
}
