/**
 * Binds the pure scheduler to the controller: a validated policy (an invalid name fails at start-up with
 * the valid ones listed) and the feasibility check used at submit time.
 */
import { CapacityIndex, cycle, feasibility, makePolicy } from '../scheduler/index.ts';
import type { PolicyConfig } from '../scheduler/policy.ts';
import type { NodeSnapshot } from '../scheduler/types.ts';
import type { Scheduler } from './options.ts';

export function createScheduler(config: string | PolicyConfig): Scheduler {
  // A bare name is validated by makePolicy like any config (an unknown one fails, naming the valid ones).
  const raw = (typeof config === 'string' ? { order: config } : config) as PolicyConfig;
  const policy = makePolicy(raw);
  // The same policy without explanations: identical decisions, no reason for every pending job (the
  // controller asks for those at most every few seconds when the queue is long).
  const decisionsOnly = makePolicy({ ...raw, explain: 'none' });
  // "Could it ever fit?" depends on the nodes only: one index per node list (the controller replaces the
  // list when nodes change), so a submission does not rebuild the cluster's index.
  let feasibilityIndex: { nodes: readonly NodeSnapshot[]; index: CapacityIndex } | undefined;
  return {
    halfLifeSeconds: policy.multifactor.halfLifeSeconds,
    cycle: (snapshot, now, explain) => cycle(snapshot, explain ? policy : decisionsOnly, now),
    feasibility: (request, partition, nodes) => {
      if (feasibilityIndex?.nodes !== nodes) feasibilityIndex = { nodes, index: new CapacityIndex(nodes) };
      return feasibility(feasibilityIndex.index, partition, request);
    },
  };
}
