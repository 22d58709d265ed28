/**
 * Recovery after a restart (the controller's start): every unfinished job is loaded from the store.
 * Pending ones queue again; running ones (and `starting` ones with a handle) are re-adopted by handle and
 * observed on the first tick, so jobs that ended while the server was down are collected with their real
 * exit time; a job caught in `starting` without a handle adopts the executor's run of that attempt, or is
 * requeued when there is none; a `preempted` one is requeued. Stop requests made before the restart are
 * read back from the job's events and sent again.
 */
import type { JobRecord } from '../store/records.ts';
import { usageRows } from './apply.ts';
import { CANCEL_REQUESTED, PREEMPTING, type StepContext } from './options.ts';
import { requeue } from './requeue.ts';

export async function recover(c: StepContext): Promise<void> {
  const { o, state } = c;
  const jobs = await o.store.jobs.listByStates(['pending', 'starting', 'running', 'preempted']);
  for (const j of jobs) {
    if (j.state === 'pending') state.pending.set(j);
    else if (j.state === 'running' || (j.state === 'starting' && j.executorHandle)) {
      state.setActive(j);
      await recoverIntents(c, j);
    } else if (j.state === 'starting') await recoverStarting(c, j);
    else await requeue(c, j, o.clock(), 'requeued after preemption');
  }
  // Fair share's usage, from the metered intervals that still weigh (older than four half-lives: under 1/16).
  const since = o.clock() - 4 * o.scheduler.halfLifeSeconds * 1000;
  for (const u of await o.store.usage.closedDeviceIntervals(since)) state.recordUsage(u, 1, u.startedAt, u.endedAt);
  o.log.info({ pending: state.pending.size, running: state.activeCount }, 'controller recovered jobs');
}

/**
 * Stop requests for a running job outlive the server through the events written when they were made
 * (preemptJob's "preempting (…)", the job service's "cancel requested by …"), so that its exit is still
 * recorded as `preempted` (and requeued) or `cancelled`. Only requests since the job's last state change
 * count. The stop is sent again (cancel is idempotent): the server may have died before sending it.
 */
export async function recoverIntents(c: StepContext, j: JobRecord): Promise<void> {
  const { o, state } = c;
  const events = await o.store.events.list(j.id);
  let since = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.kind === 'state') {
      since = i + 1;
      break;
    }
  }
  const infos = events.slice(since).filter((e) => e.kind === 'info');
  const preempting = infos.some((e) => e.message.startsWith(PREEMPTING));
  const cancelled = infos.some((e) => e.message.startsWith(CANCEL_REQUESTED));
  if (preempting) state.preempting.add(j.id);
  if (cancelled) state.cancelRequested.add(j.id); // a user's cancel wins over a preemption (recordExit)
  if ((preempting || cancelled) && j.executorHandle) {
    await o.executor.cancel(j.executorHandle).catch((err) => o.log.error({ jobId: j.id, err }, 'could not resend a stop request after a restart'));
  }
}

/**
 * A job caught in `starting` with no handle: the server died between asking the executor and recording
 * the answer. If the executor knows a run of this attempt, adopt it (it is running, or its exit will be
 * collected); otherwise nothing was started and the job is requeued.
 */
export async function recoverStarting(c: StepContext, j: JobRecord): Promise<void> {
  const { o, state } = c;
  const now = o.clock();
  // The run of this very attempt, recorded with it at start (LaunchSpec.attempt). Counting runs would be
  // wrong: an attempt whose start failed before anything ran leaves no run, yet counts as an attempt.
  const handles = (await o.executor.lookup?.(j.id, j.attempt)) ?? [];
  const handle = handles[handles.length - 1];
  if (!handle) {
    await requeue(c, j, now, 'the server restarted before the job started');
    return;
  }
  for (const extra of handles.slice(0, -1)) {
    // Never expected (one start per attempt), but a second run of one attempt would be unmetered.
    await o.executor.cancel(extra).catch((err) => o.log.error({ jobId: j.id, handle: extra, err }, 'could not stop a duplicate run'));
  }
  const startedAt = j.updatedAt;
  const running: JobRecord = { ...j, state: 'running', executorHandle: handle, startedAt };
  const adopted = await o.store.transaction(async (tx) => {
    if (!(await tx.jobs.update(j.id, { state: 'running', executorHandle: handle, startedAt }, { expectState: 'starting' }))) return false;
    await tx.usage.open(usageRows(running, startedAt));
    await tx.events.append({ jobId: j.id, at: now, kind: 'state', fromState: 'starting', toState: 'running', message: 'adopted after a server restart during start' });
    return true;
  });
  if (!adopted) {
    // The job changed meanwhile (another server adopted or cancelled it). A run nobody records must not
    // keep its devices: stop it unless the job now names it.
    const current = await o.store.jobs.get(j.id);
    if (current?.executorHandle !== handle) {
      o.log.warn({ jobId: j.id, handle, state: current?.state }, 'job changed during recovery; stopping the run of its interrupted start');
      await o.executor.cancel(handle).catch((err) => o.log.error({ jobId: j.id, err }, 'could not stop an unrecorded run'));
    }
    return;
  }
  state.setActive(running);
}
