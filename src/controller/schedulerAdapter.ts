/**
 * Binds the pure scheduler to the controller: a validated policy (an invalid name fails at start-up with
 * the valid ones listed) and the feasibility check used at submit time.
 */
import { checkFeasibility, cycle, makePolicy } from '../scheduler/index.ts';
import type { Scheduler } from './controller.ts';

export function createScheduler(policyName: string): Scheduler {
  const policy = makePolicy(policyName);
  return {
    cycle: (snapshot, now) => cycle(snapshot, policy, now),
    feasibility: (request, partition, nodes) => checkFeasibility({ request, partition }, nodes),
  };
}
