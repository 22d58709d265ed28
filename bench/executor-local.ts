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
 * (b) compares the script's $EPOCHREALTIME with performance.timeOrigin + performance.now() taken just
 * before start(); both are this host's wall clock. The skew between the two clocks is printed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const executor = createLocalExecutor({ stateDir: join(root, 'state'), gracePeriodSeconds: 1 });
const wallNow = (): number => performance.timeOrigin + performance.now();

function spec(i: number): LaunchSpec {
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
    const text = readFileSync(path, 'utf8');
    if (text.endsWith('\n')) return Number(text.trim()) * 1000;
    if (n > 20_000) throw new Error(`no timestamp in ${path}`);
    await sleep(n < 100 ? 0 : 1);
  }
}

const loadBefore = loadavg()[0]!;
const resolved: number[] = [];
const running: number[] = [];
for (let i = 0; i < warmup + jobs; i++) {
  const s = spec(i);
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
  if (i >= warmup) {
    resolved.push(t1 - t0);
    running.push(stamp - wall0);
  }
}
const skew = Date.now() - wallNow();
await executor.close();
rmSync(root, { recursive: true, force: true });

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const row = (name: string, xs: number[]): string =>
  `| ${name} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 90).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${Math.max(...xs).toFixed(2)} |`;
console.log(`jobs=${jobs} warmup=${warmup} sequential, node ${process.version}, load average (1 min) ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after, wall-clock skew at end ${skew.toFixed(2)} ms`);
console.log('| measure (ms) | p50 | p90 | p99 | max |');
console.log('|---|---|---|---|---|');
console.log(row('start() call -> start() resolved (handle returned)', resolved));
console.log(row('start() call -> job script executing', running));
