/**
 * Preemption: free capacity for a blocked job by stopping running ones, decided on the snapshot with
 * mutate-then-undo (free victims one at a time until the job fits, then give back the victims it did not
 * need). Two causes:
 *   - reclaim: the job's tenant is within its guarantee on a type, and other tenants (of its cohort, when it
 *     has one) are borrowing that type; only borrowers' jobs are victims, the lowest priority first and, among
 *     equals, the most recently started first;
 *   - priority: the order policy is preemptive (srtf, las, or multifactor with preemption.byPriority) and a
 *     running job ranks strictly worse; the worst-ranked first, then the cheapest to restart.
 * A job is never preempted more than `maxPerWindow` times within `windowSeconds`, nor before it has run
 * `minRunSeconds` — the bound that stops thrashing.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { Assumptions } from './assume.ts';
import { findPlacement, type PlaceOptions, type PlaceResult } from './placement.ts';
import type { Policy } from './policy.ts';
import type { QuotaLedger } from './quotas.ts';
import type { PendingJobSnapshot, RunningJobSnapshot, Seconds } from './types.ts';

export interface PreemptionPlan {
  victims: RunningJobSnapshot[];
  place: PlaceResult;
  reason: 'priority' | 'reclaim' | 'srtf' | 'las';
}

export interface PreemptionInput {
  tx: Assumptions;
  job: PendingJobSnapshot;
  jobRank: number;
  /** Running jobs of the job's partition that may still be chosen (not already victims this cycle). */
  candidates: readonly RunningJobSnapshot[];
  runningRank: (r: RunningJobSnapshot) => number;
  policy: Policy;
  quota: QuotaLedger;
  now: Seconds;
  options: PlaceOptions;
}

const devices = (j: PendingJobSnapshot) => j.request.tasks * j.request.devicesPerTask;

export function mayBePreempted(r: RunningJobSnapshot, policy: Policy, now: Seconds): boolean {
  const p = policy.preemption;
  if (now - r.startedAt < p.minRunSeconds) return false;
  let recent = 0;
  for (const t of r.preemptions ?? []) if (now - t < p.windowSeconds) recent++;
  return recent < p.maxPerWindow;
}

function attempt(
  input: PreemptionInput, victims: RunningJobSnapshot[], options: PlaceOptions, reason: PreemptionPlan['reason'],
): PreemptionPlan | null {
  const { tx, job } = input;
  const need = devices(job);
  let free = 0;
  for (const v of victims) free += devices(v);
  if (free === 0 && need > 0) return null;
  const mark = tx.mark();
  const chosen: RunningJobSnapshot[] = [];
  for (const v of victims) {
    tx.free(v.placement, v.acceleratorType);
    chosen.push(v);
    const place = findPlacement(tx.index, job.partition, job.request, options);
    if (!place) continue;
    // Give back the victims whose nodes the placement does not touch.
    const used = new Set(place.placement.map((a) => a.node as string));
    const kept: RunningJobSnapshot[] = [];
    for (const c of chosen) {
      if (c.placement.some((a) => used.has(a.node))) kept.push(c);
      else tx.take(c.placement, c.acceleratorType);
    }
    return { victims: kept, place, reason };
  }
  tx.rollback(mark);
  return null;
}

/** A plan that makes the job fit, or null. On success the victims stay freed in `tx` (the caller holds them). */
export function planPreemption(input: PreemptionInput): PreemptionPlan | null {
  const { job, policy, quota, now } = input;
  const eligible = input.candidates.filter((r) => r.id !== job.id && mayBePreempted(r, policy, now));
  if (eligible.length === 0) return null;
  const need = devices(job);

  if (policy.preemption.reclaim && quota.active) {
    const types = new Set<AcceleratorTypeId | null>(eligible.map((r) => r.acceleratorType));
    for (const type of types) {
      if (!quota.withinGuarantee(job, type, need)) continue;
      if (job.request.acceleratorTypes.length && !job.request.acceleratorTypes.includes(type as AcceleratorTypeId)) continue;
      const victims = eligible
        .filter((r) => r.acceleratorType === type && r.tenant !== job.tenant && quota.mayReclaimFrom(job.tenant, r.tenant, type))
        .sort((a, b) => a.priority - b.priority || b.startedAt - a.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const plan = attempt(input, victims, { ...input.options, typeAllowed: (t) => t === type }, 'reclaim');
      if (plan) return plan;
    }
  }

  if (policy.preemption.byPriority) {
    const ranked = eligible
      .map((r) => ({ r, rank: input.runningRank(r) }))
      .filter((x) => x.rank > input.jobRank)
      .sort((a, b) => b.rank - a.rank || devices(a.r) - devices(b.r) || b.r.startedAt - a.r.startedAt
        || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0));
    const reason = policy.name === 'las' ? 'las' : policy.name === 'srtf' ? 'srtf' : 'priority';
    const typeAllowed = (t: AcceleratorTypeId | null, n: number) => quota.allows(job, t, n);
    return attempt(input, ranked.map((x) => x.r), { ...input.options, typeAllowed }, reason);
  }
  return null;
}
