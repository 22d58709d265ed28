/**
 * Slurm job records -> Cheomdan observations. Pure.
 *
 *   PENDING, CONFIGURING, RUNNING, COMPLETING, SUSPENDED, ...  -> running (startedAt = Slurm's start_time)
 *   COMPLETED                                                   -> exited, the script's exit code
 *   FAILED                                                      -> exited, non-zero code or a signal
 *   CANCELLED                                                   -> exited, cancelled (or timedOut when the
 *                                                                  executor's watchdog ended it at its limit)
 *   TIMEOUT                                                     -> exited, timedOut
 *   NODE_FAIL, BOOT_FAIL, OUT_OF_MEMORY, DEADLINE, PREEMPTED    -> exited, no exit code, `detail` says why
 *   (no record)                                                 -> lost
 *
 * Times are epoch milliseconds (the local executor's unit); Slurm reports whole seconds.
 * `exit_code` is the raw wait status: exit code in bits 8-15, terminating signal in bits 0-6; a status
 * 128+N from the shell counts as signal N (executors/types.ts).
 */
import { constants } from 'node:os';
import type { ExecutorHandle, Observation } from '../types.ts';
import type { SlurmJob } from './client.ts';

/** An observation with Slurm's own state and reason, for the operator and the controller's messages. */
export type SlurmObservation = Observation & { slurmState?: string; detail?: string; preempted?: boolean };

export interface Markers {
  cancelled: boolean;
  timedOut: boolean;
  preempted: boolean;
}

const RUNNING_STATES = new Set([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'RESIZING',
  'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'STOPPED', 'POWER_UP_NODE', 'UPDATE_DB',
]);

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, num]) => [num as number, name]));

/** Slurm's base state: job_state may carry flags ("RUNNING,COMPLETING" / "CANCELLED by 0"). */
export function baseState(jobState: string): string {
  return jobState.split(/[ ,+]/)[0]?.toUpperCase() ?? '';
}

export function decodeExit(raw: number | null | undefined): { exitCode: number | null; signal: string | null } {
  if (raw === null || raw === undefined || raw < 0) return { exitCode: null, signal: null };
  const sig = raw & 0x7f;
  if (sig !== 0) return { exitCode: null, signal: signalName(sig) };
  const code = (raw >> 8) & 0xff;
  // a shell's status 128+N is death by signal N (the contract counts it as the signal)
  if (code > 128 && code < 128 + 65) return { exitCode: null, signal: signalName(code - 128) };
  return { exitCode: code, signal: null };
}

function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `SIG${n}`;
}

export function isActive(job: SlurmJob): boolean {
  return RUNNING_STATES.has(baseState(job.job_state));
}

/** A job Slurm put back in its queue after it had started (restart_cnt counts the requeues). */
export function isRequeued(job: SlurmJob): boolean {
  const s = baseState(job.job_state);
  return (job.restart_cnt ?? 0) > 0 && (s === 'PENDING' || s.startsWith('REQUEUE'));
}

export function observationOf(handle: ExecutorHandle, job: SlurmJob, m: Markers): SlurmObservation {
  const state = baseState(job.job_state);
  const startedAt = (job.start_time || job.submit_time || 0) * 1000;
  if (RUNNING_STATES.has(state)) return { handle, state: 'running', startedAt, slurmState: state };
  const endedAt = Math.max(startedAt, (job.end_time || 0) * 1000);
  const { exitCode, signal } = decodeExit(job.exit_code);
  const base = { handle, state: 'exited' as const, startedAt, endedAt, slurmState: state };
  switch (state) {
    case 'COMPLETED':
    case 'FAILED':
      return { ...base, exitCode, signal, timedOut: false, cancelled: false };
    case 'TIMEOUT':
      return { ...base, exitCode, signal, timedOut: true, cancelled: false };
    case 'CANCELLED':
      // The watchdog's cancel at the time limit is a timeout, not a cancellation.
      return {
        ...base, exitCode, signal, timedOut: m.timedOut && !m.cancelled, cancelled: !m.timedOut || m.cancelled,
        ...(m.preempted ? { preempted: true } : {}),
      };
    default:
      return {
        ...base, exitCode: null, signal, timedOut: false, cancelled: false,
        detail: `Slurm ended job ${job.job_id}: ${state}${job.state_reason && job.state_reason !== 'None' ? ` (${job.state_reason})` : ''}${job.nodes ? ` on ${job.nodes}` : ''}`,
      };
  }
}

export function lostObservation(handle: ExecutorHandle): SlurmObservation {
  return {
    handle, state: 'lost',
    detail: `Slurm has no record of job ${handle}: it was never accepted, slurmctld lost its state, or it ended longer ago than MinJobAge`,
  };
}
