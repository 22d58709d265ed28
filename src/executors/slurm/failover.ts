/**
 * REST first, CLI when slurmrestd is down, retry with backoff when Slurm itself is unreachable.
 *
 *   slurmrestd does not answer        -> the same call through the CLI at once; REST is skipped for
 *                                        `restCooldownMs`, then tried again
 *   slurmctld does not answer (either) -> wait and retry (200 ms doubling to 5 s) until `budgetMs` is spent,
 *                                        then throw the last `unavailable` error; the caller retries later
 *   Slurm refuses (rejected/not_found) -> thrown at once: retrying cannot help
 *
 * Nothing is submitted twice: a submit that is retried first looks for a job carrying its comment (which
 * holds a nonce) and adopts it, because a request that timed out may have reached slurmctld.
 */
import {
  isUnavailable, SlurmError, type SlurmClient, type SlurmJob, type SlurmJobRequest, type SlurmNode,
} from './client.ts';
import { nodeState } from './inventory.ts';

export interface RetryPolicy {
  /** First wait between attempts, ms. Default 200. */
  initialDelayMs?: number | undefined;
  /** Longest wait between attempts, ms. Default 5000. */
  maxDelayMs?: number | undefined;
  /** Give up (throw) when the next wait would pass this many ms since the first attempt. Default 30 000. */
  budgetMs?: number | undefined;
}

export type SlurmClientEvent =
  | { kind: 'fallback'; op: string; error: SlurmError }
  | { kind: 'retry'; op: string; attempt: number; delayMs: number; error: SlurmError }
  | { kind: 'adopted'; op: 'submit'; jobId: number };

export interface FailoverOptions {
  retry?: RetryPolicy | undefined;
  /** How long to skip slurmrestd after it failed to answer, ms. Default 5000. */
  restCooldownMs?: number | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  onEvent?: ((e: SlurmClientEvent) => void) | undefined;
}

export class FailoverSlurmClient implements SlurmClient {
  readonly kind = 'failover';
  #restDownUntil = 0;
  /** The transport that answered last ('rest' or 'cli'); for tests and metrics. */
  lastTransport: string | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly rest: SlurmClient | undefined,
    private readonly cli: SlurmClient | undefined,
    private readonly opts: FailoverOptions = {},
  ) {
    if (!rest && !cli) throw new Error('FailoverSlurmClient needs a REST client, a CLI client, or both');
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  submit(user: string, req: SlurmJobRequest): Promise<number> {
    return this.#call('submit', async (c, attempt) => {
      if (attempt > 1) {
        const existing = (await c.jobs()).find((j) => j.comment === req.comment);
        if (existing) {
          this.opts.onEvent?.({ kind: 'adopted', op: 'submit', jobId: existing.job_id });
          return existing.job_id;
        }
      }
      try {
        return await c.submit(user, req);
      } catch (e) {
        // ESLURM_NODE_NOT_AVAIL (2068) right after slurmctld (re)started: its slurmds have not registered
        // yet (nodes UNKNOWN for a few seconds), or just did while the request was in flight. Retry then;
        // a node that is DOWN or DRAINED fails the submit at once, with Slurm's reason.
        if (e instanceof SlurmError && e.code === 2068 && req.nodeList?.length) {
          const wanted = new Set(req.nodeList);
          const blocking = (await c.nodes()).filter((n) => wanted.has(n.name)
            && nodeState(n.state, n.state_flags ?? []) !== 'up' && !/^unknown$/i.test(n.state));
          if (blocking.length === 0) {
            throw new SlurmError('unavailable', `${e.message} (its nodes are registering with slurmctld)`, { cause: e, code: e.code, where: 'slurmctld' });
          }
        }
        throw e;
      }
    });
  }

  jobs(): Promise<SlurmJob[]> {
    return this.#call('jobs', (c) => c.jobs());
  }

  jobsById(ids: readonly number[]): Promise<Map<number, SlurmJob>> {
    return this.#call('jobs', (c) => c.jobsById(ids));
  }

  cancel(jobId: number): Promise<void> {
    return this.#call('cancel', (c) => c.cancel(jobId));
  }

  nodes(): Promise<SlurmNode[]> {
    return this.#call('nodes', (c) => c.nodes());
  }

  async #call<T>(op: string, f: (c: SlurmClient, attempt: number) => Promise<T>): Promise<T> {
    const r = this.opts.retry ?? {};
    const start = this.#now();
    let delay = r.initialDelayMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      const useRest = this.rest && (this.#now() >= this.#restDownUntil || !this.cli);
      const client = (useRest ? this.rest : this.cli) as SlurmClient;
      try {
        const v = await f(client, attempt);
        this.lastTransport = client.kind;
        return v;
      } catch (e) {
        if (!isUnavailable(e)) throw e;
        const err = e as SlurmError;
        if (client === this.rest && this.cli && err.where === 'slurmrestd') {
          this.#restDownUntil = this.#now() + (this.opts.restCooldownMs ?? 5000);
          this.opts.onEvent?.({ kind: 'fallback', op, error: err });
          continue; // straight to the CLI: no wait
        }
        if (this.#now() + delay - start > (r.budgetMs ?? 30_000)) {
          throw new SlurmError('unavailable', `${err.message} (gave up after ${attempt} attempts in ${Math.round((this.#now() - start) / 100) / 10} s)`, { cause: err, where: err.where });
        }
        this.opts.onEvent?.({ kind: 'retry', op, attempt, delayMs: delay, error: err });
        await this.#sleep(delay);
        delay = Math.min(delay * 2, r.maxDelayMs ?? 5000);
      }
    }
  }
}
