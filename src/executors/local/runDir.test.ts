import { describe, expect, it } from 'vitest';
import { asJobId } from '../../core/ids.ts';
import { parseProcStat } from './proc.ts';
import { handleFor, newRunId, runIdOf } from './runDir.ts';

describe('handles', () => {
  const cases: Record<string, { handle: string; want: string | null }> = {
    'a run id': { handle: 'local:job_1.mww07qen8ec64f', want: 'job_1.mww07qen8ec64f' },
    'another executor\'s handle': { handle: 'slurm:1234', want: null },
    'no prefix': { handle: 'job_1.abc', want: null },
    'empty run id': { handle: 'local:', want: null },
    'parent directory': { handle: 'local:..', want: null },
    'a path': { handle: 'local:../../etc', want: null },
    'a slash': { handle: 'local:a/b', want: null },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(runIdOf(c.handle)).toBe(c.want));
  }

  it('round-trips a run id made from any job id', () => {
    const runId = newRunId(asJobId('tenant/job 42:ü'), 1_795_603_923_322);
    expect(runId).toMatch(/^tenant_job_42__\.[a-z0-9]+$/);
    expect(runIdOf(handleFor(runId))).toBe(runId);
  });
});

describe('parseProcStat', () => {
  it('reads state, group, session and start time past a command name with spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S'; // state (field 3)
    fields[2] = '4242'; // pgrp (field 5)
    fields[3] = '4240'; // session (field 6)
    fields[19] = '987654321'; // starttime (field 22)
    expect(parseProcStat(`4243 (a (weird) name) ${fields.join(' ')}\n`)).toEqual({
      pid: 4243, state: 'S', pgrp: 4242, session: 4240, startTicks: '987654321',
    });
  });
  it('rejects text that is not a stat line', () => expect(parseProcStat('garbage')).toBeNull());
});
