/** The accounting query groups, bound to one QueryContext (the root database or a transaction). */
import type { QueryContext } from '../context.ts';
import * as allocations from './allocations.ts';
import * as applications from './applications.ts';
import * as ledger from './ledger.ts';
import * as outputs from './outputs.ts';
import * as programs from './programs.ts';
import * as rates from './rates.ts';
import type {
  AllocationRecord, AllocationReportRecord, ApplicationRecord, ApplicationState, LedgerFilter, LedgerTxnRecord, NewLedgerTxn,
  NewRate, OutputRecord, ProgramRecord, RateRecord, ReviewRecord,
} from './records.ts';

export interface AccountingStore {
  programs: {
    create(p: Omit<ProgramRecord, 'createdAt'> & { createdAt?: number }): Promise<ProgramRecord>;
    get(idOrSlug: string): Promise<ProgramRecord | undefined>;
    lock(id: string): Promise<ProgramRecord | undefined>;
    list(): Promise<ProgramRecord[]>;
    addReviewer(programId: string, userId: string): Promise<boolean>;
    reviewers(programId: string): Promise<string[]>;
    reviewedBy(userId: string): Promise<string[]>;
  };
  applications: {
    create(a: ApplicationRecord): Promise<ApplicationRecord>;
    get(id: string): Promise<ApplicationRecord | undefined>;
    list(f?: { programId?: string; tenantId?: string; programIds?: readonly string[] }): Promise<ApplicationRecord[]>;
    update(a: ApplicationRecord, expectState: ApplicationState): Promise<boolean>;
  };
  reviews: {
    upsert(r: ReviewRecord): Promise<void>;
    list(applicationId: string): Promise<ReviewRecord[]>;
  };
  allocations: {
    create(a: AllocationRecord): Promise<AllocationRecord>;
    get(id: string): Promise<AllocationRecord | undefined>;
    lock(id: string): Promise<AllocationRecord | undefined>;
    list(f?: { tenantId?: string; programId?: string }): Promise<AllocationRecord[]>;
    update(a: AllocationRecord): Promise<boolean>;
  };
  rates: {
    create(r: NewRate): Promise<RateRecord>;
    list(): Promise<RateRecord[]>;
  };
  ledger: {
    post(t: NewLedgerTxn): Promise<number | null>;
    byKey(idemKey: string): Promise<LedgerTxnRecord | undefined>;
    list(f?: LedgerFilter): Promise<LedgerTxnRecord[]>;
    balance(account: string): Promise<number>;
    balances(prefix?: string): Promise<Map<string, number>>;
    balancesOf(accounts: readonly string[]): Promise<Map<string, number>>;
    settledByDay(from: number): Promise<{ tenantId: string | null; projectId: string | null; day: number; deviceMs: number }[]>;
  };
  outputs: {
    create(o: OutputRecord): Promise<OutputRecord>;
    list(f?: { allocationIds?: readonly string[]; tenantId?: string }): Promise<OutputRecord[]>;
  };
  allocationReports: {
    create(r: AllocationReportRecord): Promise<AllocationReportRecord>;
    get(id: string): Promise<AllocationReportRecord | undefined>;
    list(f?: { allocationIds?: readonly string[] }): Promise<AllocationReportRecord[]>;
    review(id: string, state: 'accepted' | 'rejected', by: string, at: number, note: string | null): Promise<boolean>;
  };
}

export function bindAccounting(ctx: QueryContext): AccountingStore {
  return {
    programs: {
      create: (p) => programs.createProgram(ctx, p),
      get: (id) => programs.getProgram(ctx, id),
      lock: (id) => programs.lockProgram(ctx, id),
      list: () => programs.listPrograms(ctx),
      addReviewer: (p, u) => programs.addReviewer(ctx, p, u),
      reviewers: (p) => programs.listReviewers(ctx, p),
      reviewedBy: (u) => programs.programsReviewedBy(ctx, u),
    },
    applications: {
      create: (a) => applications.createApplication(ctx, a),
      get: (id) => applications.getApplication(ctx, id),
      list: (f) => applications.listApplications(ctx, f),
      update: (a, s) => applications.updateApplication(ctx, a, s),
    },
    reviews: {
      upsert: (r) => applications.upsertReview(ctx, r),
      list: (id) => applications.listReviews(ctx, id),
    },
    allocations: {
      create: (a) => allocations.createAllocation(ctx, a),
      get: (id) => allocations.getAllocation(ctx, id),
      lock: (id) => allocations.lockAllocation(ctx, id),
      list: (f) => allocations.listAllocations(ctx, f),
      update: (a) => allocations.updateAllocation(ctx, a),
    },
    rates: {
      create: (r) => rates.createRate(ctx, r),
      list: () => rates.listRates(ctx),
    },
    ledger: {
      post: (t) => ledger.postTxn(ctx, t),
      byKey: (k) => ledger.getTxnByKey(ctx, k),
      list: (f) => ledger.listTxns(ctx, f),
      balance: (a) => ledger.accountBalance(ctx, a),
      balances: (p) => ledger.balancesByPrefix(ctx, p),
      balancesOf: (a) => ledger.balancesOf(ctx, a),
      settledByDay: (from) => ledger.settledByDay(ctx, from),
    },
    outputs: {
      create: (o) => outputs.createOutput(ctx, o),
      list: (f) => outputs.listOutputs(ctx, f),
    },
    allocationReports: {
      create: (r) => outputs.createReport(ctx, r),
      get: (id) => outputs.getReport(ctx, id),
      list: (f) => outputs.listReports(ctx, f),
      review: (id, s, by, at, note) => outputs.reviewReport(ctx, id, s, by, at, note),
    },
  };
}

export type * from './records.ts';
