/**
 * Workload readers: text in, `SimJob`s out (the caller reads the file; this module does no I/O).
 *
 * Philly (Jeon et al., ATC 2019; the Pollux/Sia processed list): `timestamp,duration,num_gpus,gpu_time,
 * cluster`. The file is not sorted; jobs are sorted here by submit time, then by row (stable, so the 65
 * duplicate rows stay separate jobs). Each VC is the tenant and project; with `partitionPerVc` it is also
 * the partition, otherwise every job goes to `partition`.
 *
 * Generic CSV: a header row naming the columns, in any order; required `submit` (seconds), `devices` (or
 * `gpus`) and `duration` (seconds); optional `id`, `tenant`, `project`, `partition`, `time_limit`, `type`.
 *
 * How a device count becomes a gang (both readers): up to a node's devices (8 by default) it is one task on
 * one node; beyond, whole nodes of `perNode` devices when it divides evenly, else one task per device (the
 * placement spreads them over whole nodes). Time limits: the trace has none, so `limit = ceil(duration ×
 * limitFactor)` (default 1: users who know their run time — the optimistic case for backfill).
 */
import { asJobId, asPartition, asProjectId, asTenantId, type AcceleratorTypeId } from '../core/ids.ts';
import type { ResourceRequest } from '../core/resources.ts';
import type { SimJob } from './types.ts';

export interface TraceOptions {
  /** Devices per node, for shaping large jobs into gangs (default 8). */
  perNode?: number;
  /** Time limit = ceil(duration × limitFactor); default 1. */
  limitFactor?: number;
  /** Partition for every job (default "gpu"), unless `partitionPerVc`. */
  partition?: string;
  partitionPerVc?: boolean;
  /** Keep only jobs whose VC is in this set (Philly: VCs with a published size). */
  keepVcs?: ReadonlySet<string>;
  /** Keep at most this many jobs (after sorting). */
  limit?: number;
}

export function requestForDevices(n: number, perNode: number, timeLimitSeconds: number, types: readonly AcceleratorTypeId[] = []): ResourceRequest {
  const base = { acceleratorTypes: types, cpusPerTask: 0, memoryMbPerTask: 0, timeLimitSeconds };
  if (n <= perNode) return { ...base, tasks: 1, devicesPerTask: n };
  if (n % perNode === 0) return { ...base, tasks: n / perNode, devicesPerTask: perNode };
  return { ...base, tasks: n, devicesPerTask: 1 };
}

/** "2017-10-09 07:01:55" as seconds since the epoch, read as UTC (the trace's local time; only differences matter). */
export function parseTimestamp(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(s.trim());
  if (!m) throw new Error(`not a timestamp "YYYY-MM-DD HH:MM:SS": ${JSON.stringify(s)}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

interface Row {
  submit: number;
  row: number;
  devices: number;
  duration: number;
  tenant: string;
  project: string;
  partition: string;
  id: string;
  limit: number | undefined;
  type: string | undefined;
}

function toJobs(rows: Row[], o: TraceOptions): SimJob[] {
  rows.sort((a, b) => a.submit - b.submit || a.row - b.row);
  if (o.limit !== undefined) rows = rows.slice(0, o.limit);
  const t0 = rows.length ? rows[0]!.submit : 0;
  const perNode = o.perNode ?? 8;
  const factor = o.limitFactor ?? 1;
  return rows.map((r) => {
    const limit = r.limit ?? Math.max(1, Math.ceil(r.duration * factor));
    const types = r.type ? [r.type as AcceleratorTypeId] : [];
    return {
      duration: r.duration,
      job: {
        id: asJobId(r.id), tenant: asTenantId(r.tenant), project: asProjectId(r.project), partition: asPartition(r.partition),
        request: requestForDevices(r.devices, perNode, limit, types), submittedAt: r.submit - t0, priority: 0,
        expectedDurationSeconds: r.duration,
      },
    };
  });
}

export function parsePhillyTrace(text: string, o: TraceOptions = {}): SimJob[] {
  const ls = lines(text);
  const header = ls[0]?.split(',').map((h) => h.trim()) ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Philly trace: missing column "${name}" (header: ${header.join(',')})`);
    return i;
  };
  const [ts, du, ng, vc] = [col('timestamp'), col('duration'), col('num_gpus'), col('cluster')];
  const rows: Row[] = [];
  for (let i = 1; i < ls.length; i++) {
    const f = ls[i]!.split(',');
    const cluster = f[vc]!.trim();
    if (o.keepVcs && !o.keepVcs.has(cluster)) continue;
    const duration = Number(f[du]);
    const devices = Number(f[ng]);
    if (!(duration >= 0) || !(devices >= 0)) throw new Error(`Philly trace line ${i + 1}: bad duration or num_gpus`);
    rows.push({
      submit: parseTimestamp(f[ts]!), row: i, devices, duration: Math.max(1, duration), tenant: cluster, project: cluster,
      partition: o.partitionPerVc ? cluster : (o.partition ?? 'gpu'), id: `philly-${i}`, limit: undefined, type: undefined,
    });
  }
  return toJobs(rows, o);
}

const ALIASES: Record<string, string> = {
  submit: 'submit', submit_time: 'submit', submittime: 'submit', arrival: 'submit',
  devices: 'devices', gpus: 'devices', num_gpus: 'devices',
  duration: 'duration', runtime: 'duration', run_time: 'duration',
  tenant: 'tenant', user: 'tenant', project: 'project', partition: 'partition', id: 'id', job_id: 'id',
  time_limit: 'limit', timelimit: 'limit', limit: 'limit', type: 'type', accelerator_type: 'type',
};

export function parseGenericTrace(text: string, o: TraceOptions = {}): SimJob[] {
  const ls = lines(text);
  if (ls.length === 0) return [];
  const header = ls[0]!.split(',').map((h) => ALIASES[h.trim().toLowerCase()] ?? h.trim().toLowerCase());
  for (const need of ['submit', 'devices', 'duration']) {
    if (!header.includes(need)) {
      throw new Error(`trace CSV: missing column "${need}"; the header must name submit, devices (or gpus) and duration, optionally id, tenant, project, partition, time_limit, type`);
    }
  }
  const rows: Row[] = [];
  for (let i = 1; i < ls.length; i++) {
    const f = ls[i]!.split(',').map((x) => x.trim());
    const get = (k: string) => { const j = header.indexOf(k); return j < 0 ? undefined : f[j] || undefined; };
    const num = (k: string) => {
      const v = get(k);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`trace CSV line ${i + 1}: column ${k} must be a non-negative number, got ${JSON.stringify(v)}`);
      return n;
    };
    const tenant = get('tenant') ?? 'default';
    rows.push({
      submit: num('submit')!, row: i, devices: num('devices')!, duration: Math.max(1, num('duration')!), tenant,
      project: get('project') ?? tenant, partition: get('partition') ?? o.partition ?? 'gpu', id: get('id') ?? `job-${i}`,
      limit: num('limit'), type: get('type'),
    });
  }
  return toJobs(rows, o);
}

/** Philly's vc-sizes.csv: `vc,node num` → VC → nodes. */
export function parseVcSizes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const ls = lines(text);
  for (let i = 1; i < ls.length; i++) {
    const [vc, n] = ls[i]!.split(',').map((x) => x.trim());
    const count = Number(n);
    if (!vc || !Number.isInteger(count) || count <= 0) throw new Error(`vc-sizes line ${i + 1}: expected "vc,nodes", got ${JSON.stringify(ls[i])}`);
    out.set(vc, count);
  }
  return out;
}
