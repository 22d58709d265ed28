/**
 * The free-capacity index: what is free on every node, bucketed so that placement never scans the cluster.
 *
 * The unit is a *slot*: the devices of one accelerator type on one node (a node with two types has two
 * slots; a node with no devices has one slot of type `null`). For every (partition, type) *group* the index
 * keeps `buckets[k]` = the up slots with exactly k free devices, so best fit ("the node that leaves the least
 * fragmentation") is a walk from bucket `need` upwards, and "whole free nodes" is `buckets[size]`.
 *
 * Invariants: a device is free or held by exactly one allocation (`allocate` throws on a double allocation,
 * which the property tests rely on); `free[s]` equals the number of free devices of slot s; a slot sits in
 * exactly one bucket of its group, or none when its node is not up.
 *
 * Mutate-then-undo: `allocate` and `release` are exact inverses, so what-if questions (backfill shadow,
 * preemption, estimated start) change the index and put it back. The scheduler never leaves a net change.
 * The simulator keeps one index alive across cycles and applies starts/finishes to it, so a cycle costs
 * O(work it does), not O(cluster).
 */
import type { AcceleratorTypeId, NodeName } from '../core/ids.ts';
import type { NodeAllocation, Placement } from '../core/resources.ts';
import type { InventoryNode as NodeSnapshot } from '../core/inventory.ts';
import { ReleaseCalendar } from './calendar.ts';

/**
 * What the index needs of a running job (a RunningJobSnapshot is one). Declared here rather than imported
 * from types.ts, which refers to this index: no import cycle, type-only or not (test/layering.test.ts).
 */
export interface TrackedJob {
  readonly id: string;
  readonly partition: string;
  readonly startedAt: number;
  readonly request: { readonly timeLimitSeconds: number };
  readonly placement: Placement;
  readonly acceleratorType: AcceleratorTypeId | null;
}

export interface SlotGroup {
  partition: string;
  type: AcceleratorTypeId | null;
  /** Largest slot of the group (devices). */
  maxSize: number;
  buckets: Set<number>[];
  /** All slots of the group, up or not, in node order. */
  slots: number[];
  /** Devices in up slots / in all slots. */
  capacityUp: number;
  capacityAll: number;
  freeUp: number;
}

export class CapacityIndex {
  readonly nodeNames: NodeName[] = [];
  readonly nodeIndex = new Map<string, number>();
  readonly nodePartition: string[] = [];
  readonly nodeUp: boolean[] = [];
  readonly nodeLabels: NodeSnapshot['labels'][] = [];
  readonly nodeCpus: number[] = [];
  readonly nodeMem: number[] = [];
  readonly cpuFree: number[] = [];
  readonly memFree: number[] = [];
  readonly nodeSlots: number[][] = [];

  readonly slotNode: number[] = [];
  readonly slotType: (AcceleratorTypeId | null)[] = [];
  /** Device `index` values of the slot, ascending. */
  readonly slotDevices: number[][] = [];
  readonly slotUsed: Uint8Array[] = [];
  readonly free: number[] = [];
  readonly slotGroup: SlotGroup[] = [];

  /** partition -> groups of that partition, in first-seen order. */
  readonly groups = new Map<string, SlotGroup[]>();
  /**
   * Answers of "can this request ever fit?" by request shape. They depend only on the nodes, which an index
   * never changes, so they stay valid for the index's lifetime (placement.ts fills it).
   */
  readonly feasibilityCache = new Map<string, unknown>();
  /**
   * The same answers by request object, so a job asked about every cycle costs one lookup. Requests are
   * treated as immutable (as every snapshot type is): a changed request must be a new object.
   */
  readonly feasibilityByRequest = new WeakMap<object, unknown>();

  constructor(nodes: readonly NodeSnapshot[]) {
    for (const n of nodes) this.addNode(n);
  }

  /** Release calendars per partition, complete when every running job came in through `trackRunning`. */
  readonly calendars = new Map<string, ReleaseCalendar>();
  private readonly tracked = new Map<string, { cal: ReleaseCalendar; handle: number; placement: Placement; type: AcceleratorTypeId | null }>();
  /** True when running jobs are registered with trackRunning (so the calendars can replace a scan). */
  tracksRunning = false;

  static build(nodes: readonly NodeSnapshot[], running: readonly TrackedJob[]): CapacityIndex {
    const idx = new CapacityIndex(nodes);
    for (const r of running) idx.trackRunning(r);
    idx.tracksRunning = true;
    return idx;
  }

  /** A job started: take its capacity and put its release (start + time limit) in its partition's calendar. */
  trackRunning(job: TrackedJob): void {
    if (this.tracked.has(job.id)) throw new Error(`job ${job.id} is already running in the index`);
    this.allocate(job.placement, job.acceleratorType);
    let cal = this.calendars.get(job.partition);
    if (!cal) { cal = new ReleaseCalendar(); this.calendars.set(job.partition, cal); }
    const handle = cal.add({ id: job.id, end: job.startedAt + job.request.timeLimitSeconds, placement: job.placement, type: job.acceleratorType });
    this.tracked.set(job.id, { cal, handle, placement: job.placement, type: job.acceleratorType });
    this.tracksRunning = true;
  }

  /** A job stopped (finished, failed, preempted): give its capacity back and drop it from the calendar. */
  untrackRunning(jobId: string): void {
    const x = this.tracked.get(jobId);
    if (!x) throw new Error(`job ${jobId} is not running in the index`);
    this.release(x.placement, x.type);
    x.cal.remove(x.handle);
    this.tracked.delete(jobId);
  }

  private groupFor(partition: string, type: AcceleratorTypeId | null): SlotGroup {
    let list = this.groups.get(partition);
    if (!list) { list = []; this.groups.set(partition, list); }
    let g = list.find((x) => x.type === type);
    if (!g) {
      g = { partition, type, maxSize: 0, buckets: [], slots: [], capacityUp: 0, capacityAll: 0, freeUp: 0 };
      list.push(g);
    }
    return g;
  }

  private addNode(n: NodeSnapshot): void {
    const ni = this.nodeNames.length;
    if (this.nodeIndex.has(n.name)) throw new Error(`duplicate node name ${n.name}`);
    this.nodeNames.push(n.name);
    this.nodeIndex.set(n.name, ni);
    this.nodePartition.push(n.partition);
    this.nodeUp.push(n.state === 'up');
    this.nodeLabels.push(n.labels);
    this.nodeCpus.push(n.cpus);
    this.nodeMem.push(n.memoryMb);
    this.cpuFree.push(n.cpus);
    this.memFree.push(n.memoryMb);
    const byType = new Map<AcceleratorTypeId | null, number[]>();
    for (const d of n.devices) {
      const l = byType.get(d.type);
      if (l) l.push(d.index); else byType.set(d.type, [d.index]);
    }
    if (byType.size === 0) byType.set(null, []);
    const slots: number[] = [];
    for (const [type, devs] of byType) {
      devs.sort((a, b) => a - b);
      const s = this.slotNode.length;
      const g = this.groupFor(n.partition, type);
      this.slotNode.push(ni);
      this.slotType.push(type);
      this.slotDevices.push(devs);
      this.slotUsed.push(new Uint8Array(devs.length));
      this.free.push(devs.length);
      this.slotGroup.push(g);
      g.slots.push(s);
      g.capacityAll += devs.length;
      if (devs.length > g.maxSize) g.maxSize = devs.length;
      while (g.buckets.length <= g.maxSize) g.buckets.push(new Set());
      if (n.state === 'up') {
        g.buckets[devs.length]!.add(s);
        g.capacityUp += devs.length;
        g.freeUp += devs.length;
      }
      slots.push(s);
    }
    this.nodeSlots.push(slots);
  }

  slotOf(node: number, type: AcceleratorTypeId | null): number {
    const slots = this.nodeSlots[node]!;
    for (const s of slots) if (this.slotType[s] === type) return s;
    return slots[0]!;
  }

  private move(s: number, from: number, to: number): void {
    if (!this.nodeUp[this.slotNode[s]!]) return;
    const g = this.slotGroup[s]!;
    g.buckets[from]!.delete(s);
    g.buckets[to]!.add(s);
    g.freeUp += to - from;
  }

  /** Takes the devices, CPUs and memory of a placement. Throws if a device is already taken. */
  allocate(placement: Placement, type: AcceleratorTypeId | null): void {
    for (const a of placement) {
      const ni = this.nodeIndex.get(a.node);
      if (ni === undefined) continue; // a node that left the inventory: nothing to account
      const s = this.slotOf(ni, type);
      const devs = this.slotDevices[s]!;
      const used = this.slotUsed[s]!;
      const before = this.free[s]!;
      for (const d of a.devices) {
        const k = devs.indexOf(d);
        if (k < 0) throw new Error(`device ${d} does not exist on ${a.node}`);
        if (used[k]) throw new Error(`device ${d} on ${a.node} is allocated twice`);
        used[k] = 1;
      }
      this.free[s] = before - a.devices.length;
      if (a.devices.length) this.move(s, before, this.free[s]!);
      this.cpuFree[ni]! -= a.cpus;
      this.memFree[ni]! -= a.memoryMb;
    }
  }

  /** The exact inverse of `allocate`. */
  release(placement: Placement, type: AcceleratorTypeId | null): void {
    for (const a of placement) {
      const ni = this.nodeIndex.get(a.node);
      if (ni === undefined) continue;
      const s = this.slotOf(ni, type);
      const devs = this.slotDevices[s]!;
      const used = this.slotUsed[s]!;
      const before = this.free[s]!;
      for (const d of a.devices) {
        const k = devs.indexOf(d);
        if (k < 0 || !used[k]) throw new Error(`device ${d} on ${a.node} released but not allocated`);
        used[k] = 0;
      }
      this.free[s] = before + a.devices.length;
      if (a.devices.length) this.move(s, before, this.free[s]!);
      this.cpuFree[ni]! += a.cpus;
      this.memFree[ni]! += a.memoryMb;
    }
  }

  /** The lowest `n` free device indices of slot s. */
  pickDevices(s: number, n: number): number[] {
    const out: number[] = [];
    const devs = this.slotDevices[s]!;
    const used = this.slotUsed[s]!;
    for (let k = 0; k < devs.length && out.length < n; k++) if (!used[k]) out.push(devs[k]!);
    return out;
  }

  groupsOf(partition: string): readonly SlotGroup[] {
    return this.groups.get(partition) ?? [];
  }

  /** Free devices of slot s, counting the whole slot as free when `wholeOnly` is false. */
  allocationFor(s: number, devices: number, tasks: number, cpus: number, mem: number): NodeAllocation {
    return { node: this.nodeNames[this.slotNode[s]!]!, devices: this.pickDevices(s, devices), tasks, cpus, memoryMb: mem };
  }
}
