/**
 * Caps on what one user or organization may queue (issue 15; Slurm's MaxSubmitJobs and its submission
 * rate limit): jobs waiting (pending or preempted) per user and per organization, and submissions per user
 * per minute. A refused submission is 429 with what the cap is, how many are waiting and what to do;
 * nothing is queued. The rate is counted in this process (a fixed one-minute window per user). Operators
 * (the center's staff: imports, benchmarks, replays) are not capped.
 */
import { CheomdanError } from '../core/errors.ts';
import { asTenantId, asUserId } from '../core/ids.ts';
import type { JobState } from '../core/jobState.ts';
import type { Store } from '../store/index.ts';
import type { Actor } from './actor.ts';

export interface SubmitLimits {
  /** Jobs one user may have waiting (pending or preempted); 0: no cap. */
  maxWaitingPerUser: number;
  /** Jobs one organization may have waiting; 0: no cap. */
  maxWaitingPerOrganization: number;
  /** Submissions one user may make per minute; 0: no cap. */
  submissionsPerMinute: number;
}

export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = { maxWaitingPerUser: 5000, maxWaitingPerOrganization: 20_000, submissionsPerMinute: 3000 };

const WAITING: readonly JobState[] = ['pending', 'preempted'];

export class SubmitGuard {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly store: Store, private readonly clock: () => number, readonly limits: SubmitLimits = DEFAULT_SUBMIT_LIMITS) {}

  /** Refuses a submission (of `count` jobs) past a cap; counts it against the rate when it passes. Operators are not capped. */
  async check(actor: Actor, tenantId: string, count = 1): Promise<void> {
    if (actor.isOperator) return;
    const { maxWaitingPerUser, maxWaitingPerOrganization, submissionsPerMinute } = this.limits;
    const now = this.clock();
    if (submissionsPerMinute > 0) {
      let w = this.#windows.get(actor.user.id);
      if (!w || now - w.start >= 60_000) this.#windows.set(actor.user.id, (w = { start: now, count: 0 }));
      if (w.count + count > submissionsPerMinute) {
        const seconds = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
        throw new CheomdanError('rate_limited', `at most ${submissionsPerMinute} submissions a minute per user; wait ${seconds} s (a job array submits many tasks at once)`, { extra: { retryAfterSeconds: seconds } });
      }
    }
    if (maxWaitingPerUser > 0) {
      const waiting = await this.store.jobs.countOf({ userId: asUserId(actor.user.id) }, WAITING);
      if (waiting + count > maxWaitingPerUser) {
        throw new CheomdanError('job_limit', `you have ${waiting} jobs waiting and a user may have at most ${maxWaitingPerUser} (MaxSubmitJobs); wait for some to start or cancel some`, { extra: { waiting, limit: maxWaitingPerUser, retryAfterSeconds: 60 } });
      }
    }
    if (maxWaitingPerOrganization > 0) {
      const waiting = await this.store.jobs.countOf({ tenantId: asTenantId(tenantId) }, WAITING);
      if (waiting + count > maxWaitingPerOrganization) {
        throw new CheomdanError('job_limit', `your organization has ${waiting} jobs waiting and may have at most ${maxWaitingPerOrganization}; wait for some to start or cancel some`, { extra: { waiting, limit: maxWaitingPerOrganization, retryAfterSeconds: 60 } });
      }
    }
    if (submissionsPerMinute > 0) this.#windows.get(actor.user.id)!.count += count;
  }
}
