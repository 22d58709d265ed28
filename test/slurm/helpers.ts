/** Builders and waits shared by the Slurm test suites. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asJobId, asNodeName } from '../../src/core/ids.ts';
import type { NodeAllocation } from '../../src/core/resources.ts';
import type { Executor, ExecutorHandle, LaunchSpec, Observation } from '../../src/executors/types.ts';
import { createSlurmExecutor, type SlurmExecutorConfig } from '../../src/executors/slurm/index.ts';
import { JOB_USER, jobDir, type SlurmTestCluster } from './cluster.ts';

let seq = 0;

/** `aJob(c).on('node1', [0]).script('echo hi').build()`: a LaunchSpec with valid defaults. */
export function aJob(c: SlurmTestCluster, name = 'job') {
  const dir = jobDir(c, name);
  const placement: NodeAllocation[] = [];
  const spec: LaunchSpec = {
    jobId: asJobId(`job_${name}_${process.pid}_${++seq}`),
    script: 'true',
    workingDirectory: dir,
    environment: {},
    placement,
    acceleratorType: null,
    tasks: 1,
    timeLimitSeconds: 120,
    stdoutPath: join(dir, 'stdout.log'),
    stderrPath: join(dir, 'stderr.log'),
    user: JOB_USER,
  };
  const b = {
    /** One node allocation with these device indices; one task on it. */
    on(node: string, devices: number[] = [], tasks = 1) {
      placement.push({ node: asNodeName(node), devices, tasks, cpus: tasks, memoryMb: 500 });
      spec.tasks = placement.reduce((n, a) => n + a.tasks, 0);
      if (devices.length) spec.acceleratorType = 'nvidia-h100-sxm-80gb';
      return b;
    },
    script(s: string) { spec.script = s; return b; },
    env(e: Record<string, string>) { spec.environment = e; return b; },
    timeLimit(s: number) { spec.timeLimitSeconds = s; return b; },
    user(u: string) { spec.user = u; return b; },
    build(): LaunchSpec {
      if (placement.length === 0) b.on('node1');
      return spec;
    },
  };
  return b;
}

export function executorFor(c: SlurmTestCluster, extra: Partial<SlurmExecutorConfig> = {}) {
  return createSlurmExecutor({
    restUrl: c.restUrl, jwtKeyFile: c.jwtKeyFile, partition: c.partition, cliFallback: true,
    gresTypes: {}, startTimeoutMs: 20_000, ...extra,
  });
}

export async function waitFor(
  ex: Executor, handle: ExecutorHandle, pred: (o: Observation) => boolean, timeoutMs = 30_000,
): Promise<Observation> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [o] = await ex.observe([handle]);
    if (o && pred(o)) return o;
    if (Date.now() > until) {
      throw new Error(`timed out waiting on job ${handle}; last: ${JSON.stringify(o)}\n${slurmctldLogTail(handle)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls a condition (e.g. a log line written) every 200 ms until it holds; throws after timeoutMs. */
export async function until(cond: () => boolean, timeoutMs: number, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What slurmctld logged about a job (and its restarts), so a timeout in CI says why. */
function slurmctldLogTail(handle: ExecutorHandle): string {
  const lines = read('/var/log/slurm/slurmctld.log').split('\n');
  const about = lines.filter((l) => l.includes(`JobId=${handle}`) || l.includes('started on cluster')).slice(-20);
  return about.length ? `slurmctld.log:\n${about.join('\n')}` : '';
}

export const waitExit = (ex: Executor, h: ExecutorHandle, timeoutMs?: number) =>
  waitFor(ex, h, (o) => o.state !== 'running', timeoutMs);

export function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export async function collect(it: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of it) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
}
