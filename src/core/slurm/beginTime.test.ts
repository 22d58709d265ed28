import { describe, expect, it } from 'vitest';
import { parseSlurmDateTime } from './beginTime.ts';

// 2026-12-07 06:30:00 UTC, a Monday.
const now = Date.UTC(2026, 11, 7, 6, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const cases: Record<string, { text: string; offset?: number; want?: string; wantError?: string }> = {
  'HH:MM later today': { text: '16:00', want: '2026-12-07T16:00:00Z' },
  'HH:MM:SS already passed: tomorrow': { text: '06:29:59', want: '2026-12-08T06:29:59Z' },
  'PM': { text: '4:00PM', want: '2026-12-07T16:00:00Z' },
  '12 AM is midnight': { text: '12:00 am', want: '2026-12-08T00:00:00Z' },
  'MMDD': { text: '1225', want: '2026-12-25T00:00:00Z' },
  'MMDDYY': { text: '010227', want: '2027-01-02T00:00:00Z' },
  'MM/DD passed this year: next year': { text: '12/01', want: '2027-12-01T00:00:00Z' },
  'MM/DD/YY': { text: '12/24/26', want: '2026-12-24T00:00:00Z' },
  'MM.DD.YY': { text: '12.24.26', want: '2026-12-24T00:00:00Z' },
  'MM/DD-HH:MM': { text: '12/07-18:15', want: '2026-12-07T18:15:00Z' },
  'YYYY-MM-DD': { text: '2027-03-01', want: '2027-03-01T00:00:00Z' },
  'YYYY-MM-DDTHH:MM:SS': { text: '2026-12-31T23:59:30', want: '2026-12-31T23:59:30Z' },
  'now': { text: 'now', want: '2026-12-07T06:30:00Z' },
  'now+N is seconds by default': { text: 'now+90', want: '2026-12-07T06:31:30Z' },
  'now+1hour': { text: 'now+1hour', want: '2026-12-07T07:30:00Z' },
  'now+2days': { text: 'now+2days', want: '2026-12-09T06:30:00Z' },
  'now+1week': { text: 'now+1week', want: '2026-12-14T06:30:00Z' },
  'now+30minutes': { text: 'now+30minutes', want: '2026-12-07T07:00:00Z' },
  'midnight': { text: 'midnight', want: '2026-12-08T00:00:00Z' },
  'noon': { text: 'noon', want: '2026-12-07T12:00:00Z' },
  'teatime': { text: 'teatime', want: '2026-12-07T16:00:00Z' },
  'elevenses': { text: 'elevenses', want: '2026-12-07T11:00:00Z' },
  'fika': { text: 'fika', want: '2026-12-07T15:00:00Z' },
  'today': { text: 'today', want: '2026-12-07T00:00:00Z' },
  'tomorrow': { text: 'TOMORROW', want: '2026-12-08T00:00:00Z' },
  'in Korea (UTC+9) noon has passed: the next one': { text: 'noon', offset: 540, want: '2026-12-08T03:00:00Z' },
  'in Korea, tomorrow': { text: 'tomorrow', offset: 540, want: '2026-12-07T15:00:00Z' },
  'not a format': { text: 'next tuesday', wantError: 'not a date or time' },
  'an hour too large': { text: '25:00', wantError: 'not a time of day' },
  'not a date': { text: '2026-02-30', wantError: 'is not a date' },
  'a month too large': { text: '1301', wantError: 'is not a date' },
  'an unknown unit': { text: 'now+3fortnights', wantError: '"fortnights" is not a unit' },
  'PM with hour 13': { text: '13:00pm', wantError: 'is not 1 to 12' },
};

describe('parseSlurmDateTime', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseSlurmDateTime(c.text, { now, utcOffsetMinutes: c.offset }, '--begin');
      if (c.wantError) {
        expect('error' in r && r.error).toContain(c.wantError);
        expect('error' in r && r.error).toContain('--begin=');
        expect('error' in r && r.error).toContain('Slurm accepts');
      } else {
        if ('error' in r) throw new Error(r.error);
        expect(iso(r.at)).toBe(c.want);
      }
    });
  }
  it('names the directive it was given', () => {
    expect(parseSlurmDateTime('soon', { now }, '--deadline')).toMatchObject({ error: expect.stringContaining('--deadline=soon') });
  });
});
