/**
 * `cheomdan testbed`: the AI-chip test bed from the command line.
 *
 *   cheomdan testbed serve [--port 8000] [--models DIR]        the reference inference server (Open Inference Protocol)
 *   cheomdan testbed bench --endpoint URL --model M --scenario server --target-qps 300 --target-latency 15ms
 *   cheomdan testbed bench --endpoint URL --model M --scenario offline --accuracy
 *
 * `bench` measures any server that speaks the Open Inference Protocol (KServe v2, Triton, `testbed serve`)
 * by the rules of MLPerf LoadGen 6.0 for the model (its mlperf.conf; --user-conf and the flags override
 * them, and every departure is printed): no job, no allocation, the bring-your-own-endpoint mode. It exits
 * 0 when the run completed, VALID or not (the verdict is printed, and in --json), 1 when the server could
 * not be benchmarked, 2 for bad flags.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SCENARIOS, parseConf, type Scenario, type TestSettings } from '../../loadgen/settings.ts';
import { UsageError } from '../config.ts';
import { CommandFailed, type Cli } from '../context.ts';
import { parsePort } from './serve.ts';
import { registerTestbedRuns } from './testbedRuns.ts';
import { count, parseDurationNs, positive, reportLines, scenarioOf } from './testbedFormat.ts';

export const DEFAULT_MODELS = fileURLToPath(new URL('../../../models', import.meta.url));

interface BenchFlags {
  endpoint: string;
  model: string;
  scenario: Scenario;
  accuracy?: boolean;
  targetQps?: number;
  targetLatency?: number;
  expectedLatency?: number;
  expectedQps?: number;
  minDuration?: number;
  maxDuration?: number;
  minQueries?: number;
  samplesPerQuery?: number;
  userConf?: string;
  findPeak?: boolean;
  samples: string;
  warmup: number;
  timeout?: number;
  accuracyTarget: number;
  out?: string;
}

export function registerTestbed(program: Command, cli: Cli): void {
  const tb = program.command('testbed').description('the AI-chip test bed: benchmark runs as jobs, results, comparisons, the reference inference server');
  registerTestbedRuns(tb, cli);

  tb.command('serve')
    .description('run the reference inference server (Open Inference Protocol REST, onnxruntime on CPU) until SIGINT/SIGTERM')
    .option('--port <port>', 'TCP port', parsePort, 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--models <dir>', 'model repository (<model>/<version>/model.onnx)', DEFAULT_MODELS)
    .option('--max-batch <n>', 'largest dynamic batch, samples', (v) => Math.max(1, Math.floor(positive(v))), 64)
    .option('--threads <n>', 'onnxruntime intra-op threads per model', (v) => Math.max(1, Math.floor(positive(v))), 1)
    .action(async (f: { port: number; host: string; models: string; maxBatch: number; threads: number }) => {
      const { loadRepository } = await import('../../testbed/server/repository.ts');
      const { buildInferenceServer } = await import('../../testbed/server/app.ts');
      const dir = resolve(cli.io.cwd, f.models);
      let models;
      try {
        models = await loadRepository(dir, { intraOpThreads: f.threads });
      } catch (e) {
        throw new UsageError(`--models ${dir}: ${(e as Error).message}`);
      }
      if (models.size === 0) throw new UsageError(`--models ${dir}: no <model>/<version>/model.onnx there`);
      const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
      const app = buildInferenceServer({ models, version, maxBatch: f.maxBatch });
      const url = await app.listen({ host: f.host, port: f.port });
      cli.out(`reference inference server listening on ${url} (Open Inference Protocol v2); models: ${[...models.keys()].join(', ')}`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void app.close().then(() => done());
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  tb.command('job')
    .description('(run by a test-bed job on its node) serve the reference model, benchmark it as CHEOMDAN_TESTBED_SPEC says, write testbed-result.json')
    .option('--models <dir>', 'model repository', DEFAULT_MODELS)
    .action(async (f: { models: string }) => {
      const text = cli.io.env.CHEOMDAN_TESTBED_SPEC;
      if (!text) throw new UsageError('CHEOMDAN_TESTBED_SPEC is not set: this command is what a test-bed job runs; submit one with `cheomdan testbed run`');
      let spec;
      try {
        spec = JSON.parse(text);
      } catch {
        throw new UsageError('CHEOMDAN_TESTBED_SPEC is not JSON');
      }
      const { runTestbedJob } = await import('../../testbed/jobRun.ts');
      const cliPath = fileURLToPath(new URL('../../../bin/cheomdan.js', import.meta.url));
      const r = await runTestbedJob(spec, { cwd: cli.io.cwd, cli: cliPath, models: resolve(cli.io.cwd, f.models), env: cli.io.env, log: (l) => cli.out(l) });
      if (!r.ok) throw new CommandFailed(`the test-bed run failed: ${r.error!.message}`);
    });

  tb.command('bench')
    .description('benchmark an Open Inference Protocol endpoint by MLPerf LoadGen 6.0 rules (no job: bring your own endpoint)')
    .requiredOption('--endpoint <url>', 'the server, e.g. http://127.0.0.1:8000')
    .requiredOption('--model <name>', 'model name on that server (its LoadGen rules: digits-cnn and resnet50 share the vision rules)')
    .requiredOption('--scenario <scenario>', `${SCENARIOS.join(', ')} (any case)`, scenarioOf)
    .option('--accuracy', 'accuracy mode: every sample once, checked against the FP32 reference')
    .option('--accuracy-target <fraction>', 'fraction of the reference metric to reach (MLPerf: 0.99, or 0.999)', positive, 0.99)
    .option('--target-qps <n>', 'Server: Poisson arrival rate', positive)
    .option('--target-latency <duration>', 'Server: latency bound at the target percentile (e.g. 15ms)', parseDurationNs)
    .option('--expected-latency <duration>', 'SingleStream/MultiStream: expected query latency (sizes the schedule)', parseDurationNs)
    .option('--expected-qps <n>', 'Offline: expected samples per second (sizes the one query)', positive)
    .option('--min-duration <duration>', 'minimum run duration (the rules: 10m)', parseDurationNs)
    .option('--max-duration <duration>', 'stop issuing after this long', parseDurationNs)
    .option('--min-queries <n>', 'minimum query count', count)
    .option('--samples-per-query <n>', 'MultiStream: samples per query (the rules: 8)', (v) => Math.max(1, count(v)))
    .option('--user-conf <file>', "settings in LoadGen's user.conf format (model.scenario.key = value)")
    .option('--find-peak', 'Server: search the highest VALID target QPS, starting at --target-qps')
    .option('--samples <dir>', 'the query sample library', `${DEFAULT_MODELS}/digits-validation`)
    .option('--warmup <n>', 'warm-up queries before the run, excluded from results', count, 64)
    .option('--timeout <duration>', 'per request (default 30s)', parseDurationNs)
    .option('--out <file>', 'also write the whole report as JSON to this file')
    .action(async (f: BenchFlags) => {
      const { runBenchmark } = await import('../../testbed/benchmark.ts');
      const { loadTensorLibrary } = await import('../../testbed/qsl.ts');
      const o: Partial<TestSettings> = {};
      if (f.targetQps !== undefined) o.serverTargetQps = f.targetQps;
      if (f.targetLatency !== undefined) o.serverTargetLatencyNs = f.targetLatency;
      if (f.expectedLatency !== undefined) o.singleStreamExpectedLatencyNs = o.multiStreamExpectedLatencyNs = f.expectedLatency;
      if (f.expectedQps !== undefined) o.offlineExpectedQps = f.expectedQps;
      if (f.minDuration !== undefined) o.minDurationMs = Math.round(f.minDuration / 1e6);
      if (f.maxDuration !== undefined) o.maxDurationMs = Math.round(f.maxDuration / 1e6);
      if (f.minQueries !== undefined) o.minQueryCount = f.minQueries;
      if (f.samplesPerQuery !== undefined) o.multiStreamSamplesPerQuery = f.samplesPerQuery;
      let userConf;
      if (f.userConf) {
        const path = resolve(cli.io.cwd, f.userConf);
        let text: string;
        try {
          text = readFileSync(path, 'utf8');
        } catch (e) {
          throw new UsageError(`--user-conf ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
        userConf = parseConf(text, f.userConf);
      }
      const report = await runBenchmark({
        endpoint: f.endpoint, model: f.model, scenario: f.scenario, mode: f.accuracy ? 'accuracy' : 'performance',
        qsl: loadTensorLibrary(resolve(cli.io.cwd, f.samples)), overrides: o, userConf, findPeak: f.findPeak,
        accuracyFraction: f.accuracyTarget, warmupQueries: f.warmup, onProgress: (line) => cli.err(line), timeoutMs: f.timeout === undefined ? undefined : f.timeout / 1e6,
      });
      if (f.out) writeFileSync(resolve(cli.io.cwd, f.out), `${JSON.stringify(report, null, 2)}\n`);
      if (cli.json) cli.printJson(report);
      else cli.out(reportLines(report).join('\n'));
    });
}
