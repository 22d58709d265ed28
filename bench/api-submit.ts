/**
 * Issue 2 benchmarks, run against a real server process on loopback:
 *   (a) sustained job submissions per second through the HTTP API, with p50/p99 latency;
 *   (b) submit → running latency of a trivial job on the local executor (sequential, one job at a time);
 *   (c) where a Slurm test cluster runs (scripts/slurm-test-cluster.sh), `sbatch` of the same trivial job,
 *       measured the same way, and the ratio.
 *
 * Usage: node --import tsx bench/api-submit.ts [--seconds=10] [--concurrency=32] [--rate=2500] [--tick-ms=1] [--latency-jobs=100]
 *        [--server-prof=DIR]   (a CPU profile of each server process, for chrome://inspect or speedscope)
 *
 * (a) drains every node first, so submitted jobs stay pending (with a reason, as the controller explains
 * them): the measure is the submission path — auth, validation, feasibility, insert + event in one
 * transaction, and the scheduling cycles the submissions trigger — not 2,500 processes a second.
 * Targets (issue 2, for this 2-core machine): ≥ 2,500 submissions/s with p99 < 20 ms; submit → running p50 < 50 ms.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** `--name=value` or `name=value` (as `npm run bench -- api-submit rate=2500` passes it). */
const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`) || a.startsWith(`${name}=`))?.split('=')[1] ?? def);
const SECONDS = arg('seconds', 10);
const CONCURRENCY = arg('concurrency', 32);
const LATENCY_JOBS = arg('latency-jobs', 100);
/** Submissions per second for an open-loop run; 0: closed loop at `concurrency` (throughput). */
const RATE = arg('rate', 0);
/** Open loop: requests due are sent every this many ms (1: a steady stream; 10: bursts of rate/100). */
const TICK_MS = arg('tick-ms', 1);
/**
 * `as=member`: (a) submits as an organization's owner instead of the operator, so the per-member caps and
 * the per-token request limit are checked on every submission; `limits=off` turns them off (the baseline
 * for their overhead), `limits=high` keeps them checked but never reached.
 */
const AS = process.argv.find((a) => a.startsWith('as=') || a.startsWith('--as='))?.split('=')[1] ?? 'operator';
const LIMITS = process.argv.find((a) => a.startsWith('limits=') || a.startsWith('--limits='))?.split('=')[1] ?? 'default';
const LIMIT_ENV: Record<string, string> = LIMITS === 'off'
  ? { CHEOMDAN_MAX_WAITING_JOBS_PER_USER: '0', CHEOMDAN_MAX_WAITING_JOBS_PER_ORGANIZATION: '0', CHEOMDAN_SUBMISSIONS_PER_MINUTE: '0', CHEOMDAN_API_REQUESTS_PER_MINUTE: '0' }
  : LIMITS === 'high'
    ? { CHEOMDAN_MAX_WAITING_JOBS_PER_USER: '100000000', CHEOMDAN_MAX_WAITING_JOBS_PER_ORGANIZATION: '100000000', CHEOMDAN_SUBMISSIONS_PER_MINUTE: '100000000', CHEOMDAN_API_REQUESTS_PER_MINUTE: '100000000' }
    : {};
/** `--server-prof=DIR`: the server runs with `--cpu-prof` and writes its profile there when it stops. */
const SERVER_PROF = process.argv.find((a) => a.startsWith('--server-prof='))?.split('=')[1];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1]! };
};
const ms = (x: number) => x.toFixed(2);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function request(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, {
      method, agent,
      headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
    }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        res({ status: r.statusCode!, body: text && r.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
      });
    });
    req.on('error', rej);
    req.end(data);
  });
}

async function startServer(home: string, port: number) {
  const prof = SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(SERVER_PROF)}`] : [];
  const child = spawn(process.execPath, [...prof, join(ROOT, 'bin/cheomdan.js'), 'serve', '--home', home, '--port', String(port), '--inventory', join(ROOT, 'examples/inventories/demo.yaml')], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CHEOMDAN_LOG_LEVEL: 'warn', ...LIMIT_ENV },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(url + '/healthz').then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, token: readFileSync(join(home, 'admin-token'), 'utf8').trim() };
}

async function submissions(url: string, adminToken: string) {
  const nodes = (await request(url + '/v1/nodes', 'GET', adminToken)).body.items as { name: string }[];
  for (const n of nodes) await request(`${url}/v1/nodes/${n.name}`, 'PATCH', adminToken, { state: 'draining', reason: 'benchmark' });
  let token = adminToken;
  if (AS === 'member') {
    await request(url + '/v1/tenants', 'POST', adminToken, { slug: 'bench-org', name: 'Bench', kind: 'startup', sector: 'other' });
    await request(url + '/v1/users', 'POST', adminToken, { email: 'owner@bench-org.example', name: 'b', role: 'owner', tenant: 'bench-org', password: 'correct horse battery' });
    token = (await request(url + '/v1/auth/login', 'POST', '', { email: 'owner@bench-org.example', password: 'correct horse battery' })).body.token;
  }
  const job = { command: ['python', 'train.py', '--epochs', '10'], devicesPerTask: 1, acceleratorTypes: ['nvidia-h100-sxm-80gb'], timeLimitSeconds: 3600 };
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const r = await request(url + '/v1/jobs', 'POST', token, job);
        latencies.push(performance.now() - t);
        if (r.status !== 201) errors++;
      }
    }));
    return { latencies, errors, seconds };
  };
  /**
   * Open loop at a fixed rate: requests are sent on schedule (those due, every TICK_MS) whether or not
   * earlier ones have answered, so the latency includes any queueing the server causes — the way to
   * check "sustains N/s with p99 < X" (a closed loop at saturation measures throughput instead).
   */
  const runAtRate = async (seconds: number, rate: number) => {
    // The load generator shares the 2 cores with the server: it keeps its own work small (one serialised
    // body, responses drained unparsed, no per-request promise kept) so its pauses do not pass for the server's.
    const body = Buffer.from(JSON.stringify(job));
    const latencies = new Float64Array(Math.ceil(seconds * rate) + 1);
    let done = 0;
    let errors = 0;
    let outstanding = 0;
    let allSent = false;
    let finished: () => void = () => {};
    const over = new Promise<void>((res) => { finished = res; });
    const send = () => {
      const t = performance.now();
      outstanding++;
      const req = http.request(url + '/v1/jobs', {
        method: 'POST', agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
      }, (r) => {
        r.resume();
        r.on('end', () => {
          latencies[done++] = performance.now() - t;
          if (r.statusCode !== 201) errors++;
          if (--outstanding === 0 && allSent) finished();
        });
      });
      req.on('error', () => { errors++; if (--outstanding === 0 && allSent) finished(); });
      req.end(body);
    };
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      for (; sent < due; sent++) send();
      await new Promise((res) => setTimeout(res, TICK_MS));
    }
    allSent = true;
    if (outstanding > 0) await over;
    return { latencies: Array.from(latencies.subarray(0, done)), errors, seconds };
  };
  await run(2); // warm-up
  const before = await scrape(url, adminToken); // also resets the event-loop delay histogram (prom-client)
  const r = RATE > 0 ? await runAtRate(SECONDS, RATE) : await run(SECONDS);
  const server = serverStats(before, await scrape(url, adminToken));
  for (const n of nodes) await request(`${url}/v1/nodes/${n.name}`, 'PATCH', token, { state: 'up' });
  // Let the queue drain out of the way of the latency measurement: cancel everything still pending.
  return { ...summary(r.latencies), perSecond: r.latencies.length / r.seconds, errors: r.errors, server };
}

/** The server's Prometheus metrics as name{labels} → value. */
async function scrape(url: string, token: string): Promise<Map<string, number>> {
  const text = (await request(url + '/metrics', 'GET', token)).body as string;
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(cheomdan_\S+?(?:\{[^}]*\})?) (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/**
 * Where a tail comes from, between two scrapes: the server's event-loop delay and GC (prom-client's
 * default metrics) and the server-side time of the submissions (histogram buckets).
 */
function serverStats(before: Map<string, number>, after: Map<string, number>) {
  const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  const kinds = ['minor', 'major', 'incremental', 'weakcb'];
  const gc = kinds.map((k) => {
    const n = delta(`cheomdan_nodejs_gc_duration_seconds_count{kind="${k}"}`);
    const sum = delta(`cheomdan_nodejs_gc_duration_seconds_sum{kind="${k}"}`);
    return n > 0 ? `${k} ${n}× ${ms((sum / n) * 1000)} ms` : '';
  }).filter(Boolean).join(', ');
  const bucket = (le: string) => delta(`cheomdan_http_request_duration_seconds_bucket{le="${le}",method="POST",route="/v1/jobs",status="201"}`);
  const all = bucket('+Inf');
  return {
    lagP99Ms: (after.get('cheomdan_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
    lagMaxMs: (after.get('cheomdan_nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
    gc,
    over10: 100 * (1 - bucket('0.01') / all),
    over20: 100 * (1 - bucket('0.02') / all),
  };
}

/** Submit → running: the job's first action writes the time it began executing. */
async function submitToRunning(url: string, token: string, n: number) {
  const toRunning: number[] = [];
  const toExecuting: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = Date.now();
    const r = await request(url + '/v1/jobs', 'POST', token, { command: ['sh', '-c', 'date +%s%N'], partition: 'cpu' });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    let job: any;
    for (;;) {
      job = (await request(`${url}/v1/jobs/${r.body.id}`, 'GET', token)).body;
      if (['succeeded', 'failed'].includes(job.state)) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const out = (await request(`${url}/v1/jobs/${r.body.id}/logs`, 'GET', token)).body as string;
    if (i < 5) continue; // warm-up
    toRunning.push(Date.parse(job.startedAt) - t0);
    toExecuting.push(Number(BigInt(out.trim()) / 1_000_000n) - t0);
  }
  return { running: summary(toRunning), executing: summary(toExecuting) };
}

/** The same trivial job through plain sbatch, timed to the moment it starts executing. */
function sbatchLatency(n: number) {
  if (!existsSync('/etc/slurm/test-cluster.env')) return null;
  try {
    execFileSync('sinfo', ['-h'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-sbatch-'));
  execFileSync('chmod', ['777', dir]);
  const xs: number[] = [];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
  for (let i = 0; i < n + 3; i++) {
    const out = join(dir, `out-${i}`);
    const t0 = Date.now();
    execFileSync('sbatch', ['--parsable', '-o', out, '--wrap', 'date +%s%N'], { env });
    let text = '';
    for (let k = 0; k < 2000 && !text.trim(); k++) {
      execFileSync('sleep', ['0.01']);
      text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    }
    if (i >= 3 && text.trim()) xs.push(Number(BigInt(text.trim()) / 1_000_000n) - t0);
  }
  rmSync(dir, { recursive: true, force: true });
  return summary(xs);
}

const home = mkdtempSync(join(tmpdir(), 'bench-api-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const server = await startServer(home, port);
try {
  console.log(RATE > 0 ? `(a) submissions: ${SECONDS}s, open loop at ${RATE}/s (sent every ${TICK_MS} ms) …` : `(a) submissions: ${SECONDS}s at concurrency ${CONCURRENCY} …`);
  const clientLoop = monitorEventLoopDelay({ resolution: 1 });
  clientLoop.enable();
  const a = await submissions(server.url, server.token);
  clientLoop.disable();
  console.log(`    ${Math.round(a.perSecond)} submissions/s; latency p50 ${ms(a.p50)} ms, p90 ${ms(a.p90)} ms, p99 ${ms(a.p99)} ms, max ${ms(a.max)} ms; ${a.n} requests, ${a.errors} errors`);
  const st = a.server;
  console.log(`    server, during the measured run: event-loop delay p99 ${ms(st.lagP99Ms)} ms, max ${ms(st.lagMaxMs)} ms; GC ${st.gc}`);
  console.log(`    server-side time (Fastify onRequest → onResponse) of POST /v1/jobs: ${ms(st.over10)}% over 10 ms, ${ms(st.over20)}% over 20 ms`);
  console.log(`    client: event-loop delay p99 ${ms(clientLoop.percentile(99) / 1e6)} ms, max ${ms(clientLoop.max / 1e6)} ms`);
  // Restart on a fresh home so (b) is not measured behind tens of thousands of queued jobs.
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  if (LATENCY_JOBS <= 0) process.exit(0);
  const home2 = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const s2 = await startServer(home2, port + 1);
  try {
    console.log(`(b) submit → running, ${LATENCY_JOBS} sequential trivial jobs …`);
    const b = await submitToRunning(s2.url, s2.token, LATENCY_JOBS);
    console.log(`    submit → running (startedAt):  p50 ${b.running.p50} ms, p90 ${b.running.p90} ms, p99 ${b.running.p99} ms, max ${b.running.max} ms`);
    console.log(`    submit → executing (job's clock): p50 ${b.executing.p50} ms, p90 ${b.executing.p90} ms, p99 ${b.executing.p99} ms, max ${b.executing.max} ms`);
    const c = sbatchLatency(Math.min(LATENCY_JOBS, 30));
    if (c) {
      console.log(`(c) sbatch → executing (${c.n} jobs): p50 ${c.p50} ms, p90 ${c.p90} ms, p99 ${c.p99} ms, max ${c.max} ms`);
      console.log(`    ratio sbatch / cheomdan (p50, to executing): ${(c.p50 / b.executing.p50).toFixed(1)}×`);
    } else {
      console.log('(c) no Slurm test cluster running here: sbatch not measured (start one with scripts/slurm-test-cluster.sh)');
    }
  } finally {
    s2.child.kill('SIGTERM');
    rmSync(home2, { recursive: true, force: true });
  }
} finally {
  server.child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  agent.destroy();
}
