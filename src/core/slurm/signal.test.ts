import { describe, expect, it } from 'vitest';
import { parseSignalSpec, type SignalSpec } from './signal.ts';

const cases: Record<string, { text: string; want?: Partial<SignalSpec>; wantError?: string }> = {
  'a name with a time': { text: 'USR1@300', want: { signal: 'USR1', number: 10, secondsBefore: 300, batchOnly: false } },
  'SIG prefix, default 60 s': { text: 'SIGTERM', want: { signal: 'TERM', number: 15, secondsBefore: 60 } },
  'a number': { text: '10@90', want: { signal: 'USR1', number: 10, secondsBefore: 90 } },
  'a real-time number keeps its number': { text: '40', want: { signal: '40', number: 40 } },
  'batch shell only': { text: 'B:USR1@120', want: { batchOnly: true, reservationOverlap: false } },
  'reservation overlap': { text: 'R:USR2', want: { reservationOverlap: true, batchOnly: false } },
  'both flags': { text: 'R:B:INT@10', want: { reservationOverlap: true, batchOnly: true, number: 2 } },
  'lower case': { text: 'b:usr1@0', want: { batchOnly: true, secondsBefore: 0 } },
  'an unknown signal': { text: 'USR3@60', wantError: '"USR3" is not a signal' },
  'a time too large': { text: 'USR1@65536', wantError: 'not a time from 0 to 65535' },
  'a time not a number': { text: 'USR1@soon', wantError: 'not a time' },
  'signal 0': { text: '0', wantError: 'out of range' },
  'an unknown flag': { text: 'X:USR1', wantError: '"X:USR1" is not a signal' },
  'empty': { text: '', wantError: 'not a signal specification' },
};

describe('parseSignalSpec', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseSignalSpec(c.text);
      if (c.wantError) {
        expect((r as { error: string }).error).toContain(c.wantError);
        expect((r as { error: string }).error).toContain('Slurm accepts --signal=');
      } else expect(r).toMatchObject(c.want ?? {});
    });
  }
});
