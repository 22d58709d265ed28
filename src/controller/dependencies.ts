/**
 * The controller's dependency step (issue 16): before each cycle, every pending job with a `--dependency`
 * is evaluated (core/slurm/dependency.ts, as Slurm's test_job_dependency) against the jobs it names — the
 * controller's own pending and active jobs, and for the rest their stored records (an ended job's state
 * never changes, so it is read once and kept). The scheduler holds a job whose dependency is pending
 * (reason `dependency`) or can never be satisfied (`dependency_never_satisfied`); with
 * --kill-on-invalid-dep=yes the latter is cancelled here, as Slurm does.
 */
import { asJobId } from '../core/ids.ts';
import * as jobState from '../core/jobState.ts';
import { dependencyJobIds, dependencyState, formatDependencySpec, type DependencyJobView } from '../core/slurm/dependency.ts';
import type { JobRecord } from '../store/records.ts';
import type { StepContext } from './options.ts';

/** Ended jobs named by dependencies, by id (kept: an ended job's state never changes). */
export type EndedJobs = Map<string, DependencyJobView | null>;

const view = (j: JobRecord): DependencyJobView => ({
  state: j.state as DependencyJobView['state'],
  ...(j.startedAt !== null ? { startedAt: j.startedAt } : {}),
  ...(j.endedAt !== null ? { endedAt: j.endedAt } : {}),
});

export async function evaluateDependencies(c: StepContext, ended: EndedJobs, now: number): Promise<void> {
  const { state, o } = c;
  if (state.pending.dependent.size === 0) return;
  const live = (id: string): JobRecord | undefined => state.pending.get(id) ?? state.activeJob(id);
  // Targets neither pending nor active: read their records once (those still unended are read again next tick).
  for (const id of [...state.pending.dependent]) {
    const job = state.pending.get(id);
    if (!job?.dependency) continue;
    for (const t of dependencyJobIds(job.dependency.spec)) {
      if (live(t) || ended.has(t)) continue;
      const r = await o.store.jobs.get(asJobId(t));
      if (r === undefined) ended.set(t, null);
      else if (jobState.isTerminal(r.state)) ended.set(t, view(r));
      else if (!live(t)) ended.set(t, view(r)); // e.g. another server's: a snapshot for this tick
    }
  }
  const lookup = (id: string): DependencyJobView | undefined => {
    const j = live(id);
    if (j) return view(j);
    return ended.get(id) ?? undefined;
  };
  for (const id of [...state.pending.dependent]) {
    const job = state.pending.get(id);
    if (!job?.dependency) continue;
    const result = dependencyState(job.dependency.spec, {
      job: lookup,
      singletonBlocked: () => singletonBlocked(c, job),
      now,
    });
    const spec = formatDependencySpec(job.dependency.spec);
    if (result === 'never' && job.dependency.killOnInvalid) {
      await cancelNeverSatisfied(c, job, spec, now);
      continue;
    }
    state.pending.hold(id, result === 'satisfied' ? undefined : { state: result, spec });
  }
  // Unended records read for this tick only: read again next time.
  for (const [id, v] of ended) if (v !== null && !jobState.isTerminal(v.state)) ended.delete(id);
}

/** singleton: an earlier job of the same name and user is pending or running. */
function singletonBlocked(c: StepContext, job: JobRecord): boolean {
  const earlier = (j: JobRecord) => j.id !== job.id && j.userId === job.userId && j.name === job.name && j.submittedAt < job.submittedAt;
  for (const j of c.state.activeJobs()) if (earlier(j)) return true;
  for (const j of c.state.pending.values()) if (earlier(j)) return true;
  return false;
}

async function cancelNeverSatisfied(c: StepContext, job: JobRecord, spec: string, now: number): Promise<void> {
  const why = `its dependency ${spec} can never be satisfied (--kill-on-invalid-dep=yes)`;
  const done = await c.o.store.transaction(async (tx) => {
    const ok = await tx.jobs.update(job.id, { state: 'cancelled', endedAt: now, failureReason: why, pendingReason: null, pendingMessage: null, estimatedStart: null }, { expectState: 'pending' });
    if (ok) await tx.events.append({ jobId: job.id, at: now, kind: 'state', fromState: 'pending', toState: 'cancelled', message: `cancelled: ${why}` });
    return ok;
  });
  c.state.pending.delete(job.id);
  c.state.explained.delete(job.id);
  if (done) c.changed(job, 'cancelled');
}
