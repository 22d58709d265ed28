/**
 * `cheomdan testbed run|runs|show|results|compare|cancel|models`: test-bed runs on the cluster, through the
 * API (each run is a job on a node of the accelerator type; see services/testbed.ts).
 *
 *   cheomdan testbed run --model digits-cnn --scenario server --accelerator furiosa-rngd --target-qps 400 --target-latency 15ms --wait
 *   cheomdan testbed results            the table per model × accelerator type × scenario, and the compatibility matrix
 *   cheomdan testbed compare RUN RUN…   side by side, against the first
 */
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { TestbedComparison, TestbedModel, TestbedResults, TestbedRun, TestbedRunDetail } from '../../contract/index.ts';
import { parseSlurmTime } from '../../core/sbatch.ts';
import type { Scenario } from '../../loadgen/settings.ts';
import type { BenchmarkReport } from '../../testbed/benchmark.ts';
import { CommandFailed, type Cli } from '../context.ts';
import { formatTime, table } from '../format.ts';
import { count, parseDurationNs, positive, reportLines, scenarioOf } from './testbedFormat.ts';

type Run = z.infer<typeof TestbedRun>;

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : String(+v.toPrecision(digits)));
const metric = (r: Run) => (r.summary ? `${num(r.summary.metric.value)}${r.summary.metric.unit ? ` ${r.summary.metric.unit}` : ''}` : '-');
const verdict = (r: Run) => {
  if (r.state !== 'completed') return r.state.toUpperCase();
  if (r.summary?.accuracy && !r.summary.accuracy.passed) return 'ACCURACY FAIL';
  return r.summary?.valid ? 'VALID' : 'INVALID';
};

export function runsTable(runs: readonly Run[], width = 160): string {
  return table(runs, [
    { header: 'ID', get: (r) => r.id }, { header: 'MODEL', get: (r) => r.model, max: 22 }, { header: 'ACCELERATOR', get: (r) => r.acceleratorType ? `${r.devices}× ${r.acceleratorType}` : 'cpu' },
    { header: 'SCENARIO', get: (r) => `${r.scenario}${r.mode === 'accuracy' ? ' (acc)' : ''}` }, { header: 'RESULT', get: verdict },
    { header: 'METRIC', get: metric }, { header: 'P99', get: (r) => (r.summary?.latencyMs ? `${num(r.summary.latencyMs.p99)} ms` : '-') },
    { header: 'ACCURACY', get: (r) => (r.summary?.accuracy ? `${(r.summary.accuracy.value * 100).toFixed(2)}%` : '-') },
    { header: 'PERF/W', get: (r) => num(r.summary?.perfPerWatt ?? null) }, { header: 'SU', get: (r) => num(r.summary?.chargedUnits ?? null) },
    { header: 'CREATED', get: (r) => formatTime(r.createdAt) },
  ], width);
}

export function runLines(r: z.infer<typeof TestbedRunDetail>): string[] {
  const lines = [
    `Run        ${r.id} (${r.name}) · job ${r.jobId} · ${r.state}${r.pendingReason ? ` — ${r.pendingReason}` : ''}`,
    `On         ${r.acceleratorType ? `${r.devices} × ${r.acceleratorType}` : 'CPU only'}${r.summary?.node ? ` · node ${r.summary.node}` : ''}${r.summary?.executionProvider ? ` · executed on ${r.summary.executionProvider}` : ''}`,
  ];
  if (r.error) lines.push(`Error      ${r.error.message}`);
  const report = (r.result?.report ?? null) as BenchmarkReport | null;
  if (report) lines.push(...reportLines(report));
  const s = r.summary;
  if (s) {
    lines.push(`Power      ${s.meanPowerW === null ? 'unknown' : `${num(s.meanPowerW)} W mean, ${num(s.energyJ)} J`} (${s.powerSource})${s.perfPerWatt !== null ? ` · ${num(s.perfPerWatt)} samples/s per W` : ''}`);
    lines.push(`Charged    ${s.chargedUnits === null ? 'nothing recorded' : `${num(s.chargedUnits)} service units${s.samplesPerUnit !== null ? ` · ${num(s.samplesPerUnit)} samples per unit` : ''}`}`);
    for (const c of s.caveats) lines.push(`  NOTE: ${c}`);
  }
  const prov = (r.result?.provenance ?? null) as Record<string, unknown> | null;
  if (prov) lines.push(`Provenance ${Object.entries(prov).filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}=${String(v)}`).join(' · ')}`);
  return lines;
}

interface RunFlags {
  model: string; scenario: Scenario; accuracy?: boolean; accelerator?: string; devices?: number; targetQps?: number; targetLatency?: number;
  expectedLatency?: number; expectedQps?: number; minDuration?: number; maxDuration?: number; minQueries?: number; samplesPerQuery?: number;
  findPeak?: boolean; accuracyTarget?: number; warmup?: number; project?: string; allocation?: string; partition?: string; time?: number; name?: string; wait?: boolean;
}

const query = (f: { model?: string; accelerator?: string; scenario?: Scenario; tenant?: string }) => {
  const q = new URLSearchParams();
  if (f.model) q.set('model', f.model);
  if (f.accelerator) q.set('acceleratorType', f.accelerator);
  if (f.scenario) q.set('scenario', f.scenario);
  if (f.tenant) q.set('tenant', f.tenant);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export function registerTestbedRuns(tb: Command, cli: Cli): void {
  const request = async <S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown) => (await cli.client()).request(method, path, schema, body);
  const ms = (ns: number | undefined) => (ns === undefined ? undefined : ns / 1e6);

  tb.command('models').description("the reference server's models, and the FP32 reference accuracy runs are held to")
    .action(async () => {
      const { items } = await request('GET', '/v1/testbed/models', z.object({ items: z.array(TestbedModel) }));
      if (cli.json) return cli.printJson({ items });
      cli.out(table(items, [
        { header: 'MODEL', get: (m) => m.name }, { header: 'VERSIONS', get: (m) => m.versions.join(',') },
        { header: 'FP32 TOP-1', get: (m) => (m.fp32Metric === null ? '-' : `${(m.fp32Metric * 100).toFixed(3)}%`) },
        { header: 'HELD TO', get: (m) => `${m.reference.model} ${(m.reference.value * 100).toFixed(3)}%` }, { header: 'SHA256', get: (m) => (m.sha256 ?? '-').slice(0, 16) },
        { header: 'TASK', get: (m) => m.task },
      ], 140));
    });

  tb.command('run').description('benchmark a model on an accelerator type, as a job on the cluster (MLPerf LoadGen 6.0 rules)')
    .requiredOption('--model <name>', 'a model of the reference server (cheomdan testbed models)')
    .requiredOption('--scenario <scenario>', 'SingleStream, MultiStream, Server or Offline (any case)', scenarioOf)
    .option('--accelerator <type>', 'accelerator type id or short name (h100, rngd); default: a CPU-only run')
    .option('--devices <n>', 'devices of that type (default 1)', (v) => Math.max(1, count(v)))
    .option('--accuracy', 'accuracy mode: every sample once, held to 99% of the FP32 reference')
    .option('--accuracy-target <fraction>', 'fraction of the reference to reach (0.99 or 0.999)', positive)
    .option('--target-qps <n>', 'Server: Poisson arrival rate', positive)
    .option('--target-latency <duration>', 'Server: latency bound (e.g. 15ms)', parseDurationNs)
    .option('--expected-latency <duration>', 'SingleStream/MultiStream: expected query latency', parseDurationNs)
    .option('--expected-qps <n>', 'Offline: expected samples per second', positive)
    .option('--min-duration <duration>', 'minimum run duration (the rules: 10m)', parseDurationNs)
    .option('--max-duration <duration>', 'stop issuing after this long', parseDurationNs)
    .option('--min-queries <n>', 'minimum query count', count)
    .option('--samples-per-query <n>', 'MultiStream: samples per query', (v) => Math.max(1, count(v)))
    .option('--find-peak', 'Server: search the highest VALID target QPS from --target-qps')
    .option('--warmup <n>', 'warm-up queries, excluded from results', count)
    .option('--name <name>', 'a name for the run')
    .option('-A, --account <project>', 'project to charge (as sbatch -A)')
    .option('--allocation <id>', 'allocation to charge')
    .option('-p, --partition <name>', 'partition (default: one with nodes of the type)')
    .option('-t, --time <time>', "the job's time limit, as sbatch (e.g. 30, 1:00:00); default: from the run's duration", (v) => {
      const s = parseSlurmTime(v);
      if ('error' in s) throw new InvalidArgumentError(s.error);
      return s.seconds;
    })
    .option('--wait', 'wait for the result and print it (exit 1 when the run failed)')
    .action(async (f: RunFlags & { account?: string }) => {
      const settings: Record<string, number> = {};
      if (f.targetQps !== undefined) settings.targetQps = f.targetQps;
      if (f.targetLatency !== undefined) settings.targetLatencyMs = ms(f.targetLatency)!;
      if (f.expectedLatency !== undefined) settings.expectedLatencyMs = ms(f.expectedLatency)!;
      if (f.expectedQps !== undefined) settings.expectedQps = f.expectedQps;
      if (f.minDuration !== undefined) settings.minDurationMs = Math.round(ms(f.minDuration)!);
      if (f.maxDuration !== undefined) settings.maxDurationMs = Math.round(ms(f.maxDuration)!);
      if (f.minQueries !== undefined) settings.minQueryCount = f.minQueries;
      if (f.samplesPerQuery !== undefined) settings.samplesPerQuery = f.samplesPerQuery;
      const body = {
        model: f.model, scenario: f.scenario, mode: f.accuracy ? 'accuracy' : 'performance', settings,
        ...(f.accelerator ? { acceleratorType: f.accelerator } : {}), ...(f.devices !== undefined ? { devices: f.devices } : {}),
        ...(f.findPeak ? { findPeak: true } : {}), ...(f.accuracyTarget !== undefined ? { accuracyTarget: f.accuracyTarget } : {}),
        ...(f.warmup !== undefined ? { warmupQueries: f.warmup } : {}), ...(f.name ? { name: f.name } : {}),
        ...(f.account ? { project: f.account } : {}), ...(f.allocation ? { allocation: f.allocation } : {}),
        ...(f.partition ? { partition: f.partition } : {}), ...(f.time !== undefined ? { timeLimitSeconds: Math.max(60, f.time) } : {}),
      };
      let run: Run = await request('POST', '/v1/testbed/runs', TestbedRun, body);
      if (!f.wait) {
        if (cli.json) return cli.printJson(run);
        return cli.out(`submitted test-bed run ${run.id} (job ${run.jobId}); see it with: cheomdan testbed show ${run.id}`);
      }
      cli.err(`submitted test-bed run ${run.id} (job ${run.jobId}); waiting for its result…`);
      let last = '';
      while (run.finishedAt === null) {
        await new Promise((r) => setTimeout(r, 1000));
        run = await request('GET', `/v1/testbed/runs/${run.id}`, TestbedRun);
        const now = `${run.state}${run.pendingReason ? `: ${run.pendingReason}` : ''}`;
        if (now !== last) cli.err(`  ${now}`);
        last = now;
      }
      const detail = await request('GET', `/v1/testbed/runs/${run.id}`, TestbedRunDetail);
      if (cli.json) cli.printJson(detail);
      else cli.out(runLines(detail).join('\n'));
      if (detail.state !== 'completed') throw new CommandFailed(`test-bed run ${detail.id} ${detail.state}${detail.error ? `: ${detail.error.message}` : ''}`);
    });

  tb.command('runs').description("test-bed runs, newest first (your organization's; operators: all)")
    .option('--model <name>').option('--accelerator <type>', 'a type id, a short name, or cpu').option('--scenario <scenario>', 'one scenario', scenarioOf)
    .option('--tenant <tenant>', 'one organization (operators)')
    .action(async (f: { model?: string; accelerator?: string; scenario?: Scenario; tenant?: string }) => {
      const { items } = await request('GET', `/v1/testbed/runs${query(f)}`, z.object({ items: z.array(TestbedRun) }));
      if (cli.json) return cli.printJson({ items });
      cli.out(items.length === 0 ? 'no test-bed runs yet: start one with cheomdan testbed run' : runsTable(items));
    });

  tb.command('show').description('one run: its result, latencies, accuracy, power, charge and provenance').argument('<run>')
    .action(async (id: string) => {
      const r = await request('GET', `/v1/testbed/runs/${encodeURIComponent(id)}`, TestbedRunDetail);
      if (cli.json) return cli.printJson(r);
      cli.out(runLines(r).join('\n'));
    });

  tb.command('cancel').description('cancel a run (its job ends; its devices are released)').argument('<run>')
    .action(async (id: string) => {
      const r = await request('POST', `/v1/testbed/runs/${encodeURIComponent(id)}/cancel`, TestbedRun);
      if (cli.json) return cli.printJson(r);
      cli.out(`cancelling test-bed run ${r.id} (job ${r.jobId}): ${r.state}`);
    });

  tb.command('results').description('results per model × accelerator type × scenario (best VALID run), and the compatibility matrix')
    .option('--model <name>').option('--accelerator <type>').option('--scenario <scenario>', 'one scenario', scenarioOf)
    .option('--tenant <tenant>', 'one organization (operators)')
    .option('--csv', 'every run as CSV (one row per run) instead')
    .action(async (f: { model?: string; accelerator?: string; scenario?: Scenario; tenant?: string; csv?: boolean }) => {
      if (f.csv) return cli.out((await (await cli.client()).text(`/v1/testbed/runs.csv${query(f)}`, 'text/csv')).trimEnd());
      const t = await request('GET', `/v1/testbed/results${query(f)}`, TestbedResults);
      if (cli.json) return cli.printJson(t);
      if (t.rows.length === 0) return cli.out('no test-bed runs yet: start one with cheomdan testbed run');
      cli.out(table(t.rows, [
        { header: 'MODEL', get: (r) => r.model }, { header: 'ACCELERATOR', get: (r) => r.acceleratorType ?? 'cpu' }, { header: 'SCENARIO', get: (r) => r.scenario },
        { header: 'RUNS', get: (r) => `${r.validRuns}/${r.runs} valid` }, { header: 'BEST', get: (r) => (r.best ? metric(r.best) : '-') },
        { header: 'P99', get: (r) => (r.best?.summary?.latencyMs ? `${num(r.best.summary.latencyMs.p99)} ms` : '-') },
        { header: 'PERF/W', get: (r) => num(r.best?.summary?.perfPerWatt ?? null) }, { header: 'BEST RUN', get: (r) => r.best?.id ?? '-' },
        { header: 'LATEST', get: (r) => `${r.latest.id} ${verdict(r.latest)}` },
      ], 160));
      cli.out('');
      cli.out('Compatibility (model × accelerator type)');
      cli.out(table(t.compatibility, [
        { header: 'MODEL', get: (c) => c.model }, { header: 'ACCELERATOR', get: (c) => c.acceleratorType ?? 'cpu' },
        { header: 'STATUS', get: (c) => c.status.toUpperCase() }, { header: 'WHY', get: (c) => c.reason ?? '', max: 90 }, { header: 'RUN', get: (c) => c.runId },
      ], 160));
    });

  tb.command('compare').description('two to eight runs side by side; ratios against the first').argument('<runs...>')
    .action(async (ids: string[]) => {
      const c = await request('GET', `/v1/testbed/compare?runs=${encodeURIComponent(ids.join(','))}`, TestbedComparison);
      if (cli.json) return cli.printJson(c);
      const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}×`);
      cli.out(table(c.runs, [
        { header: 'RUN', get: (r) => r.id }, { header: 'MODEL', get: (r) => r.model }, { header: 'ACCELERATOR', get: (r) => r.acceleratorType ?? 'cpu' },
        { header: 'SCENARIO', get: (r) => r.scenario }, { header: 'RESULT', get: verdict }, { header: 'THROUGHPUT', get: (r) => `${num(r.summary?.throughput ?? null)} (${x(r.ratios.throughput)})` },
        { header: 'P99', get: (r) => `${r.summary?.latencyMs ? `${num(r.summary.latencyMs.p99)} ms` : '-'} (${x(r.ratios.p99Latency)})` },
        { header: 'PERF/W', get: (r) => `${num(r.summary?.perfPerWatt ?? null)} (${x(r.ratios.perfPerWatt)})` },
        { header: 'SAMPLES/SU', get: (r) => `${num(r.summary?.samplesPerUnit ?? null)} (${x(r.ratios.samplesPerUnit)})` },
      ], 180));
      cli.out(c.comparable ? 'comparable: same model, scenario and mode, all by the rules' : 'NOT directly comparable:');
      for (const n of c.notes) cli.out(`  - ${n}`);
    });
}
