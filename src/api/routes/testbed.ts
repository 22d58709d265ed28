/** /v1/testbed: reference models, benchmark runs (jobs), the results table, comparisons, CSV export. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  IdParams, Problem, TestbedComparison, TestbedModel, TestbedResults, TestbedRun, TestbedRunCreate, TestbedRunDetail, TestbedScenario,
} from '../../contract/index.ts';
import type { TestbedRunView, TestbedService } from '../../services/testbed.ts';
import { iso } from '../presenters.ts';

const errors = { 400: Problem, 401: Problem, 402: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const tags = ['testbed'];

export const presentTestbedRun = (v: TestbedRunView): z.infer<typeof TestbedRun> => ({
  id: v.run.id, name: v.run.name, model: v.run.model, scenario: v.run.scenario as z.infer<typeof TestbedScenario>,
  mode: v.run.mode as 'performance' | 'accuracy', acceleratorType: v.run.acceleratorType, devices: v.spec.devices,
  tenant: v.run.tenantId, project: v.run.projectId, user: v.run.userId, jobId: v.run.jobId, state: v.state,
  jobState: v.job?.state ?? 'unknown', pendingReason: v.job?.state === 'pending' ? (v.job.pendingMessage ?? v.job.pendingReason) : null,
  error: v.error, summary: v.summary, settings: v.spec.request.settings, findPeak: v.spec.request.findPeak,
  createdAt: iso(v.run.createdAt), finishedAt: v.run.finishedAt === null ? null : iso(v.run.finishedAt),
});

const ListQuery = z.object({
  tenant: z.string().min(1).max(100).optional().describe('operators: one organization'),
  model: z.string().min(1).max(128).optional(),
  acceleratorType: z.string().min(1).max(100).optional().describe('a catalog id, a short name, or "cpu" for CPU-only runs'),
  scenario: TestbedScenario.optional(),
}).strict();

const CSV_COLUMNS = [
  'run', 'name', 'model', 'accelerator_type', 'devices', 'scenario', 'mode', 'state', 'valid', 'metric', 'value', 'unit', 'throughput',
  'p50_ms', 'p90_ms', 'p99_ms', 'accuracy', 'accuracy_passed', 'mean_power_w', 'energy_j', 'power_source', 'perf_per_watt',
  'charged_units', 'samples_per_unit', 'node', 'execution_provider', 'created_at', 'error',
] as const;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function runsCsv(views: readonly TestbedRunView[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const v of views) {
    const s = v.summary;
    lines.push([
      v.run.id, v.run.name, v.run.model, v.run.acceleratorType ?? 'cpu', v.spec.devices, v.run.scenario, v.run.mode, v.state, s?.valid,
      s?.metric.name, s?.metric.value, s?.metric.unit, s?.throughput, s?.latencyMs?.p50, s?.latencyMs?.p90, s?.latencyMs?.p99,
      s?.accuracy?.value, s?.accuracy?.passed, s?.meanPowerW, s?.energyJ, s?.powerSource, s?.perfPerWatt, s?.chargedUnits, s?.samplesPerUnit,
      s?.node, s?.executionProvider, iso(v.run.createdAt), v.error?.message,
    ].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export const testbedRoutes = (testbed: TestbedService): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/testbed/models', {
    schema: { tags, summary: "The reference server's models and the FP32 reference their accuracy is held to", response: { 200: z.object({ items: z.array(TestbedModel) }), ...errors } },
  }, async () => ({ items: testbed.listModels() }));

  r.post('/testbed/runs', {
    schema: { tags, summary: 'Benchmark a model on an accelerator type: submitted as a job (LoadGen 6.0 rules)', body: TestbedRunCreate, response: { 201: TestbedRun, ...errors } },
  }, async (req, reply) => {
    const v = await testbed.submit(req.actor, req.body);
    return reply.code(201).header('location', `/v1/testbed/runs/${v.run.id}`).send(presentTestbedRun(v));
  });

  r.get('/testbed/runs', {
    schema: { tags, summary: 'Test-bed runs, newest first (your organization; operators: all)', querystring: ListQuery, response: { 200: z.object({ items: z.array(TestbedRun) }), ...errors } },
  }, async (req) => ({ items: (await testbed.list(req.actor, req.query)).map(presentTestbedRun) }));

  r.get('/testbed/runs.csv', {
    schema: { tags, summary: 'Test-bed runs as CSV (one row per run: metric, latencies, accuracy, power, charge)', querystring: ListQuery, response: { 200: z.string(), ...errors } },
  }, async (req, reply) => reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="testbed-runs.csv"').send(runsCsv(await testbed.list(req.actor, req.query))));

  r.get('/testbed/runs/:id', {
    schema: { tags, summary: 'One run with everything it recorded (report, latency CDF, power, provenance)', params: IdParams, response: { 200: TestbedRunDetail, ...errors } },
  }, async (req) => {
    const v = await testbed.get(req.actor, req.params.id);
    return { ...presentTestbedRun(v), result: v.result as unknown as Record<string, unknown> | null };
  });

  r.get('/testbed/results', {
    schema: { tags, summary: 'Results per model × accelerator type × scenario, and the compatibility matrix', querystring: ListQuery, response: { 200: TestbedResults, ...errors } },
  }, async (req) => {
    const t = await testbed.results(req.actor, req.query);
    return {
      rows: t.rows.map((row) => ({ ...row, scenario: row.scenario as z.infer<typeof TestbedScenario>, best: row.best ? presentTestbedRun(row.best) : null, latest: presentTestbedRun(row.latest) })),
      compatibility: t.compatibility,
    };
  });

  r.get('/testbed/compare', {
    schema: {
      tags, summary: 'Two to eight runs side by side: ratios against the first, latency CDFs',
      querystring: z.object({ runs: z.string().min(1).max(1000).describe('Run ids, comma-separated; the first is the baseline') }).strict(),
      response: { 200: TestbedComparison, ...errors },
    },
  }, async (req) => {
    const c = await testbed.compare(req.actor, req.query.runs.split(',').map((s) => s.trim()).filter(Boolean));
    return {
      baseline: c.views[0]!.run.id,
      runs: c.views.map((v, i) => ({ ...presentTestbedRun(v), cdfMs: (v.result?.report?.result.latency.cdfNs ?? []).map((ns) => ns / 1e6), ratios: c.ratios[i]! })),
      comparable: c.comparable, notes: c.notes,
    };
  });

  r.post('/testbed/runs/:id/cancel', {
    schema: { tags, summary: 'Cancel a run (its job)', params: IdParams, response: { 200: TestbedRun, ...errors } },
  }, async (req) => presentTestbedRun(await testbed.cancel(req.actor, req.params.id)));
};
