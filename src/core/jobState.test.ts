import { describe, expect, it } from 'vitest';
import { CheomdanError } from './errors.ts';
import * as js from './jobState.ts';

type Fn = (from: js.JobState) => js.JobState;
const transitions: Record<string, { fn: Fn; from: js.JobState[]; to: js.JobState }> = {
  start: { fn: js.start, from: ['pending'], to: 'starting' },
  run: { fn: js.run, from: ['starting'], to: 'running' },
  requeue: { fn: js.requeue, from: ['starting', 'preempted'], to: 'pending' },
  finish: { fn: js.finish, from: ['starting', 'running'], to: 'succeeded' },
  fail: { fn: js.fail, from: ['starting', 'running'], to: 'failed' },
  timeOut: { fn: js.timeOut, from: ['starting', 'running'], to: 'timed_out' },
  cancel: { fn: js.cancel, from: ['pending', 'starting', 'running', 'preempted'], to: 'cancelled' },
  preempt: { fn: js.preempt, from: ['starting', 'running'], to: 'preempted' },
};

describe('job state machine', () => {
  for (const [name, t] of Object.entries(transitions)) {
    for (const from of js.JOB_STATES) {
      const allowed = t.from.includes(from);
      it(`${name} from ${from} ${allowed ? `→ ${t.to}` : 'is refused'}`, () => {
        if (allowed) expect(t.fn(from)).toBe(t.to);
        else {
          expect(() => t.fn(from)).toThrow(CheomdanError);
          try {
            t.fn(from);
          } catch (e) {
            expect((e as CheomdanError).code).toBe('invalid_transition');
            expect((e as Error).message).toContain(`is ${from}`);
          }
        }
      });
    }
  }
  it('never leaves a terminal state', () => {
    for (const s of js.TERMINAL_STATES) for (const t of Object.values(transitions)) expect(() => t.fn(s)).toThrow();
  });
});
