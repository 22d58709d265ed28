/**
 * What a test-bed job runs on its node (`cheomdan testbed job`, started by the job script the test-bed
 * service writes): the reference inference server as a child process on a free loopback port, the
 * benchmark against it once it is ready, device power sampled meanwhile, and the whole record — report,
 * power, provenance — written to `testbed-result.json` in the job's directory, where the service reads it
 * when the job ends. A failure writes the error there too, and the job exits non-zero (its devices are
 * released like any ended job's).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { isCheomdanError } from '../core/errors.ts';
import type { Scenario, TestSettings } from '../loadgen/settings.ts';
import { runBenchmark, type BenchmarkReport } from './benchmark.ts';
import { loadTensorLibrary } from './qsl.ts';
import { startPowerSampling, type PowerReport } from './telemetry.ts';

export const RESULT_FILE = 'testbed-result.json';

export interface TestbedJobSpec {
  model: string;
  scenario: Scenario;
  mode: 'performance' | 'accuracy';
  overrides: Partial<Record<keyof TestSettings, number | boolean | string>>;
  findPeak: boolean;
  accuracyFraction: number;
  warmupQueries: number;
}

export interface TestbedJobResult {
  ok: boolean;
  error: { code: string; message: string } | null;
  report: BenchmarkReport | null;
  power: PowerReport | null;
  provenance: Record<string, string | number | null>;
  startedAt: number;
  endedAt: number;
}

function startServer(cli: string, models: string): Promise<{ url: string; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'testbed', 'serve', '--port', '0', '--models', models], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const fail = (why: string) => reject(new Error(`the reference server did not start: ${why}${out ? `; it said: ${out.trim().slice(-500)}` : ''}`));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail('not listening after 60 s');
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop: () => child.kill('SIGTERM') });
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(`it exited with ${code}`);
    });
  });
}

export async function runTestbedJob(spec: TestbedJobSpec, opts: { cwd: string; cli: string; models: string; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<TestbedJobResult> {
  const startedAt = Date.now();
  const acceleratorType = opts.env.CHEOMDAN_ACCELERATOR_TYPE ?? '';
  const devices = opts.env.CUDA_VISIBLE_DEVICES ?? '';
  const provenance: TestbedJobResult['provenance'] = {
    node: opts.env.CHEOMDAN_NODE || hostname(), host: hostname(), acceleratorType: acceleratorType || null, devices: devices || null, jobId: opts.env.CHEOMDAN_JOB_ID ?? null,
    cpu: cpus()[0]?.model ?? null, cpus: cpus().length, kernel: release(), nodejs: process.version,
    generator: 'cheomdan loadgen (MLPerf LoadGen 6.0 rules)', sut: 'cheomdan testbed serve (Open Inference Protocol v2)',
  };
  let server: { url: string; stop(): void } | null = null;
  let result: TestbedJobResult;
  try {
    opts.log(`starting the reference server for ${spec.model}…`);
    server = await startServer(opts.cli, opts.models);
    opts.log(`reference server at ${server.url}; running ${spec.scenario} ${spec.mode}`);
    const power = await startPowerSampling({ acceleratorType, devices });
    const t0 = Date.now();
    const overrides = Object.fromEntries(Object.entries(spec.overrides).map(([k, v]) => [k, /RngSeed$/.test(k) ? BigInt(v as string) : v])) as Partial<TestSettings>;
    const report = await runBenchmark({
      endpoint: server.url, model: spec.model, scenario: spec.scenario, mode: spec.mode, qsl: loadTensorLibrary(join(opts.models, 'digits-validation')),
      overrides, findPeak: spec.findPeak, accuracyFraction: spec.accuracyFraction, warmupQueries: spec.warmupQueries,
    });
    const powerReport = await power.stop((Date.now() - t0) / 1000);
    const meta = report.sut.metadata?.parameters ?? {};
    Object.assign(provenance, { runtime: String(meta.runtime ?? ''), modelSha256: String(meta.sha256 ?? ''), executionProvider: String(meta.executionProvider ?? '') });
    const gpu = powerReport.devices[0];
    if (gpu) Object.assign(provenance, { deviceName: gpu.name, driver: gpu.driver, smClockMHz: gpu.smClockMHz, memClockMHz: gpu.memClockMHz, temperatureC: gpu.temperatureC });
    result = { ok: true, error: null, report, power: powerReport, provenance, startedAt, endedAt: Date.now() };
    opts.log(`${report.valid ? 'VALID' : 'INVALID'}: ${report.result.metric.name} ${report.result.metric.value}${report.accuracy ? `; accuracy ${report.accuracy.message}` : ''}`);
  } catch (e) {
    const code = isCheomdanError(e) ? e.code : 'testbed_failed';
    result = { ok: false, error: { code, message: (e as Error).message }, report: null, power: null, provenance, startedAt, endedAt: Date.now() };
    opts.log(`failed: ${(e as Error).message}`);
  } finally {
    server?.stop();
  }
  writeFileSync(join(opts.cwd, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
