/**
 * The node view the API shows: inventory nodes with what running jobs hold on them, capacity, and
 * operator state changes (drain / down / up), which are persisted and reach the scheduler's snapshot.
 *
 * An operator's drain or down is an override laid over what the inventory says (the file, or the cluster's
 * own view, read again periodically): it survives restarts and inventory refreshes until an operator sets
 * the node up again.
 */
import { CheomdanError } from '../core/errors.ts';
import { asNodeName } from '../core/ids.ts';
import { requireOperator, type Actor } from './actor.ts';
import { computeCapacity } from '../core/capacity.ts';
import type { NodeState } from '../core/inventory.ts';
import type { Capacity, Node } from '../contract/inventory.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';
import type { JobRecord, NodeRecord } from '../store/records.ts';
import type { ServiceContext } from './context.ts';
import type { Inventory } from '../core/inventoryFile.ts';

export interface LiveCluster {
  nodeList(): readonly NodeSnapshot[];
  runningJobs(): readonly JobRecord[];
  setNodeState(name: string, state: NodeState): void;
}

export class NodeService {
  private readonly overrides = new Map<string, { state: NodeState; reason: string | null }>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly live: LiveCluster,
    private readonly precision: Inventory['capacityPrecision'],
  ) {}

  private allocations(): Map<string, { devices: number[]; cpus: number }> {
    const m = new Map<string, { devices: number[]; cpus: number }>();
    for (const j of this.live.runningJobs()) {
      for (const a of j.placement ?? []) {
        const cur = m.get(a.node) ?? { devices: [], cpus: 0 };
        cur.devices.push(...a.devices);
        cur.cpus += a.cpus;
        m.set(a.node, cur);
      }
    }
    return m;
  }

  nodes(): Node[] {
    const alloc = this.allocations();
    return this.live.nodeList().map((n) => ({
      name: n.name, partition: n.partition, cpus: n.cpus, memoryMb: n.memoryMb,
      devices: n.devices.map((d) => ({ index: d.index, type: d.type })),
      labels: { ...n.labels }, state: n.state, stateReason: this.overrides.get(n.name)?.reason ?? null, source: n.source,
      allocatedDevices: (alloc.get(n.name)?.devices ?? []).sort((a, b) => a - b),
      allocatedCpus: alloc.get(n.name)?.cpus ?? 0,
    }));
  }

  capacity(): Capacity {
    const alloc = this.allocations();
    const allocated = new Map([...alloc].map(([k, v]) => [k, v.devices.length]));
    return computeCapacity(this.live.nodeList(), allocated, this.precision);
  }

  async setState(actor: Actor, name: string, state: NodeState, reason: string | undefined): Promise<Node> {
    requireOperator(actor, 'change node states');
    const actorUserId = actor.user.id;
    if (!this.live.nodeList().some((n) => n.name === name)) {
      throw new CheomdanError('not_found', `no node "${name}"; list them with GET /v1/nodes`);
    }
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      await tx.nodes.setState(asNodeName(name), state, reason ?? null);
      await tx.audit.append({ at: now, actorUserId, action: 'node.state', subject: name, detail: { state, reason: reason ?? null } });
    });
    if (state === 'up') this.overrides.delete(name);
    else this.overrides.set(name, { state, reason: reason ?? null });
    this.live.setNodeState(name, state);
    return this.nodes().find((n) => n.name === name)!;
  }

  /**
   * After a restart: `before` is what the store held before the inventory was written again. A node the
   * inventory declares up but the store had drained or down was set so by an operator: keep that override
   * (in memory, the scheduler's view, and the store).
   */
  async adoptOverrides(before: readonly NodeRecord[], declared: readonly NodeSnapshot[]): Promise<void> {
    const declaredUp = new Set(declared.filter((n) => n.state === 'up').map((n) => n.name as string));
    for (const b of before) {
      if (b.state === 'up' || !declaredUp.has(b.name)) continue;
      this.overrides.set(b.name, { state: b.state, reason: b.stateReason });
      await this.ctx.store.nodes.setState(b.name, b.state, b.stateReason);
    }
    this.applyOverrides();
  }

  /** Lays the operators' drains and downs over the scheduler's view (after an inventory refresh). */
  applyOverrides(): void {
    for (const [name, o] of this.overrides) this.live.setNodeState(name, o.state);
  }
}
