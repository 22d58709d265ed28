/**
 * Retention of finished jobs' directories (issue 15): a job's own directory under CHEOMDAN_HOME/jobs (its
 * logs, its dataset links) is removed `retentionDays` after the job ended; the job's record and events stay,
 * and its logs then answer 410 saying when and why they went. Removal never follows a link the job left.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheomdanError } from '../core/errors.ts';
import { asJobId } from '../core/ids.ts';
import { isTerminal } from '../core/jobState.ts';
import type { JobRecord } from '../store/records.ts';
import type { ServiceContext } from './context.ts';

export const DEFAULT_JOB_RETENTION_DAYS = 30;
const DAY = 86_400_000;

export class JobRetention {
  constructor(private readonly ctx: ServiceContext, readonly retentionDays = DEFAULT_JOB_RETENTION_DAYS) {}

  /** Removes the directories of jobs that ended more than the retention ago; returns how many. */
  async sweep(now = this.ctx.clock()): Promise<number> {
    if (this.retentionDays <= 0) return 0;
    const root = this.ctx.config.logsDir;
    let removed = 0;
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const job = await this.ctx.store.jobs.get(asJobId(name));
      if (!job || !isTerminal(job.state) || job.endedAt === null || job.endedAt > now - this.retentionDays * DAY) continue;
      const dir = join(root, name);
      const st = await lstat(dir).catch(() => null);
      if (!st?.isDirectory()) continue;
      await rm(dir, { recursive: true, force: true }); // rm does not follow links inside
      await this.ctx.store.events.append({ jobId: job.id, at: now, kind: 'info', fromState: null, toState: null, message: `run directory removed ${this.retentionDays} days after the job ended (logs are no longer kept)` });
      removed++;
    }
    return removed;
  }

  /** Throws `gone` when a finished job's logs were removed by retention. */
  async mustHaveLogs(job: JobRecord): Promise<void> {
    if (!isTerminal(job.state) || this.retentionDays <= 0) return;
    const dir = dirname(job.stdoutPath);
    if (await lstat(dir).then(() => true, () => false)) return;
    if (job.endedAt !== null && job.endedAt <= this.ctx.clock() - this.retentionDays * DAY) {
      throw new CheomdanError('gone', `the logs of job ${job.id} were removed: run directories are kept ${this.retentionDays} days after a job ends (it ended ${new Date(job.endedAt).toISOString()})`);
    }
  }
}
