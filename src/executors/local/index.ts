/**
 * The local executor: runs each job as real processes on this host, under a small detached supervisor
 * (supervisor.ts) that outlives the server. All state is in files under `stateDir` (runDir.ts), so a new
 * executor instance — in a new server process after a crash — observes, cancels and reads the logs of jobs
 * an earlier one started. Closing the executor never stops a job.
 *
 * What a job gets (environment.ts): CHEOMDAN_* variables and CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES
 * set to the devices of its placement, on an environment built from its account, never the server's
 * (runAs.ts). It runs as `LaunchSpec.owner` (root servers; runAs.ts) in a cgroup of its own where one can
 * be made (cgroups.ts: cancel, the time limit and the job's end reach every descendant, and the memory
 * request is enforced), else tracked by process group, with a warning at creation. The script runs once per job, whatever the number of tasks or
 * nodes in the placement (this is one host; a declared node's devices may not exist).
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CheomdanError } from '../../core/errors.ts';
import type { Executor, ExecutorHandle, LaunchSpec, LogOptions, Observation } from '../types.ts';
import { cancelRun } from './cancel.ts';
import { detectCgroups, type CgroupSupport } from './cgroups.ts';
import { launch, resolveTools, type LaunchContext } from './launch.ts';
import { lookupRuns } from './lookup.ts';
import { tailFile } from './logs.ts';
import { hasEnded, observeOne } from './observe.ts';
import { runsDir } from './runDir.ts';

export interface LocalExecutorOptions {
  /** Absolute directory for run directories (`<stateDir>/runs/<runId>/`); created if missing. */
  stateDir: string;
  /** Seconds between SIGTERM and SIGKILL when a spec does not say; default 10. */
  gracePeriodSeconds?: number | undefined;
  /** Wall-clock ms since the epoch, for start times; default Date.now. */
  clock?: (() => number) | undefined;
  /**
   * Names of the server's environment variables a job receives anyway; default none: a job's environment
   * is built from its account (runAs.ts), never from the server's.
   */
  inheritEnvironment?: readonly string[] | undefined;
  /** Directory under which jobs' private output directories lie; default `<stateDir>/jobs` ($CHEOMDAN_HOME/jobs). */
  outputRoot?: string | undefined;
  /**
   * Process tracking: 'auto' (default) uses a cgroup per job where /sys/fs/cgroup (v2, or v1 pids/freezer/
   * memory) is writable, else process groups with a warning; 'off' always uses process groups; an object
   * names another mount point or parent directory (tests).
   */
  cgroups?: 'auto' | 'off' | { mount?: string; parent?: string } | undefined;
  /** Where the executor reports a degraded set-up (no cgroups); default process.emitWarning. */
  warn?: ((message: string) => void) | undefined;
  /** How often a followed log is polled for new output, in ms; default 100. */
  logPollIntervalMs?: number | undefined;
}

/** Default grace period: long enough for a training job to write a checkpoint on SIGTERM (Slurm's KillWait is 30 s). */
export const DEFAULT_GRACE_PERIOD_SECONDS = 10;

/** Observations in flight at once: each reads two or three small files; stays far below open-file limits. */
const OBSERVE_CONCURRENCY = 32;

/** `Promise.all(items.map(fn))` with at most `limit` calls pending; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The local executor, with how it tracks jobs (for the server's start line and GET /healthz). */
export interface LocalExecutor extends Executor {
  readonly tracking: 'cgroup-v1' | 'cgroup-v2' | 'process-group';
}

function cgroupSupport(opts: LocalExecutorOptions): CgroupSupport {
  const c = opts.cgroups ?? 'auto';
  if (c === 'off') return { version: 0, reason: 'cgroups are turned off in the configuration' };
  return c === 'auto' ? detectCgroups() : detectCgroups(c.mount, c.parent);
}

export function createLocalExecutor(opts: LocalExecutorOptions): LocalExecutor {
  if (!isAbsolute(opts.stateDir)) {
    throw new CheomdanError('invalid_config', `local executor: stateDir must be an absolute path, got "${opts.stateDir}"`);
  }
  mkdirSync(runsDir(opts.stateDir), { recursive: true });
  const ctx: LaunchContext = {
    stateDir: opts.stateDir,
    tools: resolveTools(),
    defaultGracePeriodSeconds: opts.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS,
    clock: opts.clock ?? Date.now,
    inheritEnvironment: opts.inheritEnvironment ?? [],
    cgroups: cgroupSupport(opts),
    outputRoot: opts.outputRoot ?? join(opts.stateDir, 'jobs'),
  };
  if (ctx.cgroups.version === 0) {
    (opts.warn ?? ((m: string) => process.emitWarning(m, 'CheomdanWarning')))(
      `local executor: ${ctx.cgroups.reason}; jobs are tracked by process group, so a process that calls setsid escapes cancel and the time limit, and memory requests are not enforced`,
    );
  }
  const closing = new AbortController();

  return {
    name: 'local',
    tracking: ctx.cgroups.version === 0 ? 'process-group' : ctx.cgroups.version === 1 ? 'cgroup-v1' : 'cgroup-v2',
    start: (spec: LaunchSpec) => launch(ctx, spec),
    cancel: (handle: ExecutorHandle) => cancelRun(opts.stateDir, handle),
    observe: (handles: readonly ExecutorHandle[]): Promise<Observation[]> =>
      mapLimit(handles, OBSERVE_CONCURRENCY, (h) => observeOne(opts.stateDir, h)),
    lookup: (jobId, attempt) => lookupRuns(opts.stateDir, jobId, attempt),
    logs(handle, spec, logOpts: LogOptions): AsyncIterable<Buffer> {
      const signal = logOpts.signal === undefined ? closing.signal : AbortSignal.any([logOpts.signal, closing.signal]);
      return tailFile(logOpts.stream === 'stdout' ? spec.stdoutPath : spec.stderrPath, {
        offset: logOpts.offset,
        follow: logOpts.follow,
        signal,
        hasEnded: () => hasEnded(opts.stateDir, handle),
        pollIntervalMs: opts.logPollIntervalMs,
      });
    },
    async close() {
      closing.abort();
    },
  };
}

export { DEFAULT_INHERITED_ENVIRONMENT } from './environment.ts';
