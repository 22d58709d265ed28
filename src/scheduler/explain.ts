/**
 * Explain: the human message for every pending reason. The reason code is for machines (filters, the
 * portal's badges); the message says what blocks the job and, where it helps, what the user can do.
 */
import type { ResourceRequest } from '../core/resources.ts';
import type { QuotaBlock } from './quotas.ts';
import type { PendingJobSnapshot, PendingReason, ReservationSnapshot, Seconds } from './types.ts';

export function describeRequest(r: ResourceRequest): string {
  const n = r.tasks * r.devicesPerTask;
  const types = r.acceleratorTypes.length ? r.acceleratorTypes.join(' or ') : 'any accelerator';
  if (n === 0) return `${r.tasks} CPU task(s) of ${r.cpusPerTask} CPUs`;
  return `${n} device(s) of ${types}${r.tasks > 1 ? ` (${r.tasks} tasks × ${r.devicesPerTask})` : ''}`;
}

export type ExplainDetail =
  | { reason: 'priority'; behind: PendingJobSnapshot | undefined; backfill?: { shadow: number } | undefined; depth?: number | undefined }
  | { reason: 'resources'; job: PendingJobSnapshot; freeDevices: number; depth?: number | undefined }
  | { reason: 'quota'; job: PendingJobSnapshot; block: QuotaBlock }
  | { reason: 'reservation'; job: PendingJobSnapshot }
  | { reason: 'reservation_not_active'; reservation: ReservationSnapshot; opensIn: Seconds }
  | { reason: 'reservation_too_short'; reservation: ReservationSnapshot; left: Seconds; job: PendingJobSnapshot }
  | { reason: 'reservation_unknown'; job: PendingJobSnapshot }
  | { reason: 'partition_too_small' | 'no_such_accelerator'; message: string }
  | { reason: 'nodes_unavailable'; job: PendingJobSnapshot; upDevices: number }
  | { reason: 'preempting'; victims: number }
  | { reason: 'allocation_exhausted' | 'allocation_inactive'; allocation: string }
  | { reason: 'dependency' | 'dependency_never_satisfied'; spec: string };

/** The hold a job's dependency puts on it, if any (Slurm's Dependency / DependencyNeverSatisfied). */
export function dependencyHold(job: PendingJobSnapshot): ExplainDetail | undefined {
  if (!job.dependency) return undefined;
  return { reason: job.dependency.state === 'never' ? 'dependency_never_satisfied' : 'dependency', spec: job.dependency.spec };
}

export function explainMessage(d: ExplainDetail): { reason: PendingReason; message: string } {
  switch (d.reason) {
    case 'priority':
      if (d.depth !== undefined) {
        return { reason: d.reason, message: `waiting behind jobs of higher priority; beyond the ${d.depth} jobs examined per cycle in its partition` };
      }
      if (d.backfill) {
        return {
          reason: d.reason,
          message: `would fit now, but would delay job ${d.behind?.id ?? '?'} (higher priority), which is guaranteed to start at t=${Math.round(d.backfill.shadow)}; a shorter time limit may let it backfill`,
        };
      }
      return { reason: d.reason, message: `waiting behind job ${d.behind?.id ?? '?'} of higher priority, which does not fit yet (first in, first out)` };
    case 'resources':
      return {
        reason: d.reason,
        message: `needs ${describeRequest(d.job.request)} in partition '${d.job.partition}'; ${d.freeDevices} acceptable device(s) free now, not enough on suitable nodes${d.depth !== undefined ? ` (not examined in full: beyond the first ${d.depth} jobs of the partition)` : ''}`,
      };
    case 'quota':
      return { reason: d.reason, message: quotaMessage(d.block, d.job) };
    case 'reservation':
      return { reason: d.reason, message: `the capacity it needs is reserved during its time limit (a job runs on reserved nodes only by naming the reservation)` };
    case 'reservation_not_active':
      return { reason: d.reason, message: `runs inside reservation ${d.reservation.id}, which opens in ${inWords(d.opensIn)}` };
    case 'reservation_too_short':
      return {
        reason: d.reason,
        message: `its time limit (${inWords(d.job.request.timeLimitSeconds)}) is longer than what reservation ${d.reservation.id} has left (${inWords(d.left)}); a job in a reservation must end inside it: cancel it and resubmit with a shorter time limit`,
      };
    case 'reservation_unknown':
      return { reason: d.reason, message: `names reservation ${d.job.reservation ?? '?'}, which does not exist, has ended or was cancelled; cancel the job and resubmit it without the reservation` };
    case 'partition_too_small':
    case 'no_such_accelerator':
      return { reason: d.reason, message: d.message };
    case 'nodes_unavailable':
      return { reason: d.reason, message: `needs ${describeRequest(d.job.request)}; only ${d.upDevices} acceptable device(s) are on nodes that are up (others are down or draining)` };
    case 'preempting':
      return { reason: d.reason, message: `${d.victims} running job(s) are being preempted to make room; it starts when they have stopped` };
    case 'allocation_exhausted':
      return { reason: d.reason, message: `allocation ${d.allocation} has no service units left; ask the tenant owner to top it up` };
    case 'allocation_inactive':
      return { reason: d.reason, message: `allocation ${d.allocation} is not active (not started, expired or suspended)` };
    case 'dependency':
      return { reason: d.reason, message: `waits for its dependency (--dependency=${d.spec}) to be satisfied` };
    case 'dependency_never_satisfied':
      return {
        reason: d.reason,
        message: `its dependency (--dependency=${d.spec}) can never be satisfied (a job it waits for ended in a state that rules it out); cancel it, or resubmit it with another dependency`,
      };
  }
}

/** A span of seconds for people: "2 d 3 h", "3 h 20 min", "5 min", "40 s". */
export function inWords(seconds: Seconds): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return m > 0 ? `${m} min` : `${s} s`;
}

/**
 * Which quota holds the job and what it would need, e.g. "quota of organization 'acme' on h100-class:
 * guaranteed 16 in use, borrowing limit 8 reached (24 in use); the job needs 4 more (…)".
 */
export function quotaMessage(b: QuotaBlock, job: PendingJobSnapshot): string {
  const who = `quota of ${b.scope} '${b.owner}' on ${b.label}`;
  const needs = `the job needs ${b.need} more (${describeRequest(job.request)})`;
  if (b.scope === 'project') return `${who}: ${b.used} of its ${b.guaranteed + b.borrowLimit} in use; ${needs}`;
  const limit = Number.isFinite(b.borrowLimit) ? `borrowing limit ${b.borrowLimit}` : 'no borrowing limit';
  if (b.cohort) {
    return `${who}: guaranteed ${b.guaranteed}, ${b.used} in use (${limit}); cohort '${b.cohort.name}' has ${b.cohort.lendable} idle to lend; ${needs}`;
  }
  if (b.borrowLimit === 0) return `${who}: guaranteed ${b.guaranteed}, ${b.used} in use, no borrowing allowed; ${needs}`;
  return `${who}: guaranteed ${b.guaranteed} in use, ${limit} reached (${b.used} in use); ${needs}`;
}
