/**
 * slurmrestd client for REST API v0.0.38 (Slurm 22.05), JWT auth. Every request carries
 * X-SLURM-USER-NAME / X-SLURM-USER-TOKEN for one user: submissions as the job's user (the job runs as
 * the token's user), reads and cancels as the operator user.
 *
 * Quirks this handles (learned against 22.05): errors, a bad token included, come back as HTTP 500 with
 * `errors[].error_code`, so we classify by code, not status; `environment` must always be sent (else 400);
 * `nodes` must be an integer (the array form is silently ignored); unknown keys fail the whole request.
 */
import {
  classifySlurmErrno, pickJobs, SlurmError, type SlurmClient, type SlurmJob, type SlurmJobRequest, type SlurmNode,
} from './client.ts';

export interface RestClientOptions {
  /** e.g. http://127.0.0.1:6820 */
  url: string;
  /** Returns a token for the user (see JwtCache). */
  token: (user: string) => string;
  /** User for reads and cancels: must be a Slurm operator/admin (or root) to see and cancel others' jobs. */
  operatorUser: string;
  apiVersion?: string;
  /** Per-request timeout, ms. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Above this many ids, jobsById() lists every job instead of asking one by one. Default 64. */
  perJobFetchLimit?: number | undefined;
}

interface RestError { error?: string; error_code?: number; errno?: number; error_number?: number; description?: string }

export class SlurmRestClient implements SlurmClient {
  readonly kind = 'rest';
  readonly #base: string;
  constructor(private readonly opts: RestClientOptions) {
    this.#base = `${opts.url.replace(/\/+$/, '')}/slurm/${opts.apiVersion ?? 'v0.0.38'}`;
  }

  async submit(user: string, req: SlurmJobRequest): Promise<number> {
    const job: Record<string, unknown> = {
      name: req.name,
      comment: req.comment,
      nodes: req.nodes,
      tasks: req.tasks,
      time_limit: req.timeLimitMinutes,
      current_working_directory: req.workingDirectory,
      standard_output: req.stdoutPath,
      standard_error: req.stderrPath,
      environment: req.environment,
      // Cheomdan decides where a job runs; Slurm must not restart it elsewhere on its own.
      requeue: false,
    };
    if (req.partition) job.partition = req.partition;
    if (req.account) job.account = req.account;
    if (req.nodeList?.length) job.nodelist = req.nodeList.join(',');
    if (req.tasksPerNode) job.tasks_per_node = req.tasksPerNode;
    if (req.cpusPerTask) job.cpus_per_task = req.cpusPerTask;
    if (req.gresPerNode) job.gres = req.gresPerNode;
    if (req.memoryPerNodeMb) job.memory_per_node = req.memoryPerNodeMb;
    const body = await this.#request(user, 'POST', '/job/submit', { job, script: req.script });
    const id = (body as { job_id?: unknown }).job_id;
    if (typeof id !== 'number') throw new SlurmError('rejected', `slurmrestd accepted the job but returned no job_id: ${JSON.stringify(body)}`);
    return id;
  }

  async jobs(): Promise<SlurmJob[]> {
    const body = await this.#request(this.opts.operatorUser, 'GET', '/jobs');
    return ((body as { jobs?: SlurmJob[] }).jobs ?? []);
  }

  /**
   * Up to `perJobFetchLimit` jobs one by one (GET /job/{id}, ~4 KB each); more with one listing of every
   * job slurmctld holds, which grows with MinJobAge (3.4 MB and 0.34 s for 900 jobs on the test cluster).
   */
  async jobsById(ids: readonly number[]): Promise<Map<number, SlurmJob>> {
    const unique = [...new Set(ids)];
    if (unique.length > (this.opts.perJobFetchLimit ?? 64)) return pickJobs(await this.jobs(), unique);
    const out = new Map<number, SlurmJob>();
    let next = 0;
    // at most 8 requests in flight: slurmrestd and slurmctld serve them in parallel, but not without bound
    await Promise.all(Array.from({ length: Math.min(8, unique.length) }, async () => {
      while (next < unique.length) {
        const id = unique[next++] as number;
        try {
          const body = await this.#request(this.opts.operatorUser, 'GET', `/job/${id}`);
          const job = ((body as { jobs?: SlurmJob[] }).jobs ?? []).find((j) => j.job_id === id);
          if (job) out.set(id, job);
        } catch (e) {
          if (!(e instanceof SlurmError && e.kind === 'not_found')) throw e;
        }
      }
    }));
    return out;
  }

  async cancel(jobId: number): Promise<void> {
    try {
      await this.#request(this.opts.operatorUser, 'DELETE', `/job/${jobId}`);
    } catch (e) {
      // already finished (ESLURM_ALREADY_DONE) or gone: cancel is idempotent
      if (e instanceof SlurmError && (e.kind === 'not_found' || e.code === 2021)) return;
      throw e;
    }
  }

  async nodes(): Promise<SlurmNode[]> {
    const body = await this.#request(this.opts.operatorUser, 'GET', '/nodes');
    return ((body as { nodes?: SlurmNode[] }).nodes ?? []);
  }

  /** GET /ping: resolves when slurmrestd and slurmctld answer. */
  async ping(): Promise<void> {
    await this.#request(this.opts.operatorUser, 'GET', '/ping');
  }

  async #request(user: string, method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.#base + path, {
        method,
        headers: {
          'X-SLURM-USER-NAME': user,
          'X-SLURM-USER-TOKEN': this.opts.token(user),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      throw new SlurmError('unavailable', `slurmrestd at ${this.opts.url} did not answer ${method} ${path}: ${describeFetchError(e)}`, { cause: e, where: 'slurmrestd' });
    }
    const text = await res.text();
    let parsed: { errors?: RestError[] } | undefined;
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as { errors?: RestError[] });
    } catch {
      parsed = undefined;
    }
    const errors = (parsed?.errors ?? []).filter((e) => e.error_code !== 0 || e.error);
    if (res.ok && parsed && errors.length === 0) return parsed;
    if (res.status === 401 || res.status === 403) {
      throw new SlurmError('rejected', `slurmrestd refused the token for user "${user}" (HTTP ${res.status}): check the JWT key and that the user exists`);
    }
    if (!parsed) {
      throw new SlurmError(res.status >= 500 ? 'unavailable' : 'rejected', `slurmrestd ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`, { where: 'slurmrestd' });
    }
    const coded = errors.find((e) => [e.error_code, e.errno, e.error_number].some((c) => typeof c === 'number' && c !== 0));
    const code = coded?.error_code ?? coded?.errno ?? coded?.error_number;
    const message = errors.map((e) => [e.error, e.description].filter(Boolean).join(': ')).filter(Boolean).join('; ')
      || `HTTP ${res.status}`;
    // A read that fails without a Slurm error number ("Failed while looking for jobs", -1) is what
    // slurmrestd answers when slurmctld is down: retryable. A write without one is a refusal.
    const kind = code === undefined || code < 0 ? (method === 'GET' ? 'unavailable' : 'rejected') : classifySlurmErrno(code);
    throw new SlurmError(kind, `Slurm refused ${method} ${path} as "${user}": ${message}`, { code, where: 'slurmctld' });
  }
}

function describeFetchError(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? e.message;
  }
  return String(e);
}
