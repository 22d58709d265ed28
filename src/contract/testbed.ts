/**
 * /v1/testbed: the AI-chip test bed (issue 12). A run is a benchmark of a model on an accelerator type,
 * by MLPerf LoadGen 6.0 rules, run as a job on the cluster: the reference server started on the allocated
 * node and devices, the load generator against it, the result stored with its provenance and charge.
 */
import { z } from 'zod';
import { Timestamp } from './common.ts';

export const TESTBED_SCENARIOS = ['SingleStream', 'MultiStream', 'Server', 'Offline'] as const;
export const TestbedScenario = z.enum(TESTBED_SCENARIOS);

const positiveMs = (what: string) => z.number().positive(`${what} must be greater than 0`).max(30 * 24 * 3600 * 1000);

export const TestbedSettings = z.object({
  targetQps: z.number().positive('the target QPS must be greater than 0').max(1e8).optional().describe('Server: Poisson arrival rate (queries/s)'),
  targetLatencyMs: positiveMs('the latency bound').optional().describe('Server: latency bound at the target percentile (ms)'),
  expectedLatencyMs: positiveMs('the expected latency').optional().describe('SingleStream/MultiStream: expected query latency (sizes the schedule)'),
  expectedQps: z.number().positive('the expected QPS must be greater than 0').max(1e9).optional().describe('Offline: expected samples/s (sizes the one query)'),
  minDurationMs: z.number().int().min(0).max(30 * 24 * 3600 * 1000).optional().describe('Minimum run duration (the rules: 600000)'),
  maxDurationMs: z.number().int().min(0).max(30 * 24 * 3600 * 1000).optional().describe('Stop issuing after this long (0: no limit)'),
  minQueryCount: z.number().int().min(0).max(1e9).optional(),
  samplesPerQuery: z.number().int().min(1).max(4096).optional().describe('MultiStream: samples per query (the rules: 8)'),
}).strict();
export type TestbedSettings = z.infer<typeof TestbedSettings>;

export const TestbedRunCreate = z.object({
  name: z.string().min(1).max(128).optional(),
  model: z.string().min(1).max(128).describe('A model of the reference repository (GET /v1/testbed/models)'),
  scenario: TestbedScenario,
  mode: z.enum(['performance', 'accuracy']).default('performance').describe('accuracy: every sample once, held to 99% of the FP32 reference'),
  acceleratorType: z.string().min(1).max(100).optional().describe('Accelerator type id of the catalog (or a short name: h100, rngd); absent: a CPU-only run'),
  devices: z.number().int().min(1).max(64).optional().describe('Devices of that type (default 1)'),
  settings: TestbedSettings.default({}),
  findPeak: z.boolean().default(false).describe('Server: search the highest VALID target QPS, starting at settings.targetQps'),
  accuracyTarget: z.number().gt(0, 'must be greater than 0').max(1, 'a fraction of the reference: at most 1').default(0.99).describe('Fraction of the FP32 reference metric to reach (MLPerf: 0.99 or 0.999)'),
  warmupQueries: z.number().int().min(0).max(100_000).default(64),
  project: z.string().min(1).max(100).optional(),
  allocation: z.string().min(1).max(100).optional(),
  partition: z.string().min(1).max(64).optional().describe('Default: a partition with nodes of the accelerator type (the default partition when it has them)'),
  timeLimitSeconds: z.number().int().min(60).max(30 * 24 * 3600).optional().describe('The job\'s time limit (default: from the run\'s duration)'),
}).strict();
export type TestbedRunCreate = z.input<typeof TestbedRunCreate>;
/** A submission after defaults were applied (what the service receives). */
export type TestbedRunRequest = z.output<typeof TestbedRunCreate>;

export const TestbedModel = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  sha256: z.string().nullable(),
  task: z.string(),
  dataset: z.string(),
  metric: z.string(),
  fp32Metric: z.number().nullable().describe("This model's own FP32 metric on the validation set"),
  reference: z.object({ model: z.string(), value: z.number() }).describe('What accuracy runs are held to'),
}).meta({ id: 'TestbedModel' });

const Percentiles = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }).describe('ms');

/** The numbers of a run that tables and comparisons show; null fields where the run has no such number. */
export const TestbedSummary = z.object({
  valid: z.boolean(),
  metric: z.object({ name: z.string(), value: z.number(), unit: z.string(), higherIsBetter: z.boolean() }),
  throughput: z.number().describe('Samples/s completed (Server: the scheduled QPS when VALID)'),
  latencyMs: Percentiles.nullable(),
  targetLatencyMs: z.number().nullable(),
  accuracy: z.object({ value: z.number(), reference: z.number(), required: z.number(), passed: z.boolean() }).nullable(),
  peakQps: z.number().nullable(),
  reasons: z.array(z.string()).describe('Why INVALID (empty when VALID)'),
  departures: z.array(z.string()).describe('Where the settings depart from the LoadGen 6.0 rules (then not comparable with a submission)'),
  meanPowerW: z.number().nullable(),
  energyJ: z.number().nullable(),
  powerSource: z.enum(['nvidia-smi', 'declared', 'none']),
  perfPerWatt: z.number().nullable().describe('throughput ÷ mean power (samples/s per W)'),
  chargedUnits: z.number().nullable().describe('Service units the job was charged'),
  samplesPerUnit: z.number().nullable().describe('Samples answered per service unit charged'),
  node: z.string().nullable(),
  executionProvider: z.string().nullable().describe('Where the reference server ran the model (onnxruntime execution provider: cpu, cuda, …)'),
  caveats: z.array(z.string()).describe('What a reader must know before comparing: declared (not present) devices, declared (not measured) power, …'),
  durationSeconds: z.number(),
});
export type TestbedSummary = z.infer<typeof TestbedSummary>;

export const TESTBED_RUN_STATES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export const TestbedRun = z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  scenario: TestbedScenario,
  mode: z.enum(['performance', 'accuracy']),
  acceleratorType: z.string().nullable(),
  devices: z.number().int(),
  tenant: z.string(),
  project: z.string(),
  user: z.string(),
  jobId: z.string(),
  state: z.enum(TESTBED_RUN_STATES).describe('pending/running: its job; completed: a result was stored (VALID or not); failed: no result (see error)'),
  jobState: z.string(),
  pendingReason: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  summary: TestbedSummary.nullable(),
  settings: TestbedSettings,
  findPeak: z.boolean(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
}).meta({ id: 'TestbedRun' });
export type TestbedRun = z.infer<typeof TestbedRun>;

/** One run with everything it recorded: the report (settings, latencies, CDF), power and provenance. */
export const TestbedRunDetail = TestbedRun.extend({
  result: z.record(z.string(), z.unknown()).nullable().describe('The whole record the job wrote (testbed-result.json)'),
}).meta({ id: 'TestbedRunDetail' });

export const TestbedResultRow = z.object({
  model: z.string(),
  acceleratorType: z.string().nullable(),
  scenario: TestbedScenario,
  runs: z.number().int(),
  validRuns: z.number().int(),
  best: TestbedRun.nullable().describe('The best VALID performance run (by the scenario metric)'),
  latest: TestbedRun,
});

export const TestbedCompatibility = z.object({
  model: z.string(),
  acceleratorType: z.string().nullable(),
  status: z.enum(['pass', 'fail']),
  reason: z.string().nullable().describe('Why it fails: the error, the INVALID reasons or the accuracy miss of its latest run'),
  runId: z.string(),
});

export const TestbedResults = z.object({
  rows: z.array(TestbedResultRow),
  compatibility: z.array(TestbedCompatibility),
});

export const TestbedComparison = z.object({
  baseline: z.string().describe('The run the ratios are against (the first)'),
  runs: z.array(TestbedRunDetail.omit({ result: true }).extend({
    cdfMs: z.array(z.number()).describe('Latency at percentiles 0..99 and the maximum (101 points), ms'),
    ratios: z.object({ throughput: z.number().nullable(), perfPerWatt: z.number().nullable(), samplesPerUnit: z.number().nullable(), p99Latency: z.number().nullable() }),
  })),
  comparable: z.boolean().describe('Same model, scenario and mode, and no departures from the rules'),
  notes: z.array(z.string()),
});
