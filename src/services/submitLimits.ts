/**
 * Caps on what one user or organization may queue (issue 15; Slurm's MaxSubmitJobs and its submission
 * rate limit): jobs waiting (pending or preempted) per user and per organization, and submissions per user
 * per minute. A refused submission is 429 with what the cap is, how many are waiting and what to do;
 * nothing is queued. Waiting jobs are counted in the store at most every 5 s per user and organization
 * (plus what was accepted since); the rate in this process (a fixed one-minute window per user). Operators
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
/**
 * How long a count of waiting jobs is trusted (plus the submissions accepted since): counting a long queue
 * on every submission would cost more than the submission. Jobs that start or end meanwhile are counted
 * until the next refresh, so the cap errs on the strict side for at most this long.
 */
const REFRESH_MS = 5_000;

export class SubmitGuard {
  readonly #windows = new Map<string, { start: number; count: number }>();
  /** Waiting jobs per user and organization: counted in the store at most every REFRESH_MS, plus what was accepted since. */
  readonly #waitingCache = new Map<string, { at: number; n: number }>();

  async #waiting(key: string, count: () => Promise<number>): Promise<{ at: number; n: number }> {
    const now = this.clock();
    const c = this.#waitingCache.get(key);
    if (c && now - c.at < REFRESH_MS) return c;
    const fresh = { at: now, n: await count() };
    this.#waitingCache.set(key, fresh);
    return fresh;
  }

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
    const user = maxWaitingPerUser > 0 ? await this.#waiting(`user:${actor.user.id}`, () => this.store.jobs.countOf({ userId: asUserId(actor.user.id) }, WAITING)) : null;
    if (user && user.n + count > maxWaitingPerUser) {
      throw new CheomdanError('job_limit', `you have ${user.n} jobs waiting and a user may have at most ${maxWaitingPerUser} (MaxSubmitJobs); wait for some to start or cancel some`, { extra: { waiting: user.n, limit: maxWaitingPerUser, retryAfterSeconds: 60 } });
    }
    const org = maxWaitingPerOrganization > 0 ? await this.#waiting(`tenant:${tenantId}`, () => this.store.jobs.countOf({ tenantId: asTenantId(tenantId) }, WAITING)) : null;
    if (org && org.n + count > maxWaitingPerOrganization) {
      throw new CheomdanError('job_limit', `your organization has ${org.n} jobs waiting and may have at most ${maxWaitingPerOrganization}; wait for some to start or cancel some`, { extra: { waiting: org.n, limit: maxWaitingPerOrganization, retryAfterSeconds: 60 } });
    }
    // Counted at once (the job is about to be queued): the cached counts stay conservative until refreshed.
    if (user) user.n += count;
    if (org) org.n += count;
    if (submissionsPerMinute > 0) this.#windows.get(actor.user.id)!.count += count;
  }
}
