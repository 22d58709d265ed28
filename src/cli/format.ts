/**
 * Text output of the CLI: tables that fit a terminal (100 columns by default), times, sizes, and the
 * one-line summaries of jobs and nodes. Pure functions of their input (and, for relative times, a `now`).
 */
import type { Job, Node } from '../contract/index.ts';
import { formatSlurmTime } from '../core/sbatch.ts';

export interface Column<T> {
  header: string;
  get: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
  /** The column may be cut to this many characters before the others are cut. */
  max?: number;
}

/**
 * Lays out rows under headers, two spaces apart, within `width` columns: columns with a `max` are cut to it,
 * then the widest column is cut (with "…") until the table fits. Trailing spaces are trimmed.
 */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], width = 100): string {
  const cells = rows.map((r) => columns.map((c) => oneLine(c.get(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)));
  columns.forEach((c, i) => {
    if (c.max !== undefined) widths[i] = Math.max(c.header.length, Math.min(widths[i] as number, c.max));
  });
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  while (total() > width) {
    let widest = 0;
    widths.forEach((w, i) => {
      if (w > (widths[widest] as number)) widest = i;
    });
    const min = Math.max(4, (columns[widest] as Column<T>).header.length);
    if ((widths[widest] as number) <= min) break;
    widths[widest] = (widths[widest] as number) - 1;
  }
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] as number;
        const cut = v.length > w ? `${v.slice(0, Math.max(0, w - 1))}…` : v;
        return columns[i]?.right ? cut.padStart(w) : cut.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** "2026-11-25 10:52" in the local time zone; "-" for null. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** "3m ago", "in 2h 5m", "just now". */
export function relativeTime(iso: string, now: number): string {
  const diff = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  const text = formatDuration(abs);
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** Seconds as "45s", "3m 20s", "2h 5m", "1d 4h". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

/** MiB as "512 MiB", "32 GiB", "1.5 TiB". */
export function formatMemory(mb: number): string {
  if (mb < 1024) return `${mb} MiB`;
  if (mb < 1024 * 1024) return `${trim(mb / 1024)} GiB`;
  return `${trim(mb / (1024 * 1024))} TiB`;
}
const trim = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** An accelerator type id without the vendor prefix, for narrow columns: "h100-sxm-80gb". */
export const shortType = (id: string) => id.replace(/^(nvidia|rebellions|furiosa)-/, '');

/** The devices a job holds or asks for: "8 h100-sxm-80gb", "2 any", "-" for none. */
export function jobDevices(job: Job): string {
  const n = job.request.tasks * job.request.devicesPerTask;
  if (n === 0) return '-';
  const type = job.acceleratorType ?? (job.request.acceleratorTypes.length === 1 ? job.request.acceleratorTypes[0] : null);
  const label = type ? shortType(type) : job.request.acceleratorTypes.length > 1 ? `${job.request.acceleratorTypes.length} types` : 'any';
  return `${n} ${label}`;
}

/** Why a job is where it is: the pending reason, the failure reason, or the exit for ended jobs. */
export function jobReason(job: Job): string {
  if (job.state === 'pending') return job.pendingReason ?? '';
  if (job.failureReason) return job.failureReason;
  if (job.signal) return `signal ${job.signal}`;
  if (job.exitCode !== null && job.state !== 'succeeded') return `exit ${job.exitCode}`;
  return '';
}

export function jobsTable(jobs: readonly Job[]): string {
  return table(jobs, [
    { header: 'ID', get: (j) => j.id },
    { header: 'NAME', get: (j) => j.name, max: 20 },
    { header: 'STATE', get: (j) => j.state },
    { header: 'REASON', get: jobReason, max: 20 },
    { header: 'DEVICES', get: jobDevices, max: 18 },
    { header: 'SUBMITTED', get: (j) => formatTime(j.submittedAt) },
  ]);
}

/** "4 tasks × 2 devices (h100-sxm-80gb), 8 CPUs and 16 GiB each; 2 nodes × 2 tasks; limit 2:00:00". */
export function describeRequest(r: Job['request']): string {
  const parts: string[] = [];
  const types = r.acceleratorTypes.length ? r.acceleratorTypes.map(shortType).join(' or ') : 'any type';
  const devices = r.devicesPerTask > 0 ? ` × ${r.devicesPerTask} device${r.devicesPerTask > 1 ? 's' : ''} (${types})` : '';
  parts.push(`${r.tasks} task${r.tasks > 1 ? 's' : ''}${devices}, ${r.cpusPerTask} CPU${r.cpusPerTask > 1 ? 's' : ''} and ${formatMemory(r.memoryMbPerTask)} each`);
  if (r.nodes !== null) parts.push(`${r.nodes} node${r.nodes > 1 ? 's' : ''}${r.tasksPerNode !== null ? ` × ${r.tasksPerNode} task${r.tasksPerNode > 1 ? 's' : ''}` : ''}`);
  else if (r.tasksPerNode !== null) parts.push(`${r.tasksPerNode} tasks per node`);
  parts.push(`time limit ${formatSlurmTime(r.timeLimitSeconds)}`);
  return parts.join('; ');
}

/** Devices of a node: "8 h100-sxm-80gb (3 in use)", "declared" when they come from an inventory file. */
export function nodeDevices(n: Node): string {
  if (n.devices.length === 0) return '-';
  const byType = new Map<string, number>();
  for (const d of n.devices) byType.set(d.type, (byType.get(d.type) ?? 0) + 1);
  const kinds = [...byType].map(([t, c]) => `${c} ${shortType(t)}`).join(', ');
  const used = n.allocatedDevices.length > 0 ? ` (${n.allocatedDevices.length} in use)` : '';
  return `${kinds}${used}${n.source === 'declared' ? ' declared' : ''}`;
}

export function nodesTable(nodes: readonly Node[]): string {
  return table(nodes, [
    { header: 'NODE', get: (n) => n.name, max: 24 },
    { header: 'PARTITION', get: (n) => n.partition, max: 12 },
    { header: 'STATE', get: (n) => (n.stateReason ? `${n.state}: ${n.stateReason}` : n.state), max: 20 },
    { header: 'CPUS', get: (n) => `${n.allocatedCpus}/${n.cpus}`, right: true },
    { header: 'MEMORY', get: (n) => formatMemory(n.memoryMb), right: true },
    { header: 'DEVICES', get: nodeDevices },
  ]);
}

/** The lines of a problem: "error: <title>: <detail>" then one indented line per field error. */
export function problemLines(p: { title: string; detail: string; errors?: readonly { path: string; message: string }[] }): string {
  const head = p.detail && p.detail !== p.title ? `error: ${p.title}: ${p.detail}` : `error: ${p.title}`;
  return [head, ...(p.errors ?? []).map((e) => `  ${e.path}: ${e.message}`)].join('\n') + '\n';
}
