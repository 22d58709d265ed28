/**
 * Accounting records (issue 4) and the tables they live in (migration 0002). Amounts are integer milli-SU.
 * Kept beside their queries so the store's shared files only gain one import each.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../schema.ts';
import type { QueryContext } from '../context.ts';

type Millis = number;

// --- tables (snake_case, as Kysely sees them) ------------------------------------------------------------
export interface ProgramsTable {
  id: string; slug: string; name: string; description: string; opens_at: number; closes_at: number;
  budget_msu: number; tenant_cap_msu: number | null; eligibility: string; sector_shares: string; criteria: string;
  allocation_terms: string; created_by: string | null; created_at: number;
}
export interface ProgramReviewersTable { program_id: string; user_id: string; created_at: number }
export interface ApplicationsTable {
  id: string; program_id: string; tenant_id: string; project_id: string | null; title: string; description: string;
  request: string; requested_msu: number; expected_outputs: string; region: string | null; state: string;
  submitted_at: number | null; decided_at: number | null; decided_by: string | null; decision_reason: string | null;
  approved_msu: number | null; allocation_id: string | null; created_by: string; created_at: number; updated_at: number;
}
export interface ReviewsTable { application_id: string; reviewer_id: string; scores: string; comment: string; created_at: number }
export interface AllocationsTable {
  id: string; tenant_id: string; project_id: string | null; program_id: string | null; application_id: string | null;
  name: string; awarded_msu: number; accelerator_types: string; concurrent_limit: number; starts_at: number; ends_at: number;
  tranches: string; report_schedule: string; discount_pct: number; fair_share_weight: number; storage_gb: number; state: string;
  state_reason: string | null; created_by: string | null; created_at: number; updated_at: number;
}
export interface RatesTable {
  id: import('kysely').Generated<number>; resource: string; accelerator_type: string | null; value: number;
  effective_from: number; note: string; created_by: string | null; created_at: number;
}
export interface LedgerTransactionsTable {
  id: import('kysely').Generated<number>; idem_key: string | null; kind: string; at: number; allocation_id: string | null;
  program_id: string | null; tenant_id: string | null; project_id: string | null; job_id: string | null; attempt: number | null;
  accelerator_type: string | null; amount: number; device_ms: number; cpu_ms: number; rate_ids: string;
  actor_user_id: string | null; memo: string;
}
export interface LedgerEntriesTable { txn_id: number; account: string; amount: number }
export interface OutputsTable {
  id: string; allocation_id: string; tenant_id: string; kind: string; title: string; reference: string | null;
  reported_by: string; reported_at: number;
}
export interface AllocationReportsTable {
  id: string; allocation_id: string; tenant_id: string; kind: string; text: string; state: string; submitted_by: string;
  submitted_at: number; reviewed_by: string | null; reviewed_at: number | null; review_note: string | null;
}

export interface AccountingDatabase extends Database {
  programs: ProgramsTable;
  program_reviewers: ProgramReviewersTable;
  applications: ApplicationsTable;
  reviews: ReviewsTable;
  allocations: AllocationsTable;
  rates: RatesTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  outputs: OutputsTable;
  allocation_reports: AllocationReportsTable;
}

/** The accounting tables are not in the shared `Database` type; this view adds them (same handle). */
export const adb = (ctx: QueryContext): Kysely<AccountingDatabase> => ctx.db as unknown as Kysely<AccountingDatabase>;

// --- records ---------------------------------------------------------------------------------------------
export const TENANT_KIND_VALUES = ['startup', 'enterprise', 'university', 'research_institute', 'public'] as const;

export interface Eligibility {
  /** Tenant kinds that may apply; empty: any. */
  tenantKinds: string[];
  /** Sectors that may apply; empty: any. */
  sectors: string[];
  /** Regions (declared on the application, e.g. "gwangju"); empty: any. */
  regions: string[];
}

export interface Criterion { key: string; name: string; weight: number }

/** Terms copied onto allocations awarded under the program. */
export interface AllocationTerms {
  /** Share of the award released at once, in percent; the rest when a progress report is accepted. */
  firstTranchePct: number;
  /** Months after the start at which progress reports are due (e.g. [1, 3, 9]); a final one at the end. */
  progressReportMonths: number[];
  /** Discount in percent (e.g. 50 for local or young startups), recorded on the allocation. */
  discountPct: number;
}

export interface ProgramRecord {
  id: string; slug: string; name: string; description: string; opensAt: Millis; closesAt: Millis;
  budgetMsu: number; tenantCapMsu: number | null; eligibility: Eligibility;
  /** Sector → share of the budget in percent (a cap per sector); empty: none. */
  sectorShares: Record<string, number>; criteria: Criterion[]; allocationTerms: AllocationTerms;
  createdBy: string | null; createdAt: Millis;
}

export const APPLICATION_STATES = ['draft', 'submitted', 'under_review', 'approved', 'rejected', 'withdrawn'] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

export interface ApplicationRequest {
  accelerators: { type: string; count: number }[];
  durationDays: number;
}

export interface ApplicationRecord {
  id: string; programId: string; tenantId: string; projectId: string | null; title: string; description: string;
  request: ApplicationRequest; requestedMsu: number; expectedOutputs: string[]; region: string | null; state: ApplicationState;
  submittedAt: Millis | null; decidedAt: Millis | null; decidedBy: string | null; decisionReason: string | null;
  approvedMsu: number | null; allocationId: string | null; createdBy: string; createdAt: Millis; updatedAt: Millis;
}

export interface ReviewRecord { applicationId: string; reviewerId: string; scores: Record<string, number>; comment: string; createdAt: Millis }

export interface Tranche {
  /** mSU released by this tranche. */
  amountMsu: number;
  /** award: at once; progress_report: when a progress report is accepted. */
  condition: 'award' | 'progress_report';
  releasedAt: Millis | null;
}

export interface ReportDue { kind: 'progress' | 'final'; dueAt: Millis }

export const ALLOCATION_STATES = ['active', 'suspended', 'expired'] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number];

export interface AllocationRecord {
  id: string; tenantId: string; projectId: string | null; programId: string | null; applicationId: string | null;
  name: string; awardedMsu: number; acceleratorTypes: string[]; concurrentLimit: number; startsAt: Millis; endsAt: Millis;
  tranches: Tranche[]; reportSchedule: ReportDue[]; discountPct: number; fairShareWeight: number;
  /** Storage granted, in GB (1 TB = 1,000 GB), charged per TB-month; 0: none. */
  storageGb: number;
  state: AllocationState; stateReason: string | null; createdBy: string | null; createdAt: Millis; updatedAt: Millis;
}

export interface RateRecord {
  id: number; resource: 'device' | 'cpu' | 'storage' | 'reservation_multiplier'; acceleratorType: string | null;
  value: number; effectiveFrom: Millis; note: string; createdBy: string | null; createdAt: Millis;
}
export type NewRate = Omit<RateRecord, 'id' | 'createdAt'> & { createdAt?: Millis };

export interface LedgerTxnRecord {
  id: number; idemKey: string | null; kind: string; at: Millis; allocationId: string | null; programId: string | null;
  tenantId: string | null; projectId: string | null; jobId: string | null; attempt: number | null;
  acceleratorType: string | null; amount: number; deviceMs: number; cpuMs: number; rateIds: number[];
  actorUserId: string | null; memo: string;
  entries: { account: string; amount: number }[];
}
export type NewLedgerTxn = Omit<LedgerTxnRecord, 'id' | 'deviceMs' | 'cpuMs' | 'rateIds' | 'memo' | 'idemKey' | 'programId' | 'tenantId' | 'projectId' | 'jobId' | 'attempt' | 'acceleratorType' | 'actorUserId' | 'allocationId'> &
  Partial<Pick<LedgerTxnRecord, 'deviceMs' | 'cpuMs' | 'rateIds' | 'memo' | 'idemKey' | 'programId' | 'tenantId' | 'projectId' | 'jobId' | 'attempt' | 'acceleratorType' | 'actorUserId' | 'allocationId'>>;

export interface LedgerFilter {
  allocationId?: string; tenantId?: string; programId?: string; jobId?: string; kinds?: readonly string[];
  from?: Millis; to?: Millis; afterId?: number; limit?: number;
}

export const OUTPUT_KINDS = ['paper', 'model', 'dataset', 'software', 'patent', 'other'] as const;
export interface OutputRecord {
  id: string; allocationId: string; tenantId: string; kind: (typeof OUTPUT_KINDS)[number]; title: string;
  reference: string | null; reportedBy: string; reportedAt: Millis;
}

export interface AllocationReportRecord {
  id: string; allocationId: string; tenantId: string; kind: 'progress' | 'final'; text: string;
  state: 'submitted' | 'accepted' | 'rejected'; submittedBy: string; submittedAt: Millis;
  reviewedBy: string | null; reviewedAt: Millis | null; reviewNote: string | null;
}
