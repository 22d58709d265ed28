/**
 * Inventory: nodes and their devices. `upsertNodes` replaces each given node's row and device list in one
 * transaction (a re-probe that finds a GPU gone removes it); nodes not given are left alone.
 */
import type { AcceleratorTypeId, NodeName, PartitionName } from '../../core/ids.ts';
import type { NodeState, TopologyLabels } from '../../core/inventory.ts';
import { guardWrite } from '../dbErrors.ts';
import type { NewNode, NodeRecord } from '../records.ts';
import { inTransaction, parseJson, type QueryContext } from './context.ts';

export async function upsertNodes(ctx: QueryContext, nodes: readonly NewNode[]): Promise<void> {
  if (nodes.length === 0) return;
  const now = ctx.clock();
  await guardWrite(() =>
    inTransaction(ctx, async (db) => {
      for (const n of nodes) {
        const row = {
          name: n.name,
          partition: n.partition,
          cpus: n.cpus,
          memory_mb: n.memoryMb,
          labels: JSON.stringify(n.labels ?? {}),
          state: n.state,
          state_reason: n.stateReason ?? null,
          source: n.source,
          updated_at: now,
        };
        await db
          .insertInto('nodes').values(row)
          .onConflict((oc) => oc.column('name').doUpdateSet({
            partition: row.partition, cpus: row.cpus, memory_mb: row.memory_mb, labels: row.labels,
            state: row.state, state_reason: row.state_reason, source: row.source, updated_at: row.updated_at,
          }))
          .execute();
        await db.deleteFrom('devices').where('node', '=', n.name).execute();
        if (n.devices.length > 0) {
          await db.insertInto('devices').values(n.devices.map((d) => ({ node: n.name, idx: d.index, type: d.type }))).execute();
        }
      }
    }),
  );
}

/** All nodes by name, each with its devices by index. */
export async function listNodes(ctx: QueryContext): Promise<NodeRecord[]> {
  const [rows, devices] = await Promise.all([
    ctx.db.selectFrom('nodes').selectAll().orderBy('name').execute(),
    ctx.db.selectFrom('devices').selectAll().orderBy('node').orderBy('idx').execute(),
  ]);
  const byNode = new Map<string, { index: number; type: AcceleratorTypeId }[]>();
  for (const d of devices) {
    let list = byNode.get(d.node);
    if (!list) byNode.set(d.node, (list = []));
    list.push({ index: Number(d.idx), type: d.type as AcceleratorTypeId });
  }
  return rows.map((r) => ({
    name: r.name as NodeName,
    partition: r.partition as PartitionName,
    cpus: Number(r.cpus),
    memoryMb: Number(r.memory_mb),
    devices: byNode.get(r.name) ?? [],
    labels: parseJson<TopologyLabels>(r.labels, 'nodes.labels'),
    state: r.state as NodeState,
    stateReason: r.state_reason,
    source: r.source as NodeRecord['source'],
    updatedAt: Number(r.updated_at),
  }));
}

/** Drains, downs or restores a node; returns false when there is no such node. */
export async function setNodeState(ctx: QueryContext, name: NodeName, state: NodeState, reason: string | null = null): Promise<boolean> {
  const r = await ctx.db
    .updateTable('nodes').set({ state, state_reason: reason, updated_at: ctx.clock() })
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
