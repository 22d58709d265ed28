/**
 * Local executor start latency: how long from calling start() until (a) start() resolves with a handle and
 * (b) the job's script is executing on this host. Jobs are trivial (`echo $EPOCHREALTIME`, the script's
 * first action) and started one after another, each after the previous one has exited, so the numbers are
 * the latency of one submission on an otherwise idle executor, not throughput.
 *
 * Target (issue 2): submit -> running p50 < 50 ms on the project machine (2 cores). The executor's share
 * of that is (b); the API and controller add theirs on top.
 *
 *   node --import tsx bench/executor-local.ts [--jobs=200] [--warmup=10]
 *
 * Three variants, interleaved job by job so that they share the machine's load: process-group tracking
 * (cgroups off; the baseline), a cgroup per job, and (as root) a cgroup per job with the job run as its
 * owner (`nobody`, setpriv, a private directory). `--jobs` is per variant.
 *
 * (b) compares the script's $EPOCHREALTIME with performance.timeOrigin + performance.now() taken just
 * before start(); both are this host's wall clock. The skew between the two clocks is printed at the end.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asJobId, asNodeName } from '../src/core/ids.ts';
import { createLocalExecutor } from '../src/executors/local/index.ts';
import type { LaunchSpec } from '../src/executors/types.ts';

function arg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : Number(a.slice(name.length + 3));
}

const jobs = arg('jobs', 200);
const warmup = arg('warmup', 10);
const root = mkdtempSync(join(tmpdir(), 'cheomdan-bench-local-'));
const OWNER = { userName: 'nobody', uid: 65534, gid: 65534, groups: [], home: '/nonexistent' };
interface Variant { name: string; executor: ReturnType<typeof createLocalExecutor>; owner: boolean; resolved: number[]; running: number[] }
const make = (name: string, cgroups: 'off' | 'auto', owner: boolean): Variant => ({
  name, owner, resolved: [], running: [],
  executor: createLocalExecutor({ stateDir: join(root, `state-${cgroups}`), outputRoot: join(root, 'jobs'), gracePeriodSeconds: 1, cgroups, warn: () => undefined }),
});
const variants: Variant[] = [make('process group (baseline)', 'off', false), make('cgroup per job', 'auto', false)];
if (process.getuid?.() === 0) variants.push(make('cgroup per job, run as its owner', 'auto', true));
const wallNow = (): number => performance.timeOrigin + performance.now();

function spec(i: number, owner: boolean): LaunchSpec {
  if (owner) {
    const dir = join(root, 'jobs', `bench_${i}`);
    return { ...spec(i, false), owner: OWNER, workingDirectory: dir, stdoutPath: join(dir, 'stdout.log'), stderrPath: join(dir, 'stderr.log') };
  }
  return {
    jobId: asJobId(`bench_${i}`),
    script: 'echo $EPOCHREALTIME\n',
    workingDirectory: root,
    environment: {},
    placement: [{ node: asNodeName('local-0'), devices: [0], tasks: 1, cpus: 1, memoryMb: 64 }],
    acceleratorType: 'nvidia-h100-sxm-80gb',
    tasks: 1,
    timeLimitSeconds: 60,
    stdoutPath: join(root, 'logs', `${i}.out`),
    stderrPath: join(root, 'logs', `${i}.err`),
  };
}

async function waitForStamp(path: string): Promise<number> {
  for (let n = 0; ; n++) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // a job run as its owner creates its log itself
    }
    if (text.endsWith('\n')) return Number(text.trim()) * 1000;
    if (n > 20_000) throw new Error(`no timestamp in ${path}`);
    await sleep(n < 100 ? 0 : 1);
  }
}

const loadBefore = loadavg()[0]!;
for (let i = 0; i < (warmup + jobs) * variants.length; i++) {
  const v = variants[i % variants.length]!;
  const { executor } = v;
  const s = spec(i, v.owner);
  if (v.owner) mkdirSync(s.workingDirectory, { recursive: true });
  const wall0 = wallNow();
  const t0 = performance.now();
  const handle = await executor.start(s);
  const t1 = performance.now();
  const stamp = await waitForStamp(s.stdoutPath);
  for (;;) {
    const [o] = await executor.observe([handle]);
    if (o?.state === 'exited') break;
    if (o?.state === 'lost') throw new Error(`lost: ${o.detail}`);
    await sleep(1);
  }
  if (i >= warmup * variants.length) {
    v.resolved.push(t1 - t0);
    v.running.push(stamp - wall0);
  }
}
const skew = Date.now() - wallNow();
for (const v of variants) await v.executor.close();
rmSync(root, { recursive: true, force: true });

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const row = (name: string, xs: number[]): string =>
  `| ${name} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 90).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${Math.max(...xs).toFixed(2)} |`;
console.log(`jobs=${jobs} warmup=${warmup} sequential, node ${process.version}, load average (1 min) ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after, wall-clock skew at end ${skew.toFixed(2)} ms`);
console.log('| variant: measure (ms) | p50 | p90 | p99 | max |');
console.log('|---|---|---|---|---|');
for (const v of variants) {
  console.log(row(`${v.name}: start() call -> start() resolved`, v.resolved));
  console.log(row(`${v.name}: start() call -> job script executing`, v.running));
}
const base = variants[0]!;
for (const v of variants.slice(1)) {
  console.log(`${v.name} / baseline, p50: start() resolved ${(pct(v.resolved, 50) / pct(base.resolved, 50)).toFixed(2)}x, script executing ${(pct(v.running, 50) / pct(base.running, 50)).toFixed(2)}x`);
}
