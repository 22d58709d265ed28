/**
 * Report arithmetic, pure: grouping settled charges by any of tenant, project, program, allocation, month and
 * accelerator type; an allocation's pace (spent against time elapsed); report schedules; CSV.
 */
import type { MilliSu } from './units.ts';

export const DIMENSIONS = ['tenant', 'project', 'user', 'program', 'allocation', 'month', 'acceleratorType'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** One settled attempt (a `settle` ledger transaction). */
export interface ChargeFact {
  at: number; tenant: string | null; project: string | null; user: string | null; program: string | null; allocation: string | null;
  acceleratorType: string | null; amount: MilliSu; deviceMs: number; cpuMs: number;
}

export interface UsageGroup {
  key: Partial<Record<Dimension, string>>;
  attempts: number; deviceMs: number; cpuMs: number; amount: MilliSu;
}

export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

function valueOf(f: ChargeFact, d: Dimension): string {
  switch (d) {
    case 'month': return monthOf(f.at);
    case 'acceleratorType': return f.acceleratorType ?? 'cpu';
    default: return f[d] ?? '-';
  }
}

/** Groups facts by the given dimensions (in that order), sorted by key; and the total. */
export function groupUsage(facts: Iterable<ChargeFact>, by: readonly Dimension[]): { rows: UsageGroup[]; total: UsageGroup } {
  const groups = new Map<string, UsageGroup>();
  const total: UsageGroup = { key: {}, attempts: 0, deviceMs: 0, cpuMs: 0, amount: 0 };
  for (const f of facts) {
    const key: Partial<Record<Dimension, string>> = {};
    for (const d of by) key[d] = valueOf(f, d);
    const k = by.map((d) => key[d]).join('\u0000');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, attempts: 0, deviceMs: 0, cpuMs: 0, amount: 0 }));
    for (const x of [g, total]) {
      x.attempts += 1; x.deviceMs += f.deviceMs; x.cpuMs += f.cpuMs; x.amount += f.amount;
    }
  }
  const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  return { rows, total };
}

export type PaceVerdict = 'on_pace' | 'underspending' | 'overspending' | 'not_started' | 'ended';

/**
 * Spending pace: the share of the award spent against the share of the period elapsed. Underspending when
 * less than half the pace after 25% of the period (the center reclaims idle allocations); overspending when
 * more than 1.5× the pace (it will run out before its end). Thresholds follow the monthly usage checks
 * that resize allocations at regional centers; they are parameters, not constants of nature.
 */
export function pace(a: { awardedMsu: number; startsAt: number; endsAt: number }, spent: MilliSu, now: number, under = 0.5, over = 1.5): { verdict: PaceVerdict; elapsed: number; spentShare: number } {
  const elapsed = Math.min(1, Math.max(0, (now - a.startsAt) / Math.max(1, a.endsAt - a.startsAt)));
  const spentShare = a.awardedMsu > 0 ? spent / a.awardedMsu : 0;
  let verdict: PaceVerdict = 'on_pace';
  if (now < a.startsAt) verdict = 'not_started';
  else if (now >= a.endsAt) verdict = 'ended';
  else if (elapsed >= 0.25 && spentShare < under * elapsed) verdict = 'underspending';
  else if (elapsed > 0 && spentShare > over * elapsed && spentShare > 0.1) verdict = 'overspending';
  return { verdict, elapsed, spentShare };
}

export type DueStatus = 'submitted_on_time' | 'submitted_late' | 'overdue' | 'upcoming';

/** Each due report matched with the first report of its kind filed after the previous one of that kind. */
export function scheduleStatus(due: readonly { kind: string; dueAt: number }[], filed: readonly { kind: string; submittedAt: number }[], now: number): { kind: string; dueAt: number; status: DueStatus; submittedAt: number | null }[] {
  const byKind = new Map<string, number[]>();
  for (const f of [...filed].sort((a, b) => a.submittedAt - b.submittedAt)) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f.submittedAt]);
  return [...due].sort((a, b) => a.dueAt - b.dueAt).map((d) => {
    const list = byKind.get(d.kind) ?? [];
    const at = list.shift() ?? null;
    byKind.set(d.kind, list);
    const status: DueStatus = at !== null ? (at <= d.dueAt ? 'submitted_on_time' : 'submitted_late') : now > d.dueAt ? 'overdue' : 'upcoming';
    return { kind: d.kind, dueAt: d.dueAt, status, submittedAt: at };
  });
}

/** RFC 4180 CSV: a header from the first row's keys (or `columns`), fields quoted when they need it. */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
