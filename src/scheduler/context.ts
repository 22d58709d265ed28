/**
 * The order context of one cycle: time, usage and fair share, partition sizes — what order policies read.
 * Shared by the cycle and by `priorityBreakdown` (the on-demand "why does my job rank here" of sprio).
 */
import type { CapacityIndex } from './capacity.ts';
import { FairShare } from './fairshare.ts';
import type { OrderContext } from './policies/order.ts';
import type { Policy } from './policy.ts';
import type { ClusterSnapshot, PriorityBreakdown, Seconds } from './types.ts';
import { CapacityIndex as Index } from './capacity.ts';

export type CycleContext = OrderContext & { fairShare?: FairShare };

export function orderContext(snapshot: ClusterSnapshot, index: CapacityIndex, policy: Policy, now: Seconds): CycleContext {
  const partitionDevices = new Map<string, number>();
  const ctx: CycleContext = {
    now, usage: snapshot.usage,
    partitionDevices: (p) => {
      let n = partitionDevices.get(p);
      if (n === undefined) {
        n = 0;
        for (const g of index.groupsOf(p)) n += g.capacityAll;
        partitionDevices.set(p, n);
      }
      return n;
    },
  };
  if (policy.name === 'multifactor') ctx.fairShare = fairShareOf(snapshot);
  return ctx;
}

function fairShareOf(snapshot: ClusterSnapshot): FairShare {
  // Tenants and their projects as seen in the queue (running jobs' tenants are in the usage already):
  // O(pending), so a cycle does not walk every running job to rank a short queue.
  const tenants = new Set<string>();
  const projects = new Map<string, Set<string>>();
  for (const j of snapshot.pending) {
    tenants.add(j.tenant);
    let p = projects.get(j.tenant);
    if (!p) { p = new Set(); projects.set(j.tenant, p); }
    p.add(j.project);
  }
  const fs = new FairShare(snapshot.usage, tenants);
  for (const [t, p] of projects) fs.setProjects(t, p.size);
  return fs;
}

/**
 * The priority of the given pending jobs (all when `jobIds` is absent) with every factor, as the cycle
 * ranks them (higher runs first; for rank-only policies, the negated rank).
 */
export function priorityBreakdown(snapshot: ClusterSnapshot, policy: Policy, now: Seconds, jobIds?: readonly string[]): PriorityBreakdown[] {
  const index = snapshot.index ?? new Index(snapshot.nodes);
  const ctx = orderContext(snapshot, index, policy, now);
  const want = jobIds ? new Set(jobIds) : undefined;
  const out: PriorityBreakdown[] = [];
  for (const j of snapshot.pending) {
    if (want && !want.has(j.id)) continue;
    const rank = policy.order.rank(j, ctx);
    out.push({ jobId: j.id, priority: -rank, factors: policy.order.factors?.(j, ctx) ?? { rank } });
  }
  return out;
}
