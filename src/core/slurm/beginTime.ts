/**
 * Date-time values of `--begin` and `--deadline`, in the formats sbatch(1) lists (22.05, Slurm's
 * parse_time()):
 *
 *   HH:MM[:SS][AM|PM]         today at that time; tomorrow when it has already passed
 *   MMDD[YY], MM/DD[/YY], MM.DD[.YY]      that day at 00:00; next year when it has passed (no year given)
 *   MM/DD[/YY]-HH:MM[:SS]     that day and time
 *   YYYY-MM-DD[THH:MM[:SS]]   that day (and time)
 *   now[+COUNT[UNITS]]        UNITS seconds (the default), minutes, hours, days, weeks (singular, plural,
 *                             or s/sec/min/h/hr/d/w)
 *   midnight, noon, elevenses (11:00), fika (15:00), teatime (16:00)   the next such time
 *   today, tomorrow           00:00 of that day
 *
 * Pure: the clock and the time zone are injected (`now`, `utcOffsetMinutes`: the submitting site's offset
 * from UTC; Slurm reads the local time of the machine sbatch runs on). Trade-off: a fixed offset, not a
 * zone database — a value across a daylight-saving change is off by the change, which Korea (no DST) and
 * UTC servers never see.
 */

export interface ClockContext {
  /** ms since the epoch. */
  now: number;
  /** Minutes east of UTC (Korea: 540). Default 0. */
  utcOffsetMinutes?: number | undefined;
}

const ACCEPTS =
  'Slurm accepts HH:MM[:SS][AM|PM], MMDD[YY], MM/DD[/YY], MM.DD[.YY], MM/DD[/YY]-HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]], now[+COUNT[seconds|minutes|hours|days|weeks]], midnight, noon, elevenses, fika, teatime, today or tomorrow';

const NAMED: Readonly<Record<string, number>> = { midnight: 0, noon: 12, elevenses: 11, fika: 15, teatime: 16 };

const UNIT_SECONDS: readonly [RegExp, number][] = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|week|weeks)$/, 7 * 86400],
];

const DAY = 86_400_000;

/** Parses a date-time value; `option` names the directive (`--begin`, `--deadline`) in messages. */
export function parseSlurmDateTime(text: string, clock: ClockContext, option = '--begin'): { at: number } | { error: string } {
  const s = text.trim().toLowerCase();
  const bad = (why: string) => ({ error: `${option}=${text.trim()}: ${why}; ${ACCEPTS}` });
  const offset = (clock.utcOffsetMinutes ?? 0) * 60_000;
  // Work in the site's wall-clock time, as if it were UTC; convert back at the end.
  const local = clock.now + offset;
  const today = Math.floor(local / DAY) * DAY;
  const toUtc = (wall: number) => ({ at: wall - offset });
  const nowYear = new Date(local).getUTCFullYear();

  let m = /^now(?:([+-])(\d+)([a-z]*))?$/.exec(s);
  if (m) {
    if (m[1] === undefined) return { at: clock.now };
    const unit = m[3] === '' ? 1 : UNIT_SECONDS.find(([re]) => re.test(m?.[3] ?? ''))?.[1];
    if (unit === undefined) return bad(`"${m[3]}" is not a unit`);
    return { at: clock.now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit * 1000 };
  }
  if (s === 'today') return toUtc(today);
  if (s === 'tomorrow') return toUtc(today + DAY);
  const named = NAMED[s];
  if (named !== undefined) {
    const t = today + named * 3_600_000;
    return toUtc(t > local ? t : t + DAY);
  }
  const time = (h: string, mi: string, sec: string | undefined, ampm?: string): number | { error: string } => {
    let hour = Number(h);
    const minute = Number(mi);
    const second = sec === undefined ? 0 : Number(sec);
    if (ampm) {
      if (hour < 1 || hour > 12) return bad(`hour ${hour} with ${ampm.toUpperCase()} is not 1 to 12`);
      hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 59) return bad(`${h}:${mi}${sec ? `:${sec}` : ''} is not a time of day`);
    return ((hour * 60 + minute) * 60 + second) * 1000;
  };
  const date = (year: number, month: number, day: number): number | { error: string } => {
    const t = Date.UTC(year, month - 1, day);
    const d = new Date(t);
    if (month < 1 || month > 12 || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
      return bad(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')} is not a date`);
    }
    return t;
  };
  // HH:MM[:SS][AM|PM]
  m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?$/.exec(s);
  if (m) {
    const t = time(m[1] as string, m[2] as string, m[3], m[4]);
    if (typeof t !== 'number') return t;
    return toUtc(today + t > local ? today + t : today + DAY + t);
  }
  // YYYY-MM-DD[THH:MM[:SS]]
  m = /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) {
    const d = date(Number(m[1]), Number(m[2]), Number(m[3]));
    if (typeof d !== 'number') return d;
    const t = m[4] === undefined ? 0 : time(m[4], m[5] as string, m[6]);
    if (typeof t !== 'number') return t;
    return toUtc(d + t);
  }
  // MMDD[YY], MM/DD[/YY], MM.DD[.YY], optionally -HH:MM[:SS] (the dash form with / or .)
  m =
    /^(\d{2})(\d{2})(\d{2})?$/.exec(s) ??
    /^(\d{1,2})\/(\d{1,2})(?:\/(\d{2}))?(?:-(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s) ??
    /^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}))?(?:-(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) {
    const month = Number(m[1]);
    const day = Number(m[2]);
    const t = m[4] === undefined ? 0 : time(m[4], m[5] as string, m[6]);
    if (typeof t !== 'number') return t;
    if (m[3] !== undefined) {
      const d = date(2000 + Number(m[3]), month, day);
      return typeof d === 'number' ? toUtc(d + t) : d;
    }
    const d = date(nowYear, month, day);
    if (typeof d !== 'number') {
      // 02/29 outside a leap year: the next year it exists in is what Slurm's mktime would not give; refuse.
      return d;
    }
    if (d + t > local) return toUtc(d + t);
    const next = date(nowYear + 1, month, day);
    return typeof next === 'number' ? toUtc(next + t) : next;
  }
  return bad('not a date or time');
}
