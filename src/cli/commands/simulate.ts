/**
 * `cheomdan simulate`: replay a workload on a cluster under one or more scheduling policies, with the
 * production scheduler on a virtual clock (src/simulator). This file is the I/O edge: it reads the trace
 * and cluster files, shows progress, and writes reports; everything it calls is pure.
 *
 *   cheomdan simulate --trace ../shared/traces/philly/philly.csv --cluster philly-vcs --policy fifo --policy las
 *   cheomdan simulate --trace jobs.csv --cluster center.yaml --policy multifactor --out results/
 *   cheomdan simulate --synthetic 100000 --seed 7 --cluster center.yaml --policy sjf --json
 *
 * Workloads: `--trace FILE` (Philly's CSV is recognised by its header; otherwise the generic CSV of
 * src/simulator/trace.ts), or `--synthetic N` (seeded). Clusters: `--cluster FILE` in the platform's
 * inventory format (YAML or JSON), or `--cluster philly-vcs`: one partition per Philly VC sized from
 * vc-sizes.csv (`--vc-sizes FILE`, default ../shared/traces/philly/vc-sizes.csv next to the trace), 8 GPUs
 * per node; jobs of VCs without a size are dropped (and counted).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { parse as parseYaml } from 'yaml';
import { isCheomdanError } from '../../core/errors.ts';
import { parseInventory as parseCoreInventory } from '../../core/inventoryFile.ts';
import { UsageError } from '../config.ts';
import { ORDER_NAMES } from '../../scheduler/policies/order.ts';
import { makePolicy, type PolicyConfig } from '../../scheduler/policy.ts';
import type { NodeSnapshot } from '../../scheduler/types.ts';
import { phillyVcCluster } from '../../simulator/cluster.ts';
import { simulate } from '../../simulator/engine.ts';
import { comparisonTable, recordsCsv, summaryCsv, svgReport, utilizationCsv } from '../../simulator/report.ts';
import { syntheticJobs } from '../../simulator/synthetic.ts';
import { parseGenericTrace, parsePhillyTrace, parseVcSizes } from '../../simulator/trace.ts';
import type { SimJob, SimResult } from '../../simulator/types.ts';

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface SimulateFlags {
  trace?: string;
  synthetic?: number;
  seed: number;
  interarrival: number;
  tenants: number;
  cluster: string;
  vcSizes?: string;
  partition?: string;
  policy: string[];
  policyConfig?: string;
  limitFactor: number;
  maxJobs?: number;
  explain?: boolean;
  out?: string;
  json?: boolean;
  progress: boolean;
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];

/** Registers `simulate` on the root program. `cli` (optional) supplies the output streams. */
export function registerSimulate(program: Command, cli?: { io: Io }): void {
  program
    .command('simulate')
    .description('replay a trace or a synthetic workload on a cluster under scheduling policies (virtual clock)')
    .option('--trace <file>', 'workload CSV: the Philly trace, or a generic CSV (submit, devices, duration[, tenant, partition, time_limit])')
    .option('--synthetic <jobs>', 'a seeded synthetic workload of this many jobs instead of a trace', positiveInt)
    .option('--seed <n>', 'seed of the synthetic workload', positiveInt, 1)
    .option('--interarrival <seconds>', 'synthetic: mean seconds between arrivals', positive, 60)
    .option('--tenants <n>', 'synthetic: number of tenants', positiveInt, 10)
    .requiredOption('--cluster <file|philly-vcs>', 'inventory file (YAML/JSON), or philly-vcs: one partition per Philly VC')
    .option('--vc-sizes <file>', 'with --cluster philly-vcs: vc-sizes.csv (default: next to the trace)')
    .option('--partition <name>', 'partition for trace jobs that name none (default: the inventory\'s first)')
    .addOption(new Option('--policy <name>', `scheduling policy, repeatable (${ORDER_NAMES.join(', ')})`).argParser(collect).default([]))
    .option('--policy-config <file>', 'JSON with extra policy options (backfill, queueDepth, las, multifactor, preemption), applied to every --policy')
    .option('--limit-factor <x>', 'time limit = duration × x for traces without limits', positive, 1)
    .option('--max-jobs <n>', 'only the first n jobs (by submit time)', positiveInt)
    .option('--explain', 'compute a reason and estimated start for every pending job each cycle (slower; as live)')
    .option('--out <dir>', 'write summary.json/.csv, comparison.md, jobs-<policy>.csv, utilization.csv/.json and report.svg here')
    .option('--json', 'print one JSON summary per policy, one per line')
    .option('--no-progress', 'no progress bar')
    .action((flags: SimulateFlags, cmd: Command) => {
      const io: Io = cli?.io ?? { stdout: process.stdout, stderr: process.stderr };
      const all = { ...cmd.optsWithGlobals(), ...flags } as SimulateFlags;
      runSimulate(all, io);
    });
}

export function loadWorkload(f: SimulateFlags, clusterIsPhilly: boolean, vcs: ReadonlySet<string> | undefined): { jobs: SimJob[]; note: string } {
  if (f.synthetic !== undefined) {
    return { jobs: syntheticJobs({ seed: f.seed, jobs: f.synthetic, meanInterarrivalSeconds: f.interarrival, tenants: f.tenants, limitFactor: f.limitFactor, partitions: [f.partition ?? 'gpu'] }), note: `synthetic seed=${f.seed}` };
  }
  if (!f.trace) throw new UsageError('give --trace FILE or --synthetic N');
  const text = readText(f.trace, '--trace');
  const header = text.slice(0, text.indexOf('\n')).toLowerCase();
  const opts = { limitFactor: f.limitFactor, partition: f.partition, limit: f.maxJobs };
  if (header.includes('num_gpus') && header.includes('cluster')) {
    const jobs = parsePhillyTrace(text, { ...opts, partitionPerVc: clusterIsPhilly, keepVcs: vcs });
    return { jobs, note: `Philly trace${vcs ? ` (VCs with a size: ${vcs.size})` : ''}` };
  }
  return { jobs: parseGenericTrace(text, opts), note: 'generic CSV trace' };
}

export function loadCluster(f: SimulateFlags): { nodes: NodeSnapshot[]; vcs: Set<string> | undefined } {
  if (f.cluster === 'philly-vcs') {
    const file = f.vcSizes ?? (f.trace ? join(dirname(f.trace), 'vc-sizes.csv') : resolve('../shared/traces/philly/vc-sizes.csv'));
    const sizes = parseVcSizes(readText(file, '--vc-sizes'));
    return { nodes: phillyVcCluster(sizes), vcs: new Set(sizes.keys()) };
  }
  const text = readText(f.cluster, '--cluster');
  // The platform's inventory parser (src/core/inventoryFile.ts) wants `partitions`; a simulation file may
  // leave it out, so it is derived from the partitions the node groups and nodes name.
  const doc = parseYaml(text) as { partitions?: unknown; nodeGroups?: { partition?: string }[]; nodes?: { partition?: string }[] } | null;
  if (doc && typeof doc === 'object' && doc.partitions === undefined) {
    const names = [...new Set([...(doc.nodeGroups ?? []), ...(doc.nodes ?? [])].map((g) => g.partition).filter((p): p is string => typeof p === 'string'))];
    doc.partitions = names.length ? names.map((name, i) => (i === 0 ? { name, default: true } : { name })) : [{ name: 'default', default: true }];
    const inv = parseCoreInventory(JSON.stringify(doc), 'json', f.cluster);
    return { nodes: inv.nodes, vcs: undefined };
  }
  const inv = parseCoreInventory(text, extname(f.cluster).toLowerCase() === '.json' ? 'json' : 'yaml', f.cluster);
  return { nodes: inv.nodes, vcs: undefined };
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function runSimulate(f: SimulateFlags, io: Io): SimResult[] {
  const names = f.policy.length ? f.policy : ['fifo-backfill'];
  let extra: Partial<PolicyConfig> = {};
  if (f.policyConfig) {
    try {
      extra = JSON.parse(readText(f.policyConfig, '--policy-config')) as Partial<PolicyConfig>;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--policy-config ${f.policyConfig}: not valid JSON (${(e as Error).message})`);
    }
  }
  const policies = names.map((order) => {
    try {
      return makePolicy({ ...extra, order: order as PolicyConfig['order'], explain: f.explain ? 'all' : 'none' });
    } catch (e) {
      // A bad name or option on the command line is a usage error (exit 2), with the valid options.
      if (isCheomdanError(e) && e.code === 'invalid_config') throw new UsageError(e.message);
      throw e;
    }
  });
  const { nodes, vcs } = loadCluster(f);
  if (!f.partition && !vcs) f.partition = nodes[0]!.partition;
  const { jobs, note } = loadWorkload(f, vcs !== undefined, vcs);
  const devices = nodes.reduce((s, n) => s + n.devices.length, 0);
  if (!f.json) io.stderr.write(`${note}: ${jobs.length} jobs on ${nodes.length} nodes / ${devices} devices\n`);
  const results: SimResult[] = [];
  const tty = f.progress && !f.json && Boolean(io.stderr.isTTY);
  for (const policy of policies) {
    const bar = tty ? new cliProgress.SingleBar({ stream: io.stderr, format: `${policy.name.padEnd(14)} {bar} {percentage}% | {value}/{total} jobs | {duration}s` }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(jobs.length, 0);
    const r = simulate(jobs, nodes, policy, { clock: () => performance.now() / 1000, onProgress: bar ? (d) => bar.update(d) : undefined });
    bar?.stop();
    results.push(r);
    if (f.json) io.stdout.write(`${JSON.stringify(r.summary)}\n`);
  }
  if (!f.json) io.stdout.write(comparisonTable(results.map((r) => r.summary)));
  if (f.out) {
    mkdirSync(f.out, { recursive: true });
    writeFileSync(join(f.out, 'summary.json'), `${JSON.stringify(results.map((r) => r.summary), null, 2)}\n`);
    writeFileSync(join(f.out, 'summary.csv'), summaryCsv(results.map((r) => r.summary)));
    writeFileSync(join(f.out, 'comparison.md'), comparisonTable(results.map((r) => r.summary)));
    for (const r of results) writeFileSync(join(f.out, `jobs-${r.summary.policy}.csv`), recordsCsv(r.records));
    writeFileSync(join(f.out, 'utilization.csv'), utilizationCsv(results));
    writeFileSync(join(f.out, 'utilization.json'), `${JSON.stringify(results.map((r) => ({ policy: r.summary.policy, devices: r.totalDevices, series: r.utilization })))}\n`);
    writeFileSync(join(f.out, 'report.svg'), svgReport(results));
    if (!f.json) io.stderr.write(`wrote ${f.out}/summary.json, summary.csv, comparison.md, jobs-*.csv, utilization.csv/.json, report.svg\n`);
  }
  return results;
}
