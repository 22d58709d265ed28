/**
 * The node view the API shows: inventory nodes with what running jobs hold on them, capacity, and
 * operator state changes (drain / down / up), which are persisted and reach the scheduler's snapshot.
 */
import { CheomdanError } from '../core/errors.ts';
import { asNodeName } from '../core/ids.ts';
import { requireOperator, type Actor } from './actor.ts';
import { computeCapacity } from '../core/capacity.ts';
import type { NodeState } from '../core/inventory.ts';
import type { Capacity, Node } from '../contract/inventory.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';
import type { JobRecord } from '../store/records.ts';
import type { ServiceContext } from './context.ts';
import type { Inventory } from '../core/inventoryFile.ts';

export interface LiveCluster {
  nodeList(): readonly NodeSnapshot[];
  runningJobs(): readonly JobRecord[];
  setNodeState(name: string, state: NodeState): void;
}

export class NodeService {
  private readonly reasons = new Map<string, string | null>();

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
      labels: { ...n.labels }, state: n.state, stateReason: this.reasons.get(n.name) ?? null, source: n.source,
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
    this.reasons.set(name, reason ?? null);
    this.live.setNodeState(name, state);
    return this.nodes().find((n) => n.name === name)!;
  }

  /** Restores operator-set states (drain/down) and their reasons from the store after a restart. */
  restore(stored: readonly { name: string; state: NodeState; stateReason: string | null }[]): void {
    for (const s of stored) {
      if (s.state !== 'up') {
        this.reasons.set(s.name, s.stateReason);
        this.live.setNodeState(s.name, s.state);
      }
    }
  }
}
