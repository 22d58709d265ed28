/**
 * /v1/programs, /v1/applications, /v1/allocations, /v1/rates, /v1/ledger, /v1/reports/* — programs and
 * allocations (issue 4). Listings and reports take `?format=csv` for a CSV export.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { milliToSu } from '../../core/accounting/units.ts';
import { toCsv } from '../../core/accounting/report.ts';
import {
  Allocation, AllocationAdjust, AllocationCreate, AllocationReport, AllocationSuspend, Application, ApplicationApprove,
  ApplicationCreate, ApplicationReject, LedgerQuery, LedgerTransaction, Output, OutputCreate, Program, ProgramCreate, Rate,
  RateCreate, ReportCreate, ReportQuery, ReportReview, ReviewCreate, ReviewerAdd, UsageQuery, UsageReport, APPLICATION_STATES,
  AtRiskItem, Instant, OutputsItem, ScheduleItem, UtilisationReport,
} from '../../contract/accounting.ts';
import { IdParams, Problem } from '../../contract/common.ts';
import type { Accounting } from '../../services/accounting/index.ts';
import type { AllocationView, } from '../../services/accounting/allocations.ts';
import { weightedScore, type ProgramView } from '../../services/accounting/programs.ts';
import type {
  AllocationReportRecord, ApplicationRecord, LedgerTxnRecord, OutputRecord, ProgramRecord, RateRecord, ReviewRecord,
} from '../../store/queries/accounting/index.ts';
import { iso } from '../presenters.ts';

const errors = { 400: Problem, 401: Problem, 402: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const csvOr = <T extends z.ZodType>(s: T) => z.union([s, z.string().describe('text/csv with ?format=csv')]);
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const su = milliToSu;

// --- presenters ------------------------------------------------------------------------------------------------
const presentProgram = (v: ProgramView, now: number): z.infer<typeof Program> => ({
  id: v.program.id, slug: v.program.slug, name: v.program.name, description: v.program.description,
  opensAt: iso(v.program.opensAt), closesAt: iso(v.program.closesAt), open: now >= v.program.opensAt && now < v.program.closesAt,
  budget: su(v.program.budgetMsu), remaining: su(v.remainingMsu), tenantCap: v.program.tenantCapMsu === null ? null : su(v.program.tenantCapMsu),
  eligibility: v.program.eligibility, sectorShares: v.program.sectorShares, criteria: v.program.criteria,
  allocationTerms: v.program.allocationTerms, ...(v.reviewers ? { reviewers: v.reviewers } : {}), createdAt: iso(v.program.createdAt),
});

function presentApplication(a: ApplicationRecord, program?: ProgramRecord, reviews?: ReviewRecord[] | null): z.infer<typeof Application> {
  const scored = program && reviews ? reviews.map((r) => ({ reviewer: r.reviewerId, scores: r.scores, weighted: weightedScore(program, r.scores), comment: r.comment, at: iso(r.createdAt) })) : undefined;
  return {
    id: a.id, program: a.programId, tenant: a.tenantId, project: a.projectId, title: a.title, description: a.description,
    accelerators: a.request.accelerators, durationDays: a.request.durationDays, serviceUnits: su(a.requestedMsu),
    expectedOutputs: a.expectedOutputs, region: a.region, state: a.state, submittedAt: isoOrNull(a.submittedAt),
    decidedAt: isoOrNull(a.decidedAt), decidedBy: a.decidedBy, decisionReason: a.decisionReason,
    approvedServiceUnits: a.approvedMsu === null ? null : su(a.approvedMsu), allocation: a.allocationId,
    score: scored && scored.length > 0 ? Math.round((scored.reduce((s, r) => s + r.weighted, 0) / scored.length) * 100) / 100 : null,
    ...(scored ? { reviews: scored } : {}), createdAt: iso(a.createdAt),
  };
}

function presentAllocation(v: AllocationView, now: number): z.infer<typeof Allocation> {
  const a = v.allocation;
  const state = a.state !== 'active' ? a.state : now >= a.endsAt ? 'expired' : now < a.startsAt ? 'not_started' : v.balance.available <= 0 ? 'exhausted' : 'active';
  return {
    id: a.id, tenant: a.tenantId, project: a.projectId, program: a.programId, application: a.applicationId, name: a.name,
    serviceUnits: su(a.awardedMsu), acceleratorTypes: a.acceleratorTypes, concurrentLimit: a.concurrentLimit,
    startsAt: iso(a.startsAt), endsAt: iso(a.endsAt), discountPct: a.discountPct, fairShareWeight: a.fairShareWeight, storageTb: a.storageGb / 1000,
    state, stateReason: a.stateReason,
    tranches: a.tranches.map((t) => ({ serviceUnits: su(t.amountMsu), condition: t.condition, releasedAt: isoOrNull(t.releasedAt) })),
    reportSchedule: a.reportSchedule.map((d) => ({ kind: d.kind, dueAt: iso(d.dueAt) })),
    balance: {
      awarded: su(a.awardedMsu), committed: su(v.balance.committed), available: su(v.balance.available), held: su(v.balance.held),
      spent: su(v.balance.spent), expired: su(v.balance.expired),
    },
    createdAt: iso(a.createdAt),
  };
}

function presentRate(r: RateRecord, all: readonly RateRecord[], now: number): z.infer<typeof Rate> {
  const superseded = all.some((o) => o.resource === r.resource && o.acceleratorType === r.acceleratorType && o.effectiveFrom <= now && (o.effectiveFrom > r.effectiveFrom || (o.effectiveFrom === r.effectiveFrom && o.id > r.id)));
  return {
    id: r.id, resource: r.resource, acceleratorType: r.acceleratorType,
    serviceUnitsPerHour: r.resource === 'reservation_multiplier' ? null : su(r.value),
    multiplier: r.resource === 'reservation_multiplier' ? r.value / 1000 : null,
    effectiveFrom: iso(r.effectiveFrom), inForce: r.effectiveFrom <= now && !superseded, note: r.note, createdAt: iso(r.createdAt),
  };
}

const presentTxn = (t: LedgerTxnRecord): z.infer<typeof LedgerTransaction> => ({
  id: t.id, kind: t.kind, at: iso(t.at), allocation: t.allocationId, program: t.programId, tenant: t.tenantId, project: t.projectId,
  job: t.jobId, attempt: t.attempt, acceleratorType: t.acceleratorType, serviceUnits: su(t.amount),
  deviceHours: Math.round((t.deviceMs / 3_600_000) * 1e6) / 1e6, rates: t.rateIds, memo: t.memo,
  entries: t.entries.map((e) => ({ account: e.account, serviceUnits: su(e.amount) })),
});

const presentOutput = (o: OutputRecord): z.infer<typeof Output> => ({ id: o.id, allocation: o.allocationId, kind: o.kind, title: o.title, reference: o.reference, reportedAt: iso(o.reportedAt) });
const presentReport = (r: AllocationReportRecord): z.infer<typeof AllocationReport> => ({
  id: r.id, allocation: r.allocationId, kind: r.kind, text: r.text, state: r.state, submittedAt: iso(r.submittedAt),
  reviewedBy: r.reviewedBy, reviewedAt: isoOrNull(r.reviewedAt), reviewNote: r.reviewNote,
});

const sendCsv = (reply: FastifyReply, name: string, rows: Record<string, unknown>[], columns?: string[]) =>
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(rows, columns));

export const accountingRoutes = (accounting: Accounting, clock: () => number = Date.now): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { programs, allocations, reports } = accounting;
  const tags = ['accounting'];

  // programs -------------------------------------------------------------------------------------------------------
  r.post('/programs', { schema: { tags, summary: 'Open a program (call for applications; operators)', body: ProgramCreate, response: { 201: Program, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentProgram(await programs.create(req.actor, req.body), clock())));
  r.get('/programs', { schema: { tags, summary: 'Programs', response: { 200: list(Program), ...errors } } }, async () => ({
    items: (await programs.list()).map((v) => presentProgram(v, clock())),
  }));
  r.get('/programs/:id', { schema: { tags, summary: 'One program (id or slug)', params: IdParams, response: { 200: Program, ...errors } } }, async (req) =>
    presentProgram(await programs.get(req.actor, req.params.id), clock()));
  r.post('/programs/:id/reviewers', { schema: { tags, summary: 'Assign a reviewer (operators)', params: IdParams, body: ReviewerAdd, response: { 200: Program, ...errors } } }, async (req) =>
    presentProgram(await programs.addReviewer(req.actor, req.params.id, req.body.user), clock()));

  // applications ---------------------------------------------------------------------------------------------------
  r.post('/applications', { schema: { tags, summary: 'Apply for an allocation (owners); submit=true submits at once', body: ApplicationCreate, response: { 201: Application, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentApplication(await programs.apply(req.actor, req.body))));
  r.get('/applications', {
    schema: { tags, summary: 'Applications you can see (yours; reviewers: their programs; operators: all)', querystring: z.object({ program: z.string().optional(), state: z.enum(APPLICATION_STATES).optional() }), response: { 200: list(Application), ...errors } },
  }, async (req) => ({ items: (await programs.listApplications(req.actor, req.query)).map((a) => presentApplication(a)) }));
  r.get('/applications/:id', { schema: { tags, summary: 'One application (reviews for operators and reviewers)', params: IdParams, response: { 200: Application, ...errors } } }, async (req) => {
    const v = await programs.getApplication(req.actor, req.params.id);
    return presentApplication(v.application, v.program, v.reviews);
  });
  r.post('/applications/:id/submit', { schema: { tags, summary: 'Submit a draft', params: IdParams, response: { 200: Application, ...errors } } }, async (req) =>
    presentApplication(await programs.submit(req.actor, req.params.id)));
  r.post('/applications/:id/withdraw', { schema: { tags, summary: 'Withdraw an application', params: IdParams, response: { 200: Application, ...errors } } }, async (req) =>
    presentApplication(await programs.withdraw(req.actor, req.params.id)));
  r.post('/applications/:id/reviews', { schema: { tags, summary: 'Score an application (assigned reviewers)', params: IdParams, body: ReviewCreate, response: { 200: Application, ...errors } } }, async (req) =>
    presentApplication(await programs.score(req.actor, req.params.id, req.body)));
  r.post('/applications/:id/approve', {
    schema: { tags, summary: 'Approve, possibly for less, and award an allocation (operators)', params: IdParams, body: ApplicationApprove, response: { 200: z.object({ application: Application, allocation: Allocation }), ...errors } },
  }, async (req) => {
    const out = await programs.approve(req.actor, req.params.id, req.body);
    return { application: presentApplication(out.application), allocation: presentAllocation(await allocations.view(out.allocation), clock()) };
  });
  r.post('/applications/:id/reject', { schema: { tags, summary: 'Reject with a reason (operators)', params: IdParams, body: ApplicationReject, response: { 200: Application, ...errors } } }, async (req) =>
    presentApplication(await programs.reject(req.actor, req.params.id, req.body.reason)));

  // allocations ----------------------------------------------------------------------------------------------------
  r.post('/allocations', { schema: { tags, summary: 'Grant an allocation directly (operators)', body: AllocationCreate, response: { 201: Allocation, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentAllocation(await allocations.create(req.actor, req.body), clock())));
  r.get('/allocations', {
    schema: { tags, summary: 'Allocations with balances (yours; operators: all)', querystring: z.object({ tenant: z.string().optional(), program: z.string().optional(), format: z.enum(['json', 'csv']).default('json') }), response: { 200: csvOr(list(Allocation)), ...errors } },
  }, async (req, reply) => {
    const items = (await allocations.list(req.actor, req.query)).map((v) => presentAllocation(v, clock()));
    if (req.query.format === 'csv') {
      return sendCsv(reply, 'allocations', items.map((a) => ({ id: a.id, tenant: a.tenant, project: a.project, program: a.program, name: a.name, state: a.state, awarded: a.balance.awarded, committed: a.balance.committed, available: a.balance.available, held: a.balance.held, spent: a.balance.spent, expired: a.balance.expired, startsAt: a.startsAt, endsAt: a.endsAt })));
    }
    return { items };
  });
  r.get('/allocations/:id', { schema: { tags, summary: 'One allocation with its balance', params: IdParams, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.get(req.actor, req.params.id), clock()));
  r.post('/allocations/:id/suspend', { schema: { tags, summary: 'Suspend (operators): its pending jobs wait with allocation_inactive', params: IdParams, body: AllocationSuspend, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.suspend(req.actor, req.params.id, req.body.reason), clock()));
  r.post('/allocations/:id/resume', { schema: { tags, summary: 'Resume a suspended allocation (operators)', params: IdParams, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.resume(req.actor, req.params.id), clock()));
  r.post('/allocations/:id/adjust', { schema: { tags, summary: 'Add or take back SUs with a reason (operators)', params: IdParams, body: AllocationAdjust, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.adjust(req.actor, req.params.id, req.body), clock()));
  r.post('/allocations/:id/tranche', { schema: { tags, summary: 'Release the next tranche now (operators)', params: IdParams, body: AllocationSuspend, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.releaseTranche(req.actor, req.params.id, req.body.reason), clock()));
  r.post('/allocations/:id/expire', { schema: { tags, summary: 'Expire (reclaim) now (operators)', params: IdParams, body: AllocationSuspend, response: { 200: Allocation, ...errors } } }, async (req) =>
    presentAllocation(await allocations.expire(req.actor, req.params.id, req.body.reason), clock()));
  r.post('/allocations/:id/outputs', { schema: { tags, summary: 'Report an output (paper, model, DOI…)', params: IdParams, body: OutputCreate, response: { 201: Output, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentOutput(await allocations.addOutput(req.actor, req.params.id, req.body))));
  r.get('/allocations/:id/outputs', { schema: { tags, summary: "An allocation's outputs", params: IdParams, response: { 200: list(Output), ...errors } } }, async (req) => ({
    items: (await allocations.outputs(req.actor, req.params.id)).map(presentOutput),
  }));
  r.post('/allocations/:id/reports', { schema: { tags, summary: 'File a progress or final report', params: IdParams, body: ReportCreate, response: { 201: AllocationReport, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentReport(await allocations.fileReport(req.actor, req.params.id, req.body))));
  r.get('/allocations/:id/reports', { schema: { tags, summary: "An allocation's reports", params: IdParams, response: { 200: list(AllocationReport), ...errors } } }, async (req) => ({
    items: (await allocations.reports(req.actor, req.params.id)).map(presentReport),
  }));
  r.post('/allocations/:id/reports/:reportId/review', {
    schema: { tags, summary: 'Accept (releases the next tranche) or reject a report (operators)', params: z.object({ id: z.string().min(1).max(100), reportId: z.string().min(1).max(100) }), body: ReportReview, response: { 200: AllocationReport, ...errors } },
  }, async (req) => presentReport(await allocations.reviewReport(req.actor, req.params.id, req.params.reportId, req.body.decision, req.body.note)));

  // rates ----------------------------------------------------------------------------------------------------------
  r.post('/rates', { schema: { tags, summary: 'Set a rate from now or later (operators); history is kept', body: RateCreate, response: { 201: Rate, ...errors } } }, async (req, reply) => {
    const rate = await allocations.createRate(req.actor, req.body);
    return reply.code(201).send(presentRate(rate, await allocations.listRates(), clock()));
  });
  r.get('/rates', { schema: { tags, summary: 'Rates with their history', response: { 200: list(Rate), ...errors } } }, async () => {
    const all = await allocations.listRates();
    return { items: all.map((x) => presentRate(x, all, clock())) };
  });

  // ledger ---------------------------------------------------------------------------------------------------------
  r.get('/ledger', { schema: { tags, summary: 'Ledger transactions (yours; operators: all), oldest first', querystring: LedgerQuery, response: { 200: csvOr(list(LedgerTransaction)), ...errors } } }, async (req, reply) => {
    const items = (await allocations.ledger(req.actor, req.query)).map(presentTxn);
    if (req.query.format === 'csv') return sendCsv(reply, 'ledger', items.map(({ entries, rates, ...t }) => ({ ...t, rates, entries: entries.map((e) => `${e.account}=${e.serviceUnits}`) })));
    return { items };
  });

  // reports --------------------------------------------------------------------------------------------------------
  r.get('/reports/usage', { schema: { tags, summary: 'Usage (SU, device-hours) grouped by tenant, project, program, allocation, month, accelerator type', querystring: UsageQuery, response: { 200: csvOr(UsageReport), ...errors } } }, async (req, reply) => {
    const u = await reports.usage(req.actor, req.query);
    const row = (g: typeof u.total) => ({ ...g.key, attempts: g.attempts, deviceHours: round(g.deviceMs / 3_600_000), cpuHours: round(g.cpuMs / 3_600_000), serviceUnits: su(g.amount) });
    const rows = u.rows.map(row);
    if (req.query.format === 'csv') return sendCsv(reply, 'usage', rows, [...u.groupBy, 'attempts', 'deviceHours', 'cpuHours', 'serviceUnits']);
    return { from: u.from === null ? null : iso(u.from), to: u.to === null ? null : iso(u.to), groupBy: [...u.groupBy], rows, total: row(u.total) };
  });
  r.get('/reports/utilisation', {
    schema: { tags, summary: 'Capacity utilisation per accelerator type (operators)', querystring: z.object({ from: Instant.optional(), to: Instant.optional(), format: z.enum(['json', 'csv']).default('json') }), response: { 200: csvOr(UtilisationReport), ...errors } },
  }, async (req, reply) => {
    const u = await reports.utilisation(req.actor, req.query);
    if (req.query.format === 'csv') return sendCsv(reply, 'utilisation', u.rows);
    return { from: iso(u.from), to: iso(u.to), rows: u.rows };
  });
  const simple = (path: string, summary: string, item: z.ZodType, fn: (actor: Parameters<typeof reports.atRisk>[0], q: { program?: string | undefined }) => Promise<Record<string, unknown>[]>) =>
    r.get(path, { schema: { tags, summary, querystring: ReportQuery, response: { 200: csvOr(list(item)), ...errors } } }, async (req, reply) => {
      const items = await fn(req.actor, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, path.split('/').pop()!, items.map(flatten));
      return { items };
    });
  simple('/reports/at-risk', 'Allocations spending far off their pace, exhausted or suspended', AtRiskItem, (a, q) => reports.atRisk(a, q));
  simple('/reports/outputs', 'Outputs per allocation (papers, models, DOIs): the program KPIs', OutputsItem, (a, q) => reports.outputs(a, q));
  simple('/reports/schedule', 'Progress and final reports against their schedule', ScheduleItem, async (a, q) =>
    (await reports.schedule(a, q)).map((s) => ({ ...s, dueAt: iso(s.dueAt), submittedAt: s.submittedAt === null ? null : iso(s.submittedAt) })));
};

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** One CSV row from a report item: nested values as JSON. */
function flatten(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : Array.isArray(v) && v.some((x) => typeof x === 'object') ? JSON.stringify(v) : v;
  return out;
}

