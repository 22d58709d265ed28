/**
 * squeue's output format (pure): `-o "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R"` as squeue(1) reads it — each
 * `%[.][width]type` is a field, `.` right-justifies, a width pads and truncates, anything else is copied.
 * The field types people use most are supported; an unknown one is an error naming it. Job facts come in
 * as `SqueueRow`, already in Slurm's terms (compact state codes, reason names).
 */

export interface SqueueRow {
  jobId: string;
  arrayJobId: string;
  name: string;
  user: string;
  account: string;
  partition: string;
  /** Compact state code: PD, R, CF, CD, F, CA, TO, PR… */
  stateCode: string;
  /** Full state name: PENDING, RUNNING, … */
  state: string;
  /** Seconds the job has run. */
  elapsedSeconds: number;
  /** Seconds it may run; null: none. */
  timeLimitSeconds: number | null;
  nodes: number;
  nodeList: string;
  /** Slurm's reason name for a pending job (Priority, Resources, Dependency, …). */
  reason: string;
  cpus: number;
  tres: string;
  priority: number;
  submitTime: string;
  startTime: string;
}

/** The default format of squeue(1). */
export const SQUEUE_DEFAULT_FORMAT = '%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R';

interface Field {
  type: string;
  width: number | null;
  right: boolean;
}

const FIELDS: Readonly<Record<string, { header: string; get(r: SqueueRow): string }>> = {
  i: { header: 'JOBID', get: (r) => r.jobId },
  A: { header: 'ARRAY_JOB_ID', get: (r) => r.arrayJobId },
  j: { header: 'NAME', get: (r) => r.name },
  u: { header: 'USER', get: (r) => r.user },
  a: { header: 'ACCOUNT', get: (r) => r.account },
  P: { header: 'PARTITION', get: (r) => r.partition },
  t: { header: 'ST', get: (r) => r.stateCode },
  T: { header: 'STATE', get: (r) => r.state },
  M: { header: 'TIME', get: (r) => slurmDuration(r.elapsedSeconds) },
  l: { header: 'TIME_LIMIT', get: (r) => (r.timeLimitSeconds === null ? 'UNLIMITED' : slurmDuration(r.timeLimitSeconds)) },
  L: { header: 'TIME_LEFT', get: (r) => (r.timeLimitSeconds === null ? 'UNLIMITED' : slurmDuration(Math.max(0, r.timeLimitSeconds - r.elapsedSeconds))) },
  D: { header: 'NODES', get: (r) => String(r.nodes) },
  N: { header: 'NODELIST', get: (r) => r.nodeList },
  R: { header: 'NODELIST(REASON)', get: (r) => (r.stateCode === 'PD' ? `(${r.reason})` : r.nodeList) },
  r: { header: 'REASON', get: (r) => r.reason },
  C: { header: 'CPUS', get: (r) => String(r.cpus) },
  b: { header: 'TRES_PER_NODE', get: (r) => r.tres },
  Q: { header: 'PRIORITY', get: (r) => String(r.priority) },
  V: { header: 'SUBMIT_TIME', get: (r) => r.submitTime },
  S: { header: 'START_TIME', get: (r) => r.startTime },
};

export type Token = { text: string } | Field;

/** Parses a format string; the error names the unknown field type and lists the known ones. */
export function parseSqueueFormat(format: string): Token[] | { error: string } {
  const out: Token[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') { text += ch; continue; }
    if (format[i + 1] === '%') { text += '%'; i++; continue; }
    const m = /^%(\.|-)?(\d*)([A-Za-z])/.exec(format.slice(i)); // "-" (printf habit): left, as without "."
    if (!m) return { error: `"${format.slice(i, i + 4)}" in the format is not %[.][width]type` };
    if (!FIELDS[m[3]!]) return { error: `squeue field "%${m[3]}" is not supported here; supported: ${Object.keys(FIELDS).map((k) => `%${k}`).join(' ')}` };
    if (text) { out.push({ text }); text = ''; }
    out.push({ type: m[3]!, width: m[2] ? Number(m[2]) : null, right: m[1] === '.' });
    i += m[0].length - 1;
  }
  if (text) out.push({ text });
  return out;
}

const fit = (value: string, f: Field) => {
  if (f.width === null) return value;
  const v = value.length > f.width ? value.slice(0, f.width) : value;
  return f.right ? v.padStart(f.width) : v.padEnd(f.width);
};

/** The lines squeue prints: a header (unless `noHeader`), then one per row. */
export function renderSqueue(tokens: readonly Token[], rows: readonly SqueueRow[], noHeader = false): string[] {
  const line = (get: (f: Field) => string) => tokens.map((t) => ('text' in t ? t.text : fit(get(t), t))).join('').trimEnd();
  const lines = noHeader ? [] : [line((f) => FIELDS[f.type]!.header)];
  for (const r of rows) lines.push(line((f) => FIELDS[f.type]!.get(r)));
  return lines;
}

/** Slurm's duration: M:SS, H:MM:SS, or D-HH:MM:SS. */
export function slurmDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  if (d > 0) return `${d}-${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${ss}`;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  return `${m}:${ss}`;
}

/** Cheomdan's job states in Slurm's words: [compact code, full name]. */
export const SLURM_STATE: Readonly<Record<string, [string, string]>> = {
  pending: ['PD', 'PENDING'], starting: ['CF', 'CONFIGURING'], running: ['R', 'RUNNING'], preempted: ['PD', 'PENDING'],
  succeeded: ['CD', 'COMPLETED'], failed: ['F', 'FAILED'], cancelled: ['CA', 'CANCELLED'], timed_out: ['TO', 'TIMEOUT'],
};

/** Cheomdan's pending reasons as Slurm names them (squeue %r / %R). */
export const SLURM_REASON: Readonly<Record<string, string>> = {
  priority: 'Priority', resources: 'Resources', quota: 'QOSGrpGRES', reservation: 'Reservation', reservation_not_active: 'Reservation',
  partition_too_small: 'PartitionConfig', no_such_accelerator: 'BadConstraints', nodes_unavailable: 'ReqNodeNotAvail',
  preemption_backoff: 'Priority', preempting: 'Resources', reservation_unknown: 'ReservationDeleted',
  allocation_exhausted: 'AssocGrpBillingMinutes', allocation_inactive: 'AccountNotAllowed', reservation_too_short: 'Reservation',
  dependency: 'Dependency', dependency_never_satisfied: 'DependencyNeverSatisfied', start_failed: 'launch_failed_requeued_held',
  not_yet_scheduled: 'None',
};
