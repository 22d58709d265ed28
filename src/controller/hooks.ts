/**
 * What the controller asks of accounting (services/accounting implements it). Each call runs inside the
 * same transaction as the state change it belongs to, so a crash (kill -9) at any point either applies
 * both or neither: a charge is never lost or doubled.
 *
 *   hold(tx, job, now)          when a job starts: hold time limit × rate against its allocation.
 *                               Throw CheomdanError('insufficient_balance', …) to refuse the start; the
 *                               job stays pending with reason allocation_exhausted (or allocation_inactive,
 *                               as `extra.reason` says). Returns the allocation the job is charged to (one
 *                               chosen now for a job that had none); the controller keeps it on its
 *                               in-memory job, so the scheduler sees it while the job runs.
 *   settle(tx, job, endedAt)    when an attempt ends (any final state, or preempted): settle the hold to
 *                               the metered usage and release the rest. Must be idempotent per attempt.
 *   snapshotInputs(now)         the quotas allocations imply, fair-share shares (weights), and allocations
 *                               that block their jobs (exhausted, suspended, expired), for the snapshot.
 *                               (Decayed usage is the controller's own: controller/state.ts.)
 *
 * Caches that hold or settle refresh must not read the change before the transaction commits (the
 * implementation waits for it: services/accounting/enforcement.ts, scheduleRefresh).
 */
import type { AllocationId } from '../core/ids.ts';
import type { ClusterSnapshot } from '../scheduler/types.ts';
import type { JobRecord, Store } from '../store/index.ts';

export type SnapshotInputs = Pick<ClusterSnapshot, 'quotas' | 'blockedAllocations'> & { tenantShares?: Readonly<Record<string, number>> };

export interface AccountingHooks {
  hold(tx: Store, job: JobRecord, now: number): Promise<{ allocationId: AllocationId | null } | void>;
  settle(tx: Store, job: JobRecord, endedAt: number): Promise<void>;
  snapshotInputs(now: number): SnapshotInputs;
}
