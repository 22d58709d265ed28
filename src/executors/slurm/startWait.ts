/**
 * start()'s wait for Slurm to run what it accepted. One shared loop serves every start() in flight: one
 * fetch per tick (GET /job/{id} for a few, one listing for many), however many jobs wait.
 *
 *   RUNNING (or already ended)                     -> resolve with the job
 *   PENDING for a reason that cannot clear         -> reject with Slurm's reason (the caller cancels)
 *   launched as another user / requeued at launch  -> reject: the user is unknown or cannot write its files
 *   still PENDING at the deadline                  -> reject with the reason Slurm gives
 *   Slurm unreachable until the deadline           -> resolve null (it was accepted; observe() will tell)
 */
import { SlurmError, type SlurmClient, type SlurmJob } from './client.ts';
import { nodeState } from './inventory.ts';
import { baseState, isRequeued } from './states.ts';

/** Pending reasons that will not clear by waiting: fail the start at once with the reason. */
const HOPELESS = /^(ReqNodeNotAvail|PartitionNodeLimit|PartitionTimeLimit|PartitionDown|PartitionInactive|BadConstraints|InvalidAccount|InvalidQOS|NodeDown|JobHeldAdmin|JobHeldUser|DependencyNeverSatisfied|Assoc.*Limit|QOS.*Limit|AccountNotAllowed)/;

interface Waiter {
  user: string;
  nodes: readonly string[];
  deadline: number;
  resolve: (job: SlurmJob | null) => void;
  reject: (e: Error) => void;
}

export interface StartWaiterOptions {
  timeoutMs: number;
  pollMs: number;
  now: () => number;
}

export class StartWaiter {
  readonly #waiters = new Map<number, Waiter>();
  #polling = false;
  #closed = false;

  constructor(private readonly c: SlurmClient, private readonly opts: StartWaiterOptions) {}

  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.values()) w.resolve(null);
    this.#waiters.clear();
  }

  /** Resolves with the job once Slurm runs (or already ended) it; null when Slurm could not be asked. */
  wait(id: number, user: string, nodes: readonly string[]): Promise<SlurmJob | null> {
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { user, nodes, deadline: this.opts.now() + this.opts.timeoutMs, resolve, reject });
      void this.#poll();
    });
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      while (this.#waiters.size > 0 && !this.#closed) {
        await sleep(this.opts.pollMs);
        let jobs: Map<number, SlurmJob> | null = null;
        try {
          jobs = await this.c.jobsById([...this.#waiters.keys()]);
        } catch (e) {
          if (!(e instanceof SlurmError && e.kind === 'unavailable')) throw e;
        }
        const byId = jobs ?? new Map<number, SlurmJob>();
        const now = this.opts.now();
        // ReqNodeNotAvail is final only while a node of the job is DOWN or DRAINED. Nodes UNKNOWN right
        // after a slurmctld start are registering, and the reason stays until the next scheduling pass
        // after they did: keep waiting then. Nodes are asked only when a waiting job has that reason.
        let unavailable: Set<string> | undefined;
        if ([...this.#waiters.keys()].some((id) => byId.get(id)?.state_reason === 'ReqNodeNotAvail')) {
          unavailable = new Set((await this.c.nodes().catch(() => []))
            .filter((n) => nodeState(n.state, n.state_flags ?? []) !== 'up' && !/^unknown$/i.test(n.state)).map((n) => n.name));
        }
        for (const [id, w] of this.#waiters) {
          const job = byId.get(id);
          const state = job ? baseState(job.job_state) : undefined;
          const done = () => this.#waiters.delete(id);
          if (job?.user_name && job.user_name !== w.user) {
            done();
            w.reject(new SlurmError('rejected', `slurmctld does not know Linux user "${w.user}" (it would run the job as "${job.user_name}"): create the user on the cluster or fix the user mapping`));
          } else if (job && isRequeued(job)) {
            done();
            w.reject(new SlurmError('rejected', `Slurm could not launch it and requeued it (${job.state_reason}): check that user "${w.user}" exists on the nodes and can write the working directory and log paths`));
          } else if (job && state !== 'PENDING' && state !== 'CONFIGURING') {
            done();
            w.resolve(job);
          } else if (job && HOPELESS.test(job.state_reason ?? '')
            && (job.state_reason !== 'ReqNodeNotAvail' || w.nodes.some((n) => unavailable?.has(n)))) {
            done();
            w.reject(new SlurmError('rejected', `Slurm cannot run it: ${job.state_reason}${job.state_description ? ` (${job.state_description})` : ''}`));
          } else if (now >= w.deadline) {
            done();
            if (jobs === null) w.resolve(null);
            else w.reject(new SlurmError('rejected', job
              ? `Slurm kept it ${state} for ${Math.round(this.opts.timeoutMs / 1000)} s (reason: ${job.state_reason})`
              : 'Slurm does not list it'));
          }
        }
      }
    } catch (e) {
      for (const w of this.#waiters.values()) w.reject(e as Error);
      this.#waiters.clear();
    } finally {
      this.#polling = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
