/**
 * Job dependencies, as `sbatch --dependency` reads them (sbatch(1), 22.05), and a pure evaluator of a
 * dependency against the states of the jobs it names.
 *
 *   after:ID[+MIN][:ID[+MIN]...]   each ID has started (or was cancelled), plus MIN minutes
 *   afterany:ID[:ID...]            each ID has ended, in any state
 *   afterok:ID[:ID...]             each ID ended successfully (exit code 0)
 *   afternotok:ID[:ID...]          each ID ended in failure (non-zero exit, time limit, node failure, ...)
 *   aftercorr:ID[:ID...]           task N of this array waits for task N of each ID to end successfully
 *   singleton                      no earlier job of the same name and user is pending or running
 * Clauses are joined by `,` (all must be satisfied) or `?` (any one); the two do not mix (Slurm refuses it).
 *
 * Job ids are opaque here (Cheomdan ids like `job_…` or an array task `…_7`); `lookup` interprets them.
 *
 * `dependencyState` answers one of three things, like Slurm's test_job_dependency():
 *   satisfied  the job may start (the scheduler then ignores the dependency)
 *   pending    not yet: the job's pending reason is `Dependency`
 *   never      it cannot be satisfied any more: `DependencyNeverSatisfied` (and --kill-on-invalid-dep
 *              cancels the job)
 * A job `lookup` does not know (purged from the records) counts as satisfied, as in Slurm ("job already
 * purged"); unknown ids are refused at submit time, so that only happens to jobs long finished.
 * Pure: `now` is passed in.
 */

export const DEPENDENCY_TYPES = ['after', 'afterany', 'afterok', 'afternotok', 'aftercorr', 'singleton'] as const;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];

export interface DependencyTarget {
  jobId: string;
  /** `after` only: minutes after the target started before this job may start. */
  delayMinutes?: number;
}

export interface DependencyClause {
  type: DependencyType;
  /** Empty for singleton. */
  targets: readonly DependencyTarget[];
}

export interface DependencySpec {
  /** `all` for `,`-joined clauses (and a single clause), `any` for `?`-joined. */
  combine: 'all' | 'any';
  clauses: readonly DependencyClause[];
}

const ACCEPTS =
  'Slurm accepts TYPE:JOBID[:JOBID...] with TYPE one of after, afterany, afterok, afternotok, aftercorr, or singleton, joined by "," (all) or "?" (any), e.g. --dependency=afterok:job_a:job_b or --dependency=after:job_a+10';

/** Parses a `--dependency` value. */
export function parseDependencySpec(text: string): DependencySpec | { error: string } {
  const s = text.trim();
  const bad = (why: string) => ({ error: `--dependency=${s}: ${why}; ${ACCEPTS}` });
  if (s === '') return bad('nothing given');
  const hasAll = s.includes(',');
  const hasAny = s.includes('?');
  if (hasAll && hasAny) return bad('"," (all) and "?" (any) cannot be mixed');
  const clauses: DependencyClause[] = [];
  for (const part of s.split(hasAny ? '?' : ',')) {
    if (part === 'singleton') {
      clauses.push({ type: 'singleton', targets: [] });
      continue;
    }
    const [type, ...ids] = part.split(':');
    if (type === 'afterburstbuffer') return bad('afterburstbuffer: burst buffers are not available here');
    if (type === 'expand') return bad('expand: growing a running job is not supported');
    if (!(DEPENDENCY_TYPES as readonly string[]).includes(type ?? '') || type === 'singleton') {
      return bad(`"${type}" is not a dependency type`);
    }
    if (ids.length === 0 || ids.some((id) => id === '')) return bad(`"${part}" names no job (give ${type}:JOBID)`);
    const targets: DependencyTarget[] = [];
    for (const id of ids) {
      const m = /^([A-Za-z0-9_.-]+?)(?:\+(\d+))?$/.exec(id);
      if (!m) return bad(`"${id}" is not a job id`);
      if (m[2] !== undefined && type !== 'after') return bad(`"${id}": a +MINUTES delay is only for after`);
      targets.push({ jobId: m[1] as string, ...(m[2] !== undefined ? { delayMinutes: Number(m[2]) } : {}) });
    }
    clauses.push({ type: type as DependencyType, targets });
  }
  return { combine: hasAny ? 'any' : 'all', clauses };
}

/** Every job id a spec names, once (for checks at submit: unknown, another organization's, itself, cycles). */
export function dependencyJobIds(spec: DependencySpec): string[] {
  return [...new Set(spec.clauses.flatMap((c) => c.targets.map((t) => t.jobId)))];
}

/** Formats a spec back into Slurm's syntax, as `scontrol show job` prints `Dependency=`. */
export function formatDependencySpec(spec: DependencySpec): string {
  return spec.clauses
    .map((c) =>
      c.type === 'singleton'
        ? 'singleton'
        : `${c.type}:${c.targets.map((t) => (t.delayMinutes !== undefined ? `${t.jobId}+${t.delayMinutes}` : t.jobId)).join(':')}`,
    )
    .join(spec.combine === 'any' ? '?' : ',');
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation.

/** What the evaluator needs to know about a job a dependency names. */
export interface DependencyJobView {
  /** Cheomdan's job states (core/jobState.ts); `preempted` waits to run again, like pending. */
  state: 'pending' | 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'preempted';
  /** ms since the epoch; set once it started. */
  startedAt?: number | undefined;
  /** ms since the epoch; set once it ended (or was cancelled). */
  endedAt?: number | undefined;
}

export interface DependencyLookup {
  /** The job a target names, or undefined when no record remains (counts as satisfied, as in Slurm). */
  job(jobId: string): DependencyJobView | undefined;
  /**
   * aftercorr: the task of the target array with this job's own task index (undefined when the dependent
   * job is not an array task, or the target has no such task: then the whole target is used).
   */
  correspondingTask?(jobId: string): DependencyJobView | undefined;
  /** singleton: whether an earlier job of the same name and user is pending or running. */
  singletonBlocked?(): boolean;
  now: number;
}

export type DependencyState = 'satisfied' | 'pending' | 'never';

const ENDED: ReadonlySet<DependencyJobView['state']> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

function targetState(type: DependencyType, target: DependencyTarget, lookup: DependencyLookup): DependencyState {
  const job = type === 'aftercorr' ? (lookup.correspondingTask?.(target.jobId) ?? lookup.job(target.jobId)) : lookup.job(target.jobId);
  if (job === undefined) return 'satisfied';
  switch (type) {
    case 'after': {
      // Started, or cancelled before it ran ("begin execution after the specified jobs have started or been cancelled").
      const at = job.startedAt ?? (job.state === 'cancelled' ? job.endedAt : undefined);
      if (at === undefined) return ENDED.has(job.state) ? 'satisfied' : 'pending';
      return lookup.now >= at + (target.delayMinutes ?? 0) * 60_000 ? 'satisfied' : 'pending';
    }
    case 'afterany':
      return ENDED.has(job.state) ? 'satisfied' : 'pending';
    case 'afterok':
    case 'aftercorr':
      return job.state === 'succeeded' ? 'satisfied' : ENDED.has(job.state) ? 'never' : 'pending';
    case 'afternotok':
      // A cancelled job counts as "not ok" in Slurm (any state other than COMPLETED).
      return job.state === 'succeeded' ? 'never' : ENDED.has(job.state) ? 'satisfied' : 'pending';
    case 'singleton':
      return 'satisfied';
  }
}

function clauseState(clause: DependencyClause, lookup: DependencyLookup): DependencyState {
  if (clause.type === 'singleton') return lookup.singletonBlocked?.() ? 'pending' : 'satisfied';
  return combine('all', clause.targets.map((t) => targetState(clause.type, t, lookup)));
}

function combine(how: 'all' | 'any', states: readonly DependencyState[]): DependencyState {
  if (how === 'all') {
    if (states.includes('never')) return 'never';
    return states.every((s) => s === 'satisfied') ? 'satisfied' : 'pending';
  }
  if (states.includes('satisfied')) return 'satisfied';
  return states.every((s) => s === 'never') ? 'never' : 'pending';
}

/** Whether a job with this dependency may start now, must wait, or never can (see the module header). */
export function dependencyState(spec: DependencySpec, lookup: DependencyLookup): DependencyState {
  return combine(spec.combine, spec.clauses.map((c) => clauseState(c, lookup)));
}

/**
 * A cycle through dependencies: the path from `jobId` back to itself, or undefined. `edges(id)` gives the
 * job ids a job depends on (its own spec's targets); the new job's edges are its spec's.
 */
export function findDependencyCycle(jobId: string, edges: (id: string) => readonly string[]): string[] | undefined {
  const seen = new Set<string>();
  const path: string[] = [jobId];
  const visit = (id: string): boolean => {
    for (const next of edges(id)) {
      if (next === jobId) {
        path.push(next);
        return true;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (visit(next)) return true;
      path.pop();
    }
    return false;
  };
  return visit(jobId) ? path : undefined;
}
