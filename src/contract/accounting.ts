/**
 * Programs and allocations (issue 4): programs (calls), applications and reviews, allocations, rates, the
 * ledger, outputs and progress reports, usage reports. Amounts are service units (SU) as decimal numbers with
 * at most 3 decimals (the ledger keeps integer milli-SU); times are ISO-8601.
 */
import { z } from 'zod';
import { Slug, Timestamp } from './common.ts';

const TENANT_KINDS = ['startup', 'enterprise', 'university', 'research_institute', 'public'] as const;
const SECTORS = ['healthcare', 'automotive', 'energy', 'other'] as const;

/** An amount of service units: a number or decimal string with at most 3 decimals. */
export const ServiceUnits = z
  .union([z.number(), z.string()])
  .refine((v) => /^\d+(\.\d{1,3})?$/.test(typeof v === 'number' ? String(v) : v.trim()), 'give a non-negative amount of SU with at most 3 decimals, e.g. 1500 or 12.5')
  .describe('Service units (SU), at most 3 decimals');
export const SignedServiceUnits = z
  .union([z.number(), z.string()])
  .refine((v) => /^-?\d+(\.\d{1,3})?$/.test(typeof v === 'number' ? String(v) : v.trim()) && Number(v) !== 0, 'give a non-zero amount of SU with at most 3 decimals (negative to take SUs back)')
  .describe('Service units (SU), negative to take back');

/** An instant as ISO-8601 (a date, or a date and time). */
export const Instant = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'give an ISO-8601 date or time, e.g. 2027-03-01 or 2027-03-01T09:00:00Z');

export const Criterion = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'use lowercase letters, digits and _ (e.g. "impact")'),
  name: z.string().min(1).max(100),
  weight: z.number().positive().max(100),
});

export const ProgramCreate = z.object({
  slug: Slug,
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).default(''),
  opensAt: Instant,
  closesAt: Instant,
  budget: ServiceUnits.describe('Total budget in SU'),
  tenantCap: ServiceUnits.optional().describe('Most SU one organization may be awarded under this program'),
  eligibility: z.object({
    tenantKinds: z.array(z.enum(TENANT_KINDS)).default([]),
    sectors: z.array(z.enum(SECTORS)).default([]),
    regions: z.array(z.string().min(1).max(64)).default([]),
  }).strict().default({ tenantKinds: [], sectors: [], regions: [] }),
  sectorShares: z.partialRecord(z.enum(SECTORS), z.number().min(0).max(100)).default({}).describe('Sector → most % of the budget'),
  criteria: z.array(Criterion).min(1, 'give at least one review criterion').max(20),
  allocationTerms: z.object({
    firstTranchePct: z.number().int().min(1).max(100).default(100),
    progressReportMonths: z.array(z.number().int().min(1).max(120)).max(24).default([]),
    discountPct: z.number().int().min(0).max(100).default(0),
  }).strict().default({ firstTranchePct: 100, progressReportMonths: [], discountPct: 0 }),
}).strict()
  .refine((p) => Date.parse(p.closesAt) > Date.parse(p.opensAt), { message: 'closesAt must be after opensAt', path: ['closesAt'] })
  .refine((p) => new Set(p.criteria.map((c) => c.key)).size === p.criteria.length, { message: 'criterion keys must be unique', path: ['criteria'] })
  .refine((p) => Object.values(p.sectorShares).reduce((s, v) => s + (v ?? 0), 0) <= 100, { message: 'sector shares add up to more than 100%', path: ['sectorShares'] });
export type ProgramCreate = z.infer<typeof ProgramCreate>;

export const Program = z.object({
  id: z.string(), slug: z.string(), name: z.string(), description: z.string(), opensAt: Timestamp, closesAt: Timestamp,
  open: z.boolean(), budget: z.number(), remaining: z.number().describe('Budget not yet committed to allocations'),
  tenantCap: z.number().nullable(),
  eligibility: z.object({ tenantKinds: z.array(z.string()), sectors: z.array(z.string()), regions: z.array(z.string()) }),
  sectorShares: z.record(z.string(), z.number()), criteria: z.array(Criterion),
  allocationTerms: z.object({ firstTranchePct: z.number(), progressReportMonths: z.array(z.number()), discountPct: z.number() }),
  reviewers: z.array(z.string()).optional(), createdAt: Timestamp,
}).meta({ id: 'Program' });

export const ReviewerAdd = z.object({ user: z.string().min(1).max(200).describe('User id or email') }).strict();

export const AcceleratorAsk = z.object({ type: z.string().min(1).max(64), count: z.number().int().min(1).max(10_000) }).strict();

export const ApplicationCreate = z.object({
  program: z.string().min(1).max(100).describe('Program id or slug'),
  project: z.string().min(1).max(100).optional().describe('Project the allocation is for; absent: the whole organization'),
  title: z.string().min(1).max(200),
  description: z.string().min(1).max(20_000).describe('The project: what, why, how'),
  accelerators: z.array(AcceleratorAsk).min(1).max(10),
  durationDays: z.number().int().min(1).max(3 * 366),
  serviceUnits: ServiceUnits,
  expectedOutputs: z.array(z.string().min(1).max(500)).max(50).default([]),
  region: z.string().min(1).max(64).optional(),
  submit: z.boolean().default(false).describe('Submit at once instead of keeping a draft'),
}).strict();
export type ApplicationCreate = z.infer<typeof ApplicationCreate>;

export const APPLICATION_STATES = ['draft', 'submitted', 'under_review', 'approved', 'rejected', 'withdrawn'] as const;

export const Review = z.object({ reviewer: z.string(), scores: z.record(z.string(), z.number()), weighted: z.number(), comment: z.string(), at: Timestamp });

export const Application = z.object({
  id: z.string(), program: z.string(), tenant: z.string(), project: z.string().nullable(), title: z.string(), description: z.string(),
  accelerators: z.array(z.object({ type: z.string(), count: z.number() })), durationDays: z.number(),
  serviceUnits: z.number(), expectedOutputs: z.array(z.string()), region: z.string().nullable(), state: z.enum(APPLICATION_STATES),
  submittedAt: Timestamp.nullable(), decidedAt: Timestamp.nullable(), decidedBy: z.string().nullable(), decisionReason: z.string().nullable(),
  approvedServiceUnits: z.number().nullable(), allocation: z.string().nullable(),
  score: z.number().nullable().describe('Mean weighted score of the reviews (0–10); visible to operators and reviewers'),
  reviews: z.array(Review).optional(), createdAt: Timestamp,
}).meta({ id: 'Application' });

export const ReviewCreate = z.object({
  scores: z.record(z.string(), z.number().min(0).max(10)).describe('Criterion key → score 0–10, one per criterion'),
  comment: z.string().max(10_000).default(''),
}).strict();

/** Storage granted with an allocation, in TB (to the GB), charged per TB-month at the storage rate. */
export const StorageTb = z.number().min(0).max(1_000_000)
  .refine((x) => Math.abs(Math.round(x * 1000) - x * 1000) < 1e-6, 'give storage in TB with at most 3 decimals (1 GB)')
  .describe('Storage granted, TB (1 TB = 1,000 GB); charged per TB-month at the storage rate in force');

export const ApplicationApprove = z.object({
  serviceUnits: ServiceUnits.optional().describe('Award (at most what was asked); default: all of it'),
  reason: z.string().min(1).max(2000),
  startsAt: Instant.optional(),
  concurrentLimit: z.number().int().min(1).max(100_000).optional(),
  fairShareWeight: z.number().int().min(1).max(1000).optional(),
  storageTb: StorageTb.optional(),
}).strict();
export const ApplicationReject = z.object({ reason: z.string().min(1, 'say why').max(2000) }).strict();

export const AllocationCreate = z.object({
  tenant: z.string().min(1).max(100),
  project: z.string().min(1).max(100).optional(),
  program: z.string().min(1).max(100).optional().describe('Draw from this program\'s budget; absent: a direct grant'),
  name: z.string().min(1).max(200),
  serviceUnits: ServiceUnits,
  acceleratorTypes: z.array(z.string().min(1).max(64)).max(20).default([]),
  concurrentLimit: z.number().int().min(1).max(100_000),
  startsAt: Instant.optional(),
  endsAt: Instant,
  firstTranchePct: z.number().int().min(1).max(100).default(100),
  progressReportMonths: z.array(z.number().int().min(1).max(120)).max(24).default([]),
  discountPct: z.number().int().min(0).max(100).default(0),
  fairShareWeight: z.number().int().min(1).max(1000).default(1),
  storageTb: StorageTb.optional(),
}).strict();
export type AllocationCreate = z.infer<typeof AllocationCreate>;

export const Balance = z.object({
  awarded: z.number(), committed: z.number(), available: z.number(), held: z.number(), spent: z.number(), expired: z.number(),
});

export const Allocation = z.object({
  id: z.string(), tenant: z.string(), project: z.string().nullable(), program: z.string().nullable(), application: z.string().nullable(),
  name: z.string(), serviceUnits: z.number(), acceleratorTypes: z.array(z.string()), concurrentLimit: z.number(),
  startsAt: Timestamp, endsAt: Timestamp, discountPct: z.number(), fairShareWeight: z.number(), storageTb: z.number(),
  state: z.enum(['active', 'suspended', 'expired', 'exhausted', 'not_started']), stateReason: z.string().nullable(),
  tranches: z.array(z.object({ serviceUnits: z.number(), condition: z.enum(['award', 'progress_report']), releasedAt: Timestamp.nullable() })),
  reportSchedule: z.array(z.object({ kind: z.enum(['progress', 'final']), dueAt: Timestamp })),
  balance: Balance, createdAt: Timestamp,
}).meta({ id: 'Allocation' });

export const AllocationSuspend = z.object({ reason: z.string().min(1, 'say why').max(2000) }).strict();
export const AllocationAdjust = z.object({ serviceUnits: SignedServiceUnits, reason: z.string().min(1, 'say why').max(2000) }).strict();

export const RateCreate = z.object({
  resource: z.enum(['device', 'cpu', 'storage', 'reservation_multiplier']),
  acceleratorType: z.string().min(1).max(64).optional().describe('For device rates; absent: any type without its own rate'),
  serviceUnitsPerHour: ServiceUnits.optional().describe('SU per device-hour (device), per CPU-hour (cpu), per TB-month (storage)'),
  multiplier: z.number().min(1).max(100).optional().describe('For reservation_multiplier, e.g. 1.5'),
  effectiveFrom: Instant.optional().describe('Default: now. Never before now: past charges keep their rates'),
  note: z.string().max(500).default(''),
}).strict();
export type RateCreate = z.infer<typeof RateCreate>;

export const Rate = z.object({
  id: z.number(), resource: z.string(), acceleratorType: z.string().nullable(), serviceUnitsPerHour: z.number().nullable(),
  multiplier: z.number().nullable(), effectiveFrom: Timestamp, inForce: z.boolean(), note: z.string(), createdAt: Timestamp,
}).meta({ id: 'Rate' });

export const LedgerTransaction = z.object({
  id: z.number(), kind: z.string(), at: Timestamp, allocation: z.string().nullable(), program: z.string().nullable(),
  tenant: z.string().nullable(), project: z.string().nullable(), job: z.string().nullable(), attempt: z.number().nullable(),
  acceleratorType: z.string().nullable(), serviceUnits: z.number(), deviceHours: z.number(), rates: z.array(z.number()),
  memo: z.string(), entries: z.array(z.object({ account: z.string(), serviceUnits: z.number() })),
}).meta({ id: 'LedgerTransaction' });

export const LedgerQuery = z.object({
  allocation: z.string().optional(), job: z.string().optional(), kind: z.string().optional(),
  afterId: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200),
  format: z.enum(['json', 'csv']).default('json'),
});

export const OUTPUT_KINDS = ['paper', 'model', 'dataset', 'software', 'patent', 'other'] as const;
export const OutputCreate = z.object({
  kind: z.enum(OUTPUT_KINDS), title: z.string().min(1).max(500),
  reference: z.string().min(1).max(500).optional().describe('DOI, URL or model id'),
}).strict();
export const Output = z.object({ id: z.string(), allocation: z.string(), kind: z.string(), title: z.string(), reference: z.string().nullable(), reportedAt: Timestamp });

export const ReportCreate = z.object({ kind: z.enum(['progress', 'final']), text: z.string().min(1).max(50_000) }).strict();
export const ReportReview = z.object({ decision: z.enum(['accept', 'reject']), note: z.string().max(2000).optional() }).strict();
export const AllocationReport = z.object({
  id: z.string(), allocation: z.string(), kind: z.string(), text: z.string(), state: z.string(), submittedAt: Timestamp,
  reviewedBy: z.string().nullable(), reviewedAt: Timestamp.nullable(), reviewNote: z.string().nullable(),
});

export const USAGE_DIMENSIONS = ['tenant', 'project', 'user', 'program', 'allocation', 'month', 'acceleratorType'] as const;
export const UsageQuery = z.object({
  from: Instant.optional(), to: Instant.optional(),
  groupBy: z.string().default('tenant,month,acceleratorType').transform((s, ctx) => {
    const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      if (!(USAGE_DIMENSIONS as readonly string[]).includes(p)) {
        ctx.addIssue({ code: 'custom', message: `unknown dimension "${p}"; use any of: ${USAGE_DIMENSIONS.join(', ')}` });
        return z.NEVER;
      }
    }
    return parts as (typeof USAGE_DIMENSIONS)[number][];
  }),
  tenant: z.string().optional(), program: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
export const ReportQuery = z.object({ program: z.string().optional(), format: z.enum(['json', 'csv']).default('json') });

export const UsageRow = z.object({
  tenant: z.string().optional(), project: z.string().optional(), user: z.string().optional(), program: z.string().optional(), allocation: z.string().optional(),
  month: z.string().optional(), acceleratorType: z.string().optional(),
  attempts: z.number(), deviceHours: z.number(), cpuHours: z.number(), serviceUnits: z.number(),
});
export const UsageReport = z.object({ from: Timestamp.nullable(), to: Timestamp.nullable(), groupBy: z.array(z.string()), rows: z.array(UsageRow), total: UsageRow });

export type AllocationAdjust = z.infer<typeof AllocationAdjust>;
export type OutputCreate = z.infer<typeof OutputCreate>;
export type ReportCreate = z.infer<typeof ReportCreate>;
export type ReviewCreate = z.infer<typeof ReviewCreate>;
export type ApplicationApprove = z.infer<typeof ApplicationApprove>;

/** GET /v1/reports/utilisation: device-hours used against available, per accelerator type. */
export const UtilisationReport = z.object({
  from: Timestamp, to: Timestamp,
  rows: z.array(z.object({
    acceleratorType: z.string(), devices: z.number(), usedDeviceHours: z.number(), availableDeviceHours: z.number(),
    utilisation: z.number().nullable().describe('used / available (0–1); null with no devices of the type'),
  })),
}).meta({ id: 'UtilisationReport' });

/** GET /v1/reports/at-risk: allocations far off their pace, exhausted or suspended. */
export const AtRiskItem = z.object({
  allocation: z.string(), tenant: z.string(), program: z.string().nullable(),
  verdict: z.enum(['on_pace', 'underspending', 'overspending', 'not_started', 'ended']),
  elapsed: z.number().describe('share of the period elapsed (0–1)'), spentShare: z.number().describe('share of the award spent or held'),
  availableSu: z.number(), reasons: z.array(z.string()),
});

/** GET /v1/reports/outputs: outputs per allocation with counts per kind. */
export const OutputsItem = z.object({
  allocation: z.string(), tenant: z.string(), program: z.string().nullable(), counts: z.record(z.string(), z.number()),
  outputs: z.array(z.object({ kind: z.string(), title: z.string(), reference: z.string().nullable() })),
});

/** GET /v1/reports/schedule: each report due, and whether it was filed on time. */
export const ScheduleItem = z.object({
  allocation: z.string(), tenant: z.string(), program: z.string().nullable(), kind: z.string(), dueAt: Timestamp,
  status: z.enum(['submitted_on_time', 'submitted_late', 'overdue', 'upcoming']), submittedAt: Timestamp.nullable(),
});
