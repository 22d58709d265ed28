/**
 * The job state machine.
 *
 *   pending ──start──▶ starting ──running──▶ running ──▶ succeeded | failed | timed_out | cancelled | preempted
 *      │                  │                     
 *      │                  └─(start failed)──▶ pending (requeued with a reason)
 *      └──cancel──▶ cancelled
 *   preempted ──requeue──▶ pending   (a preempted job waits again; its usage so far stays metered)
 *
 * Each transition is one function below that checks the state it comes from and returns the new state, or
 * throws `invalid_transition` naming where the job is and what was asked. Terminal states never change.
 */
import { CheomdanError } from './errors.ts';

export const JOB_STATES = [
  'pending', 'starting', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'preempted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
export const ACTIVE_STATES: ReadonlySet<JobState> = new Set(['starting', 'running']);
export const isTerminal = (s: JobState): boolean => TERMINAL_STATES.has(s);

export type Transition = 'start' | 'run' | 'requeue' | 'finish' | 'fail' | 'time_out' | 'cancel' | 'preempt';

function check(transition: Transition, from: JobState, allowed: readonly JobState[]): void {
  if (!allowed.includes(from)) {
    throw new CheomdanError(
      'invalid_transition',
      `cannot ${transition.replace('_', ' ')} a job that is ${from}; allowed from: ${allowed.join(', ')}`,
      { extra: { from, transition } },
    );
  }
}

/** The scheduler placed the job; the executor is being asked to start it. */
export function start(from: JobState): JobState {
  check('start', from, ['pending']);
  return 'starting';
}
/** The executor confirmed the processes exist. */
export function run(from: JobState): JobState {
  check('run', from, ['starting']);
  return 'running';
}
/** Back to the queue: a failed start, or a preempted job waiting again. */
export function requeue(from: JobState): JobState {
  check('requeue', from, ['starting', 'preempted']);
  return 'pending';
}
/** Exit code 0. */
export function finish(from: JobState): JobState {
  check('finish', from, ['starting', 'running']);
  return 'succeeded';
}
/** Non-zero exit, killed by a signal, or lost by the executor. */
export function fail(from: JobState): JobState {
  check('fail', from, ['starting', 'running']);
  return 'failed';
}
export function timeOut(from: JobState): JobState {
  check('time_out', from, ['starting', 'running']);
  return 'timed_out';
}
export function cancel(from: JobState): JobState {
  check('cancel', from, ['pending', 'starting', 'running', 'preempted']);
  return 'cancelled';
}
export function preempt(from: JobState): JobState {
  check('preempt', from, ['starting', 'running']);
  return 'preempted';
}
