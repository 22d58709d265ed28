import { describe, expect, it } from 'vitest';
import { exitFromStatus, parseSupervisorStatus, reachedTimeLimit, type SupervisorStatus } from './supervisor.ts';

describe('parseSupervisorStatus', () => {
  const good = 'kind=exited\nrc=143\nelapsedCs=201\nendedAt=1795603923322\ncancelled=1\n';
  const cases: Record<string, { text: string; want: SupervisorStatus | null }> = {
    'a complete status': {
      text: good,
      want: { kind: 'exited', rc: 143, elapsedCs: 201, endedAt: 1795603923322, cancelled: true },
    },
    'fields in any order': {
      text: 'cancelled=0\nendedAt=5\nelapsedCs=0\nrc=0\nkind=not_started\n',
      want: { kind: 'not_started', rc: 0, elapsedCs: 0, endedAt: 5, cancelled: false },
    },
    'an empty file': { text: '', want: null },
    'a missing end time (date failed)': { text: good.replace(/endedAt=\d+/, 'endedAt='), want: null },
    'an unknown kind': { text: good.replace('kind=exited', 'kind=weird'), want: null },
    'a non-numeric exit status': { text: good.replace('rc=143', 'rc=x'), want: null },
    'a cancelled flag that is not 0 or 1': { text: good.replace('cancelled=1', 'cancelled=yes'), want: null },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(parseSupervisorStatus(c.text)).toEqual(c.want));
  }
});

describe('exitFromStatus', () => {
  const cases: Record<string, { rc: number; want: ReturnType<typeof exitFromStatus> }> = {
    success: { rc: 0, want: { exitCode: 0, signal: null } },
    'plain failure': { rc: 42, want: { exitCode: 42, signal: null } },
    '128 is an exit code': { rc: 128, want: { exitCode: 128, signal: null } },
    'SIGTERM': { rc: 143, want: { exitCode: null, signal: 'SIGTERM' } },
    'SIGKILL': { rc: 137, want: { exitCode: null, signal: 'SIGKILL' } },
    'SIGSEGV': { rc: 139, want: { exitCode: null, signal: 'SIGSEGV' } },
    'above 128 but no signal we know': { rc: 250, want: { exitCode: 250, signal: null } },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(exitFromStatus(c.rc)).toEqual(c.want));
  }
});

describe('reachedTimeLimit', () => {
  const status = (elapsedCs: number, cancelled = false): SupervisorStatus =>
    ({ kind: 'exited', rc: 143, elapsedCs, endedAt: 0, cancelled });
  const cases: Record<string, { status: SupervisorStatus; limit: number; want: boolean }> = {
    'ended well before the limit': { status: status(150), limit: 2, want: false },
    'ran the full limit': { status: status(200), limit: 2, want: true },
    'one /proc/uptime tick short (rounding)': { status: status(199), limit: 2, want: true },
    'killed during the grace period': { status: status(310), limit: 2, want: true },
    'cancelled, even past the limit': { status: status(310, true), limit: 2, want: false },
    'never started': { status: { ...status(500), kind: 'not_started' }, limit: 2, want: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(reachedTimeLimit(c.status, c.limit)).toBe(c.want));
  }
});
