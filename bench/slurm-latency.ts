/**
 * Slurm executor overhead: submit -> running latency and throughput through Cheomdan's Slurm executor
 * (REST with a per-user JWT, the wrapper script, the start() wait) against plain `sbatch`, in the same run,
 * on the same cluster, with the same job and the same resource request (1 CPU, 500 MB, one named node).
 *
 * Target (issue 5): under 20% added submit -> running latency over plain sbatch.
 *
 *   node --import tsx bench/slurm-latency.ts [samples=60] [burst=100] [concurrency=8] [warmup=5] [seed=1]
 *   (or: npm run bench -- slurm samples=60 ...)
 *
 * Needs root: it starts the test cluster (scripts/slurm-test-cluster.sh) if it is not running.
 *
 * Latency: `samples` jobs per path, interleaved (Cheomdan, sbatch, Cheomdan, ...) so that load drift
 * hits both alike, one at a time, each after a seeded random pause of 0-1 s: slurmctld allocates on a
 * ~1 s tick here, and the pause spreads submissions evenly over its phase for both paths. "running" is the job's first instruction: the script is
 * `echo $EPOCHREALTIME`, compared with this host's wall clock taken just before start() / sbatch.
 * For Cheomdan we also report when start() resolved (the controller then knows the job runs).
 * Throughput: `burst` jobs per path: sbatch with `concurrency` processes at a time, the executor with all
 * start() calls in flight at once (start() returns only once the job runs; its waits share one poll);
 * jobs/s = burst / (time from the first submit to the last job's first instruction).
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asJobId, asNodeName } from '../src/core/ids.ts';
import { createSlurmExecutor } from '../src/executors/slurm/index.ts';
import type { LaunchSpec } from '../src/executors/types.ts';
import { ensureSlurmCluster, JOB_USER, resetCluster } from '../test/slurm/cluster.ts';

/** sbatch reading the batch script from stdin, as `sbatch < job.sh` does. */
function sbatch(args: string[], script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('sbatch', args, { env: { PATH: '/usr/bin:/bin' } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end(script);
  });
}

function arg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.replace(/^--/, '').startsWith(`${name}=`));
  return a === undefined ? fallback : Number(a.slice(a.indexOf('=') + 1));
}
const samples = arg('samples', 60);
const burst = arg('burst', 100);
const concurrency = arg('concurrency', 8);
const warmup = arg('warmup', 5);
const seed = arg('seed', 1);

/** A small seeded PRNG (mulberry32), so a run's pauses can be repeated. */
function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const c = ensureSlurmCluster();
const root = mkdtempSync(join(tmpdir(), 'cheomdan-bench-slurm-'));
chownSync(root, c.uid, c.gid);
const ex = createSlurmExecutor({
  restUrl: c.restUrl, jwtKeyFile: c.jwtKeyFile, partition: c.partition, cliFallback: true, startTimeoutMs: 60_000,
});
const wallNow = (): number => performance.timeOrigin + performance.now();
const SCRIPT = 'echo $EPOCHREALTIME';
let seq = 0;

function spec(node: string): LaunchSpec & { dir: string } {
  const i = ++seq;
  const dir = join(root, `c${i}`);
  mkdirSync(dir);
  chownSync(dir, c.uid, c.gid);
  return {
    jobId: asJobId(`bench_${i}`), script: SCRIPT, workingDirectory: dir, environment: {},
    placement: [{ node: asNodeName(node), devices: [], tasks: 1, cpus: 1, memoryMb: 500 }],
    acceleratorType: null, tasks: 1, timeLimitSeconds: 300,
    stdoutPath: join(dir, 'out'), stderrPath: join(dir, 'err'), user: JOB_USER, dir,
  };
}

/** The job's first instruction, as epoch ms (its $EPOCHREALTIME). */
async function stamp(path: string): Promise<number> {
  for (let n = 0; ; n++) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // not created yet
    }
    if (text.endsWith('\n')) return Number(text.trim()) * 1000;
    if (n > 12_000) throw new Error(`no output in ${path} after 60 s`);
    await sleep(5);
  }
}

async function viaCheomdan(node: string): Promise<{ running: number; acked: number }> {
  const s = spec(node);
  const t0 = wallNow();
  await ex.start(s);
  const acked = wallNow() - t0;
  return { running: (await stamp(s.stdoutPath)) - t0, acked };
}

async function viaSbatch(node: string): Promise<{ running: number; acked: number }> {
  const i = ++seq;
  const dir = join(root, `s${i}`);
  mkdirSync(dir);
  const out = join(dir, 'out');
  const t0 = wallNow();
  await sbatch(['--parsable', '-p', c.partition, '-w', node, '-n1', '-c1', '--mem=500', '-t', '5',
    '-D', dir, '-o', out, '-e', join(dir, 'err')], `#!/bin/bash\n${SCRIPT}\n`);
  const acked = wallNow() - t0;
  return { running: (await stamp(out)) - t0, acked };
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const row = (name: string, xs: number[]) =>
  `| ${name} | ${q(xs, 50).toFixed(0)} | ${q(xs, 90).toFixed(0)} | ${q(xs, 99).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`;

/** `burst` jobs through sbatch, `concurrency` sbatch processes at a time; then wait until all run. */
async function burstSbatch(): Promise<number> {
  const t0 = wallNow();
  const outs: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < burst) {
      const i = next++;
      const dir = join(root, `b${++seq}`);
      mkdirSync(dir);
      outs.push(join(dir, 'out'));
      await sbatch(['--parsable', '-p', c.partition, '-w', c.nodes[i % c.nodes.length] ?? 'node1', '-n1', '-c1',
        '--mem=500', '-t', '5', '-D', dir, '-o', join(dir, 'out'), '-e', join(dir, 'err')], `#!/bin/bash\n${SCRIPT}\n`);
    }
  }));
  const last = Math.max(...(await Promise.all(outs.map(stamp))));
  return burst / ((last - t0) / 1000);
}

/** `burst` jobs through the executor, all start() calls at once (as a controller applies a cycle's starts). */
async function burstCheomdan(): Promise<number> {
  const t0 = wallNow();
  const specs = Array.from({ length: burst }, (_, i) => spec(c.nodes[i % c.nodes.length] ?? 'node1'));
  await Promise.all(specs.map((sp) => ex.start(sp)));
  const last = Math.max(...(await Promise.all(specs.map((sp) => stamp(sp.stdoutPath)))));
  return burst / ((last - t0) / 1000);
}

resetCluster();
const load0 = loadavg()[0] ?? 0;
for (let i = 0; i < warmup; i++) {
  await viaCheomdan(c.nodes[i % c.nodes.length] ?? 'node1');
  await viaSbatch(c.nodes[i % c.nodes.length] ?? 'node1');
}
const ch: { running: number; acked: number }[] = [];
const sb: { running: number; acked: number }[] = [];
const rand = mulberry32(seed);
for (let i = 0; i < samples; i++) {
  const node = c.nodes[i % c.nodes.length] ?? 'node1';
  // slurmctld allocates pending jobs on a ~1 s tick: a random pause puts each submission at a random
  // phase of that tick, else the back-to-back interleaving would give each path a fixed, different phase
  await sleep(rand() * 1000);
  ch.push(await viaCheomdan(node));
  await sleep(rand() * 1000);
  sb.push(await viaSbatch(node));
}
const tpSbatch = await burstSbatch();
await sleep(3000);
const tpCheomdan = await burstCheomdan();
const load1 = loadavg()[0] ?? 0;

const p50c = q(ch.map((x) => x.running), 50);
const p50s = q(sb.map((x) => x.running), 50);
console.log(`samples=${samples} burst=${burst} concurrency=${concurrency} warmup=${warmup} seed=${seed}; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
console.log('| measure (ms) | p50 | p90 | p99 | max |\n|---|---|---|---|---|');
console.log(row('plain sbatch: call -> job\'s first instruction', sb.map((x) => x.running)));
console.log(row('Cheomdan (REST) start() call -> job\'s first instruction', ch.map((x) => x.running)));
console.log(row('Cheomdan start() call -> start() resolved (knows it runs)', ch.map((x) => x.acked)));
console.log(row('plain sbatch: call -> sbatch returned the job id', sb.map((x) => x.acked)));
console.log(`\nadded latency to first instruction, p50: ${(((p50c - p50s) / p50s) * 100).toFixed(1)}% (${(p50c - p50s).toFixed(0)} ms)`);
console.log(`throughput (first submit -> all ${burst} running): plain sbatch ${tpSbatch.toFixed(1)} jobs/s, Cheomdan ${tpCheomdan.toFixed(1)} jobs/s`);
await ex.close();
rmSync(root, { recursive: true, force: true });
