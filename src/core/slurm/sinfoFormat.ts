/**
 * sinfo's default summary (pure): one line per partition and node state, as sinfo(1) prints it —
 * `PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST`, the default partition marked `*`, node lists
 * compressed (gpu-[001-004]); `-N` prints one line per node. States in Slurm's words: idle (nothing
 * allocated), mix (part), alloc (all devices, or all CPUs of a CPU-only node), drain (draining, empty),
 * drng (draining, still running jobs), down.
 */
import { compressHostlist } from './hostlist.ts';

export interface SinfoNode {
  name: string;
  partition: string;
  state: 'up' | 'draining' | 'down';
  devices: number;
  allocatedDevices: number;
  cpus: number;
  allocatedCpus: number;
}

export function slurmNodeState(n: SinfoNode): string {
  if (n.state === 'down') return 'down';
  const busy = n.allocatedDevices > 0 || n.allocatedCpus > 0;
  if (n.state === 'draining') return busy ? 'drng' : 'drain';
  const full = n.devices > 0 ? n.allocatedDevices >= n.devices : n.allocatedCpus >= n.cpus;
  return !busy ? 'idle' : full ? 'alloc' : 'mix';
}

const row = (cols: string[]) => [cols[0]!.padEnd(9), cols[1]!.padStart(5), cols[2]!.padStart(10), cols[3]!.padStart(6), cols[4]!.padStart(6), cols[5]!].join(' ').trimEnd();

/** The lines of `sinfo` (summary by partition and state) or `sinfo -N` (one per node). */
export function renderSinfo(nodes: readonly SinfoNode[], opts: { defaultPartition?: string; perNode?: boolean; noHeader?: boolean } = {}): string[] {
  const part = (p: string) => (p === opts.defaultPartition ? `${p}*` : p);
  if (opts.perNode) {
    const lines = opts.noHeader ? [] : ['NODELIST   NODES PARTITION STATE'];
    for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`${n.name.padEnd(10)} ${'1'.padStart(5)} ${part(n.partition).padEnd(9)} ${slurmNodeState(n)}`);
    return lines;
  }
  const groups = new Map<string, { partition: string; state: string; names: string[] }>();
  for (const n of nodes) {
    const key = `${n.partition}\u0000${slurmNodeState(n)}`;
    const g = groups.get(key) ?? { partition: n.partition, state: slurmNodeState(n), names: [] };
    g.names.push(n.name);
    groups.set(key, g);
  }
  const order = [...new Set(nodes.map((n) => n.partition))];
  const lines = opts.noHeader ? [] : [row(['PARTITION', 'AVAIL', 'TIMELIMIT', 'NODES', 'STATE', 'NODELIST'])];
  for (const p of order) {
    for (const g of [...groups.values()].filter((x) => x.partition === p).sort((a, b) => a.state.localeCompare(b.state))) {
      lines.push(row([part(p), 'up', 'infinite', String(g.names.length), g.state, compressHostlist(g.names)]));
    }
  }
  return lines;
}
