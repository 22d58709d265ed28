/**
 * The test bed (issue 12): benchmark runs as jobs, their results, tables and comparisons.
 *
 * A run is submitted as an ordinary job through the job service (so quotas, allocations, reservations and
 * the scheduler's placement apply, and it is charged like any job): one task on a node of the requested
 * accelerator type, `cheomdan testbed job` as its command, the spec in CHEOMDAN_TESTBED_SPEC. That command
 * (testbed/jobRun.ts) starts the reference server on the node and devices, benchmarks it by LoadGen 6.0
 * rules, and writes testbed-result.json in the job's private directory. When the job has ended the
 * service reads that file back — once — with the service units the job was charged; a job that ended
 * without writing it (killed, timed out, failed to start) makes a failed run naming why.
 *
 * Trust: the file is written by a process running as the run's owner, so it is read without following
 * links, only if it is a regular file under the size limit, and checked for shape before it is stored.
 */
import { constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCELERATOR_CATALOG, findAcceleratorType } from '../core/accelerators.ts';
import { CheomdanError } from '../core/errors.ts';
import { type JobId, type ProjectId, type TenantId, type UserId } from '../core/ids.ts';
import type { InventoryNode } from '../core/inventory.ts';
import * as jobState from '../core/jobState.ts';
import { resolveAcceleratorType } from '../core/sbatch.ts';
import type { TestbedRunRequest, TestbedSettings, TestbedSummary } from '../contract/testbed.ts';
import { settingsFor, validateSettings, type Scenario, type TestSettings } from '../loadgen/settings.ts';
import type { JobRecord, TestbedRunRecord } from '../store/records.ts';
import { RESULT_FILE, type TestbedJobResult, type TestbedJobSpec } from '../testbed/jobRun.ts';
import { assertVisible, tenantScope, type Actor } from './actor.ts';
import type { ChangeFeed } from './changes.ts';
import type { ServiceContext } from './context.ts';
import type { IdentityService } from './identity.ts';
import type { JobService } from './jobs.ts';

export const REPOSITORY_MODELS = fileURLToPath(new URL('../../models', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/cheomdan.js', import.meta.url));
/** A result file larger than this is not a result (a report is tens of KiB). */
const MAX_RESULT_BYTES = 16 * 1024 * 1024;

export interface TestbedSpec {
  request: TestbedRunRequest;
  job: TestbedJobSpec;
  devices: number;
  partition: string;
}

export interface TestbedModelInfo {
  name: string; versions: string[]; sha256: string | null; task: string; dataset: string; metric: string;
  fp32Metric: number | null; reference: { model: string; value: number };
}

export type TestbedRunState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** A run as the API shows it: the record, its job's state, and the summary of its result. */
export interface TestbedRunView {
  run: TestbedRunRecord;
  spec: TestbedSpec;
  job: JobRecord | undefined;
  state: TestbedRunState;
  error: { code: string; message: string } | null;
  result: TestbedJobResult | null;
  summary: TestbedSummary | null;
}

/** The API's settings (ms) as LoadGen test settings (ns). */
export function overridesOf(s: TestbedSettings): Partial<TestSettings> {
  const o: Partial<TestSettings> = {};
  if (s.targetQps !== undefined) o.serverTargetQps = s.targetQps;
  if (s.targetLatencyMs !== undefined) o.serverTargetLatencyNs = Math.round(s.targetLatencyMs * 1e6);
  if (s.expectedLatencyMs !== undefined) o.singleStreamExpectedLatencyNs = o.multiStreamExpectedLatencyNs = Math.round(s.expectedLatencyMs * 1e6);
  if (s.expectedQps !== undefined) o.offlineExpectedQps = s.expectedQps;
  if (s.minDurationMs !== undefined) o.minDurationMs = s.minDurationMs;
  if (s.maxDurationMs !== undefined) o.maxDurationMs = s.maxDurationMs;
  if (s.minQueryCount !== undefined) o.minQueryCount = s.minQueryCount;
  if (s.samplesPerQuery !== undefined) o.multiStreamSamplesPerQuery = s.samplesPerQuery;
  return o;
}

const SETTING_PATH: Partial<Record<keyof TestSettings, keyof TestbedSettings>> = {
  serverTargetQps: 'targetQps', serverTargetLatencyNs: 'targetLatencyMs', singleStreamExpectedLatencyNs: 'expectedLatencyMs',
  multiStreamExpectedLatencyNs: 'expectedLatencyMs', offlineExpectedQps: 'expectedQps', minDurationMs: 'minDurationMs',
  maxDurationMs: 'maxDurationMs', minQueryCount: 'minQueryCount', multiStreamSamplesPerQuery: 'samplesPerQuery',
};

/** The models of a repository folder (<model>/<version>/model.onnx), with the validation set's reference. */
export function repositoryModels(dir = REPOSITORY_MODELS): TestbedModelInfo[] {
  let ref: { dataset: string; metric: string; reference: string; referenceTop1: number; models: Record<string, { sha256: string; fp32Top1: number }> };
  try {
    ref = JSON.parse(readFileSync(join(dir, 'digits-validation', 'reference.json'), 'utf8'));
  } catch (e) {
    throw new CheomdanError('invalid_config', `the test bed's model repository ${dir} has no readable digits-validation/reference.json: ${(e as Error).message}`);
  }
  const out: TestbedModelInfo[] = [];
  for (const name of readdirSync(dir).sort()) {
    let versions: string[] = [];
    try {
      versions = readdirSync(join(dir, name)).filter((v) => /^\d+$/.test(v) && statSync(join(dir, name, v, 'model.onnx'), { throwIfNoEntry: false })?.isFile());
    } catch {
      continue;
    }
    if (versions.length === 0) continue;
    out.push({
      name, versions, sha256: ref.models[name]?.sha256 ?? null, task: 'image classification (8×8 digits)', dataset: ref.dataset, metric: ref.metric,
      fp32Metric: ref.models[name]?.fp32Top1 ?? null, reference: { model: ref.reference, value: ref.referenceTop1 },
    });
  }
  return out;
}

/** The time a run needs: its duration (the rules' 10 minutes unless shortened), per peak-search step, plus start-up. */
function defaultTimeLimit(s: TestSettings, findPeak: boolean): number {
  const runS = Math.max(s.minDurationMs, 1000) / 1000;
  return Math.ceil(runS * (findPeak ? 12 : 1) * 1.5 + 300);
}

const nsToMs = (ns: number) => ns / 1e6;

/** The numbers tables and comparisons show, from what the job wrote. */
export function summarize(result: TestbedJobResult, chargedUnits: number | null, nodes: readonly InventoryNode[]): TestbedSummary | null {
  const report = result.report;
  if (!result.ok || !report) return null;
  const r = report.result;
  const p = (x: number) => r.latency.percentilesNs[String(x)];
  const accuracyRun = report.mode === 'accuracy';
  let metric: TestbedSummary['metric'];
  if (accuracyRun && report.accuracy) metric = { name: report.accuracy.metric, value: report.accuracy.value, unit: '', higherIsBetter: true };
  else if (r.metric.name === 'latency_ns') metric = { name: `p${+(r.targetPercentile * 100).toFixed(1)} latency`, value: nsToMs(r.metric.value), unit: 'ms', higherIsBetter: false };
  else if (r.metric.name === 'scheduled_qps') metric = { name: 'scheduled QPS', value: report.peak?.peakQps ?? r.metric.value, unit: 'queries/s', higherIsBetter: true };
  else metric = { name: 'samples/s', value: r.metric.value, unit: 'samples/s', higherIsBetter: true };
  const throughput = report.scenario === 'Server' && report.valid ? (report.peak?.peakQps ?? r.metric.value) : r.completedSamplesPerSecond;
  const power = result.power;
  const meanPowerW = power?.meanPowerW ?? null;
  const node = typeof result.provenance.node === 'string' ? result.provenance.node : null;
  const executionProvider = typeof result.provenance.executionProvider === 'string' && result.provenance.executionProvider ? result.provenance.executionProvider : null;
  const caveats: string[] = [];
  const type = typeof result.provenance.acceleratorType === 'string' ? result.provenance.acceleratorType : null;
  const jobNode = nodes.find((n) => n.name === node);
  if (type && jobNode?.source === 'declared') {
    caveats.push(`the node's ${type} devices are declared in the inventory, not present: the model ran on ${executionProvider ?? 'cpu'}, so these numbers are not the device's`);
  }
  if (power?.source === 'declared') caveats.push('power is the catalog\'s declared board power, not measured');
  if (report.departures.length > 0) caveats.push('the settings depart from the LoadGen 6.0 rules (see departures): not comparable with an MLPerf submission');
  return {
    valid: report.valid,
    metric,
    throughput,
    latencyMs: r.latency.count > 0 ? { p50: nsToMs(p(0.5) ?? 0), p90: nsToMs(p(0.9) ?? 0), p99: nsToMs(p(0.99) ?? 0), max: nsToMs(r.latency.maxNs) } : null,
    targetLatencyMs: r.targetLatencyNs === null ? null : nsToMs(r.targetLatencyNs),
    accuracy: report.accuracy ? { value: report.accuracy.value, reference: report.accuracy.reference, required: report.accuracy.required, passed: report.accuracy.passed } : null,
    peakQps: report.peak?.peakQps ?? null,
    reasons: [...r.reasons.map((x) => x.message), ...(report.accuracy && !report.accuracy.passed ? [report.accuracy.message] : [])],
    departures: report.departures,
    meanPowerW,
    energyJ: power?.energyJ ?? null,
    powerSource: power?.source ?? 'none',
    perfPerWatt: meanPowerW && meanPowerW > 0 && !accuracyRun ? throughput / meanPowerW : null,
    chargedUnits,
    samplesPerUnit: chargedUnits && chargedUnits > 0 ? r.samplesCompleted / chargedUnits : null,
    node,
    executionProvider,
    caveats,
    durationSeconds: r.durationNs / 1e9,
  };
}

/** Only what a TestbedJobResult must hold; anything else in the file is refused. */
function checkResultShape(x: unknown): x is TestbedJobResult {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  if (typeof o.ok !== 'boolean' || typeof o.provenance !== 'object' || o.provenance === null) return false;
  if (o.ok) {
    const rep = o.report as Record<string, unknown> | null;
    if (typeof rep !== 'object' || rep === null || typeof rep.valid !== 'boolean' || typeof rep.result !== 'object' || rep.result === null) return false;
    const res = rep.result as Record<string, unknown>;
    return typeof res.metric === 'object' && typeof res.latency === 'object' && Array.isArray(res.reasons) && Array.isArray(rep.departures);
  }
  const err = o.error as Record<string, unknown> | null;
  return typeof err === 'object' && err !== null && typeof err.message === 'string';
}

/** Reads the job's result file as the server: no links followed, a regular file, bounded. */
async function readResultFile(path: string): Promise<{ result: TestbedJobResult } | { problem: string }> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'it wrote no result' : code === 'ELOOP' ? 'its result file is a symbolic link (refused)' : `its result file cannot be read (${code})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { problem: 'its result file is not a regular file (refused)' };
    if (st.size > MAX_RESULT_BYTES) return { problem: `its result file is ${st.size} bytes, over the ${MAX_RESULT_BYTES}-byte limit (refused)` };
    const text = await fh.readFile('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { problem: 'its result file is not JSON' };
    }
    return checkResultShape(parsed) ? { result: parsed } : { problem: 'its result file does not hold a test-bed result' };
  } finally {
    await fh.close();
  }
}

export class TestbedService {
  private readonly models: TestbedModelInfo[];
  /** Runs being read back now (a run is finished once even when several readers see its job end). */
  private readonly finishing = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    private readonly jobs: Pick<JobService, 'submit' | 'cancel'>,
    private readonly cluster: { nodes(): readonly InventoryNode[]; defaultPartition(): string },
    changes?: ChangeFeed,
    private readonly opts: { modelsDir?: string; cli?: string } = {},
  ) {
    this.models = repositoryModels(opts.modelsDir ?? REPOSITORY_MODELS);
    // A run's job ended: read its result back now, so it is stored without anyone asking.
    changes?.subscribe((batch) => {
      const ended = batch.filter((c) => jobState.isTerminal(c.state as jobState.JobState)).map((c) => c.jobId);
      if (ended.length > 0) void this.collect(ended).catch((err) => ctx.log.warn({ err }, 'reading test-bed results back failed; they are read when next asked for'));
    });
  }

  listModels(): TestbedModelInfo[] {
    return this.models;
  }

  async submit(actor: Actor, body: TestbedRunRequest): Promise<TestbedRunView> {
    const model = this.models.find((m) => m.name === body.model);
    if (!model) {
      throw new CheomdanError('validation_failed', `no model "${body.model}" in the test bed's repository; models: ${this.models.map((m) => m.name).join(', ')} (GET /v1/testbed/models)`, {
        errors: [{ path: 'model', message: `unknown model "${body.model}"` }],
      });
    }
    const scenario = body.scenario as Scenario;
    const overrides = overridesOf(body.settings);
    const settings: TestSettings = { ...settingsFor(body.model, scenario), ...overrides, mode: body.mode };
    try {
      validateSettings(settings);
    } catch (e) {
      // Name the fields as the request does (settings.targetLatencyMs, not serverTargetLatencyNs).
      if (e instanceof CheomdanError) {
        const errors = (e.errors ?? []).map((x) => ({ path: SETTING_PATH[x.path as keyof TestSettings] ? `settings.${SETTING_PATH[x.path as keyof TestSettings]}` : x.path, message: x.message }));
        throw new CheomdanError('validation_failed', e.message, { errors });
      }
      throw e;
    }
    let type: string | null = null;
    if (body.acceleratorType !== undefined) {
      type = resolveAcceleratorType(body.acceleratorType) ?? body.acceleratorType;
      if (!findAcceleratorType(type)) {
        throw new CheomdanError('unknown_accelerator_type', `unknown accelerator type "${body.acceleratorType}"; known: ${ACCELERATOR_CATALOG.map((a) => a.id).join(', ')}`, {
          errors: [{ path: 'acceleratorType', message: `unknown accelerator type "${body.acceleratorType}"` }],
        });
      }
    }
    const devices = type ? (body.devices ?? 1) : 0;
    if (!type && body.devices !== undefined) {
      throw new CheomdanError('validation_failed', 'devices needs an acceleratorType: say which devices to benchmark on (or leave devices out for a CPU-only run)', {
        errors: [{ path: 'devices', message: 'given without acceleratorType' }],
      });
    }
    const partition = body.partition ?? this.partitionFor(type);
    const jobSpec: TestbedJobSpec = {
      model: body.model, scenario, mode: body.mode, overrides: overrides as TestbedJobSpec['overrides'], findPeak: body.findPeak,
      accuracyFraction: body.accuracyTarget, warmupQueries: body.warmupQueries,
    };
    const name = body.name ?? `testbed-${body.model}-${scenario.toLowerCase()}`;
    const job = await this.jobs.submit(actor, {
      name, command: [process.execPath, this.opts.cli ?? CLI, 'testbed', 'job', '--models', this.opts.modelsDir ?? REPOSITORY_MODELS],
      environment: { CHEOMDAN_TESTBED_SPEC: JSON.stringify(jobSpec) },
      tasks: 1, devicesPerTask: devices, acceleratorTypes: type ? [type] : [], cpusPerTask: 1, memoryMbPerTask: 2048, partition,
      timeLimitSeconds: body.timeLimitSeconds ?? defaultTimeLimit(settings, body.findPeak),
      ...(body.project !== undefined ? { project: body.project } : {}),
      ...(body.allocation !== undefined ? { allocation: body.allocation } : {}),
    });
    const spec: TestbedSpec = { request: body, job: jobSpec, devices, partition };
    const run: TestbedRunRecord = {
      id: this.ctx.ids('tbr'), tenantId: job.tenantId, projectId: job.projectId as ProjectId, userId: job.userId as UserId, jobId: job.id as JobId,
      name, model: body.model, scenario, mode: body.mode, acceleratorType: type, spec, result: null, chargedUnits: null, finishedAt: null,
      createdAt: this.ctx.clock(),
    };
    try {
      await this.ctx.store.transaction(async (tx) => {
        await tx.testbedRuns.create(run);
        await tx.audit.append({ at: run.createdAt, actorUserId: actor.user.id, action: 'testbed.run', subject: run.id, detail: { job: job.id, model: body.model, scenario, acceleratorType: type } });
      });
    } catch (e) {
      await this.jobs.cancel(actor, job.id).catch(() => {});
      throw e;
    }
    return this.view(run, job);
  }

  /** The partition to run on: the default one when it has nodes of the type, else the first that has. */
  private partitionFor(type: string | null): string {
    const def = this.cluster.defaultPartition();
    if (!type) return def;
    const nodes = this.cluster.nodes();
    const parts = [...new Set(nodes.filter((n) => n.devices.some((d) => d.type === type)).map((n) => n.partition as string))];
    if (parts.length === 0) {
      const here = [...new Set(nodes.flatMap((n) => n.devices.map((d) => d.type as string)))];
      throw new CheomdanError('unschedulable', `no node of this cluster has ${type} devices; the cluster has ${here.length ? here.join(', ') : 'no accelerators'} (leave acceleratorType out for a CPU-only run)`, {
        errors: [{ path: 'acceleratorType', message: `no node has ${type}` }], extra: { reason: 'no_node_of_type' },
      });
    }
    return parts.includes(def) ? def : parts[0]!;
  }

  async get(actor: Actor, id: string): Promise<TestbedRunView> {
    let run = await this.ctx.store.testbedRuns.get(id);
    if (!run) throw new CheomdanError('not_found', `no test-bed run "${id}"`);
    assertVisible(actor, run.tenantId, 'test-bed run', id);
    const job = await this.ctx.store.jobs.get(run.jobId);
    if (run.finishedAt === null && job && jobState.isTerminal(job.state)) run = await this.finish(run, job);
    return this.view(run, job);
  }

  async list(actor: Actor, f: { tenant?: string; model?: string; acceleratorType?: string; scenario?: string; limit?: number } = {}): Promise<TestbedRunView[]> {
    const scope = tenantScope(actor, f.tenant === undefined ? undefined : (await this.identity.resolveTenant(actor, f.tenant)).id);
    const type = f.acceleratorType === undefined ? undefined : f.acceleratorType === 'cpu' ? undefined : (resolveAcceleratorType(f.acceleratorType) ?? f.acceleratorType);
    const runs = await this.ctx.store.testbedRuns.list({
      ...(scope ? { tenantId: scope as TenantId } : {}), ...(f.model ? { model: f.model } : {}), ...(type ? { acceleratorType: type } : {}),
      ...(f.scenario ? { scenario: f.scenario } : {}), limit: f.limit ?? 500,
    });
    const out: TestbedRunView[] = [];
    for (let run of runs) {
      if (f.acceleratorType === 'cpu' && run.acceleratorType !== null) continue;
      const job = await this.ctx.store.jobs.get(run.jobId);
      if (run.finishedAt === null && job && jobState.isTerminal(job.state)) run = await this.finish(run, job);
      out.push(this.view(run, job));
    }
    return out;
  }

  /** Reads back the runs of these jobs that have ended (the change feed's batch; or every unfinished run). */
  async collect(jobIds?: readonly string[]): Promise<number> {
    const wanted = jobIds ? new Set(jobIds) : null;
    let n = 0;
    for (const run of await this.ctx.store.testbedRuns.list({ unfinished: true })) {
      if (wanted && !wanted.has(run.jobId)) continue;
      const job = await this.ctx.store.jobs.get(run.jobId);
      if (job && jobState.isTerminal(job.state)) {
        await this.finish(run, job);
        n++;
      }
    }
    return n;
  }

  private async finish(run: TestbedRunRecord, job: JobRecord): Promise<TestbedRunRecord> {
    let pending = this.finishing.get(run.id);
    if (!pending) {
      pending = (async () => {
        const read = await readResultFile(join(job.workingDirectory, RESULT_FILE));
        const result: TestbedJobResult = 'result' in read ? read.result : {
          ok: false, report: null, power: null, provenance: {}, startedAt: job.startedAt ?? job.submittedAt, endedAt: job.endedAt ?? this.ctx.clock(),
          error: { code: job.state === 'cancelled' ? 'cancelled' : 'testbed_failed', message: `job ${job.id} ended ${job.state}${job.exitCode !== null ? ` (exit code ${job.exitCode})` : ''}${job.failureReason ? `: ${job.failureReason}` : ''} and ${read.problem}; see \`cheomdan logs ${job.id} --stderr\`` },
        };
        const settled = await this.ctx.store.ledger.list({ jobId: job.id, kinds: ['settle'] });
        const units = settled.length > 0 ? settled.reduce((a, t) => a + t.amount, 0) : null;
        await this.ctx.store.testbedRuns.finish(run.id, result, units, this.ctx.clock());
      })().finally(() => this.finishing.delete(run.id));
      this.finishing.set(run.id, pending);
    }
    await pending;
    return (await this.ctx.store.testbedRuns.get(run.id))!;
  }

  async cancel(actor: Actor, id: string): Promise<TestbedRunView> {
    const v = await this.get(actor, id);
    if (v.run.finishedAt !== null) throw new CheomdanError('invalid_transition', `test-bed run ${id} has ended (${v.state}); nothing to cancel`);
    await this.jobs.cancel(actor, v.run.jobId);
    return this.get(actor, id);
  }

  async results(actor: Actor, f: { tenant?: string; model?: string; acceleratorType?: string; scenario?: string } = {}): Promise<{ rows: ResultRow[]; compatibility: CompatibilityCell[] }> {
    const views = await this.list(actor, { ...f, limit: 5000 });
    return { rows: resultTable(views), compatibility: compatibilityMatrix(views) };
  }

  async compare(actor: Actor, ids: readonly string[]): Promise<Comparison> {
    const unique = [...new Set(ids)];
    if (unique.length < 2 || unique.length > 8) {
      throw new CheomdanError('validation_failed', `compare 2 to 8 different runs (got ${unique.length}); give their ids, e.g. runs=tbr_a,tbr_b`, { errors: [{ path: 'runs', message: 'give 2 to 8 run ids' }] });
    }
    const views: TestbedRunView[] = [];
    for (const id of unique) views.push(await this.get(actor, id));
    return compareViews(views);
  }

  view(run: TestbedRunRecord, job: JobRecord | undefined): TestbedRunView {
    const spec = run.spec as TestbedSpec;
    const result = (run.result ?? null) as TestbedJobResult | null;
    let state: TestbedRunState;
    if (run.finishedAt !== null) state = result?.ok ? 'completed' : job?.state === 'cancelled' ? 'cancelled' : 'failed';
    else if (!job) state = 'failed';
    else if (job.state === 'pending' || job.state === 'preempted') state = 'pending';
    else state = 'running';
    const error = result && !result.ok ? result.error : !job ? { code: 'not_found', message: `its job ${run.jobId} is gone` } : null;
    return { run, spec, job, state, error, result, summary: result ? summarize(result, run.chargedUnits, this.cluster.nodes()) : null };
  }
}


const better = (a: TestbedSummary, b: TestbedSummary) => (a.metric.higherIsBetter ? a.metric.value > b.metric.value : a.metric.value < b.metric.value);
const typeKey = (t: string | null) => t ?? 'cpu';

export interface ResultRow { model: string; acceleratorType: string | null; scenario: string; runs: number; validRuns: number; best: TestbedRunView | null; latest: TestbedRunView }
export interface CompatibilityCell { model: string; acceleratorType: string | null; status: 'pass' | 'fail'; reason: string | null; runId: string }

/**
 * The results table: one row per model × accelerator type × scenario, with its best VALID performance run
 * (by the scenario's metric) and its latest run. Views come newest first (as list() returns them).
 */
export function resultTable(views: readonly TestbedRunView[]): ResultRow[] {
  const rows = new Map<string, ResultRow>();
  for (const v of views) {
    const key = `${v.run.model}\u0000${typeKey(v.run.acceleratorType)}\u0000${v.run.scenario}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { model: v.run.model, acceleratorType: v.run.acceleratorType, scenario: v.run.scenario, runs: 0, validRuns: 0, best: null, latest: v }));
    row.runs++;
    if (v.state === 'completed' && v.summary?.valid && v.run.mode === 'performance') {
      row.validRuns++;
      if (!row.best || better(v.summary, row.best.summary!)) row.best = v;
    }
  }
  return [...rows.values()].sort((a, b) => a.model.localeCompare(b.model) || typeKey(a.acceleratorType).localeCompare(typeKey(b.acceleratorType)) || a.scenario.localeCompare(b.scenario));
}

/**
 * The compatibility matrix, model × accelerator type: "fail" when its latest finished run failed (the
 * server could not load or run the model on that type, the run errored) or its latest accuracy run missed
 * the accuracy target, or its latest run's samples were answered with errors; "pass" otherwise. A run that
 * was merely too slow for its latency bound is a performance result, not an incompatibility.
 */
export function compatibilityMatrix(views: readonly TestbedRunView[]): CompatibilityCell[] {
  const cells = new Map<string, CompatibilityCell>();
  const accuracyDecided = new Set<string>();
  for (const v of views) {
    if (v.run.finishedAt === null || v.state === 'cancelled') continue;
    const key = `${v.run.model}\u0000${typeKey(v.run.acceleratorType)}`;
    const cell = (status: 'pass' | 'fail', reason: string | null): CompatibilityCell => ({ model: v.run.model, acceleratorType: v.run.acceleratorType, status, reason, runId: v.run.id });
    const isAccuracy = v.run.mode === 'accuracy' && v.summary?.accuracy;
    if (isAccuracy && !accuracyDecided.has(key)) {
      accuracyDecided.add(key);
      if (!v.summary!.accuracy!.passed) {
        cells.set(key, cell('fail', v.result?.report?.accuracy?.message ?? 'accuracy below the target'));
        continue;
      }
    }
    if (cells.has(key)) continue;
    if (v.state === 'failed') cells.set(key, cell('fail', v.error?.message ?? 'the run failed'));
    else if (v.result?.report?.result.reasons.some((r) => r.code === 'sut_errors')) cells.set(key, cell('fail', v.result.report.result.reasons.find((r) => r.code === 'sut_errors')!.message));
    else cells.set(key, cell('pass', null));
  }
  return [...cells.values()].sort((a, b) => a.model.localeCompare(b.model) || typeKey(a.acceleratorType).localeCompare(typeKey(b.acceleratorType)));
}

export interface Comparison {
  views: TestbedRunView[];
  ratios: { throughput: number | null; perfPerWatt: number | null; samplesPerUnit: number | null; p99Latency: number | null }[];
  comparable: boolean;
  notes: string[];
}

/** Side by side, against the first run: ratios of throughput, perf/W, samples per SU and p99 latency. */
export function compareViews(views: TestbedRunView[]): Comparison {
  const base = views[0]!;
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b !== 0 ? a / b : null);
  const notes: string[] = [];
  for (const v of views) {
    if (v.state !== 'completed') notes.push(`${v.run.id} has no result (${v.state}${v.error ? `: ${v.error.message}` : ''})`);
    for (const c of v.summary?.caveats ?? []) notes.push(`${v.run.id}: ${c}`);
  }
  const differs = (what: string, pick: (v: TestbedRunView) => string) => {
    const values = [...new Set(views.map(pick))];
    if (values.length > 1) notes.push(`the runs differ in ${what} (${values.join(' / ')}): their numbers measure different things`);
    return values.length > 1;
  };
  const different = [differs('model', (v) => v.run.model), differs('scenario', (v) => v.run.scenario), differs('mode', (v) => v.run.mode)].some(Boolean);
  const departures = views.some((v) => (v.summary?.departures.length ?? 0) > 0);
  return {
    views,
    ratios: views.map((v) => ({
      throughput: ratio(v.summary?.throughput, base.summary?.throughput),
      perfPerWatt: ratio(v.summary?.perfPerWatt, base.summary?.perfPerWatt),
      samplesPerUnit: ratio(v.summary?.samplesPerUnit, base.summary?.samplesPerUnit),
      p99Latency: ratio(v.summary?.latencyMs?.p99, base.summary?.latencyMs?.p99),
    })),
    comparable: !different && !departures && views.every((v) => v.state === 'completed'),
    notes,
  };
}
