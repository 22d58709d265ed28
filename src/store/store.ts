/**
 * The `Store`: every query of `queries/`, bound to one database handle (the root database or a
 * transaction). Services receive a `Store` and never see Kysely; `store.transaction(fn)` hands `fn` the same
 * interface bound to a transaction, committed when `fn` resolves and rolled back when it throws.
 */
import type { Kysely } from 'kysely';
import type { JobId, NodeName, TenantId, UserId } from '../core/ids.ts';
import type { NodeState } from '../core/inventory.ts';
import type { JobState } from '../core/jobState.ts';
import type { StoreDialect } from './migrations/types.ts';
import type { QueryContext } from './queries/context.ts';
import * as audit from './queries/audit.ts';
import * as events from './queries/events.ts';
import { insertJob } from './queries/jobs/insert.ts';
import { countJobsByState, countJobsOf, getJob, listJobs, listJobsByStates } from './queries/jobs/read.ts';
import { updateJob, type JobUpdateOptions } from './queries/jobs/update.ts';
import * as nodes from './queries/nodes.ts';
import * as projects from './queries/projects.ts';
import * as tenants from './queries/tenants.ts';
import * as reservations from './queries/reservations.ts';
import * as quotas from './queries/quotas.ts';
import * as tokens from './queries/tokens.ts';
import * as usage from './queries/usage.ts';
import * as users from './queries/users.ts';
import * as unixAccounts from './queries/unixAccounts.ts';
import * as testbedRuns from './queries/testbedRuns.ts';
import { bindDatasetStore, type DatasetStore } from './queries/datasetStore.ts';
import type { TestbedRunFilter } from './queries/testbedRuns.ts';
import { bindAccounting, type AccountingStore } from './queries/accounting/index.ts';
import type {
  ApiTokenRecord, AuditFilter, AuditRecord, JobEventRecord, JobListFilter, JobPage, JobPatch, JobRecord,
  NewApiToken, NewAudit, NewJob, NewJobEvent, NewNode, NewProject, NewTenant, NewUsage, NewUser, NodeRecord,
  ProjectRecord, ReservationRecord, TenantRecord, TestbedRunRecord, UnixAccountRecord, UsageFilter, UsageRecord, UsageSum, UserRecord, CohortRecord, QuotaRecord,
} from './records.ts';
import type { Database } from './schema.ts';
import type { ProjectId } from '../core/ids.ts';

/** Accounting groups (programs, applications, reviews, allocations, rates, ledger, outputs): queries/accounting. */
export interface Store extends AccountingStore {
  readonly dialect: StoreDialect;
  tenants: {
    create(t: NewTenant): Promise<TenantRecord>;
    get(id: TenantId): Promise<TenantRecord | undefined>;
    getBySlug(slug: string): Promise<TenantRecord | undefined>;
    list(): Promise<TenantRecord[]>;
  };
  users: {
    create(u: NewUser): Promise<UserRecord>;
    get(id: UserId): Promise<UserRecord | undefined>;
    getByEmail(email: string): Promise<UserRecord | undefined>;
    list(): Promise<UserRecord[]>;
    listByTenant(tenantId: TenantId): Promise<UserRecord[]>;
    setDisabled(id: UserId, disabledAt: number | null): Promise<boolean>;
    setPasswordHash(id: UserId, passwordHash: string | null): Promise<boolean>;
  };
  projects: {
    create(p: NewProject): Promise<ProjectRecord>;
    get(id: ProjectId): Promise<ProjectRecord | undefined>;
    getBySlug(tenantId: TenantId, slug: string): Promise<ProjectRecord | undefined>;
    listByTenant(tenantId: TenantId): Promise<ProjectRecord[]>;
  };
  tokens: {
    create(t: NewApiToken): Promise<ApiTokenRecord>;
    findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
    touch(id: string, at?: number): Promise<boolean>;
    revoke(id: string, at?: number): Promise<boolean>;
    listByUser(userId: UserId): Promise<ApiTokenRecord[]>;
  };
  nodes: {
    upsertMany(nodes: readonly NewNode[]): Promise<void>;
    list(): Promise<NodeRecord[]>;
    setState(name: NodeName, state: NodeState, reason?: string | null): Promise<boolean>;
  };
  jobs: {
    insert(job: NewJob): Promise<JobRecord>;
    get(id: JobId): Promise<JobRecord | undefined>;
    list(filter?: JobListFilter): Promise<JobPage>;
    listByStates(states: readonly JobState[]): Promise<JobRecord[]>;
    update(id: JobId, patch: JobPatch, opts?: JobUpdateOptions): Promise<boolean>;
    countByState(filter?: { tenantId?: TenantId }): Promise<Record<JobState, number>>;
    /** Jobs of one user or organization in these states (the submission caps). */
    countOf(who: { userId: UserId } | { tenantId: TenantId }, states: readonly JobState[]): Promise<number>;
  };
  events: {
    append(e: NewJobEvent): Promise<JobEventRecord>;
    list(jobId: JobId, opts?: { afterId?: number }): Promise<JobEventRecord[]>;
  };
  usage: {
    open(rows: readonly NewUsage[]): Promise<number>;
    close(jobId: JobId, attempt: number, endedAt: number): Promise<number>;
    listByJob(jobId: JobId): Promise<UsageRecord[]>;
    sumDeviceSeconds(filter?: UsageFilter): Promise<UsageSum>;
    /** Device intervals ended since `since` (ms), with their job's organization and project (fair share). */
    closedDeviceIntervals(since: number): Promise<{ tenantId: TenantId; projectId: ProjectId; startedAt: number; endedAt: number }[]>;
  };
  audit: {
    append(a: NewAudit): Promise<AuditRecord>;
    list(filter?: AuditFilter): Promise<AuditRecord[]>;
    /** Checks the hash chain (migration 0013) from the first record; the first break, if any. */
    verify(): Promise<{ records: number; broken: { id: number; reason: string } | null }>;
  };
  reservations: {
    create(r: ReservationRecord): Promise<ReservationRecord>;
    get(id: string): Promise<ReservationRecord | undefined>;
    list(filter?: { tenantId?: TenantId; endingAfter?: number }): Promise<ReservationRecord[]>;
    cancel(id: string, at: number): Promise<boolean>;
    /** Inside a transaction: serialises reservation changes (PostgreSQL; SQLite has one writer anyway). */
    lockAll(): Promise<void>;
  };
  quotas: {
    /** Inserts, or replaces the limits of the quota with the same owner and resource (its id kept). */
    put(q: QuotaRecord): Promise<QuotaRecord>;
    get(id: string): Promise<QuotaRecord | undefined>;
    list(filter?: { tenantId?: TenantId; cohort?: string }): Promise<QuotaRecord[]>;
    delete(id: string): Promise<boolean>;
  };
  cohorts: {
    create(c: CohortRecord): Promise<CohortRecord>;
    get(name: string): Promise<CohortRecord | undefined>;
    list(): Promise<CohortRecord[]>;
    delete(name: string): Promise<boolean>;
  };
  /** The Unix account of each user whose jobs have run (migration 0007). */
  unixAccounts: {
    insert(a: UnixAccountRecord): Promise<UnixAccountRecord>;
    get(userId: UserId): Promise<UnixAccountRecord | undefined>;
    list(): Promise<UnixAccountRecord[]>;
    /** The highest uid of an account the server created in [min, max]; null when none. */
    maxUid(min: number, max: number): Promise<number | null>;
    /** Forgets a user's recorded account (its creation on the host lost a race for the uid). */
    remove(userId: UserId): Promise<void>;
  };
  /** Test-bed runs (migration 0009). */
  testbedRuns: {
    create(r: TestbedRunRecord): Promise<TestbedRunRecord>;
    get(id: string): Promise<TestbedRunRecord | undefined>;
    list(filter?: TestbedRunFilter): Promise<TestbedRunRecord[]>;
    /** Stores the result once; false when another writer stored it first. */
    finish(id: string, result: unknown, chargedUnits: number | null, at: number): Promise<boolean>;
  };
  /** Datasets, their versions, files, stored chunks, keys, uploads and job mounts (migration 0010). */
  datasets: DatasetStore;
  /**
   * Runs fn with a Store bound to one transaction. Inside a transaction, this runs fn in the same one
   * (no savepoints). On SQLite, transactions are serialised (one connection); keep them short, do no
   * other I/O inside, and use only `tx` inside fn: a query on the outer store waits for the connection the
   * transaction holds — a deadlock on SQLite, a second pool connection outside the transaction on PostgreSQL.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
}

export function bindStore(db: Kysely<Database>, dialect: StoreDialect, clock: () => number): Store {
  const ctx: QueryContext = { db, dialect, clock };
  const store: Store = {
    dialect,
    ...bindAccounting(ctx),
    tenants: {
      create: (t) => tenants.createTenant(ctx, t),
      get: (id) => tenants.getTenant(ctx, id),
      getBySlug: (slug) => tenants.getTenantBySlug(ctx, slug),
      list: () => tenants.listTenants(ctx),
    },
    users: {
      create: (u) => users.createUser(ctx, u),
      get: (id) => users.getUser(ctx, id),
      getByEmail: (email) => users.getUserByEmail(ctx, email),
      list: () => users.listUsers(ctx),
      listByTenant: (tenantId) => users.listUsersByTenant(ctx, tenantId),
      setDisabled: (id, at) => users.setUserDisabled(ctx, id, at),
      setPasswordHash: (id, hash) => users.setUserPasswordHash(ctx, id, hash),
    },
    projects: {
      create: (p) => projects.createProject(ctx, p),
      get: (id) => projects.getProject(ctx, id),
      getBySlug: (tenantId, slug) => projects.getProjectBySlug(ctx, tenantId, slug),
      listByTenant: (tenantId) => projects.listProjectsByTenant(ctx, tenantId),
    },
    tokens: {
      create: (t) => tokens.createToken(ctx, t),
      findByHash: (hash) => tokens.findTokenByHash(ctx, hash),
      touch: (id, at) => tokens.touchToken(ctx, id, at),
      revoke: (id, at) => tokens.revokeToken(ctx, id, at),
      listByUser: (userId) => tokens.listTokensByUser(ctx, userId),
    },
    nodes: {
      upsertMany: (list) => nodes.upsertNodes(ctx, list),
      list: () => nodes.listNodes(ctx),
      setState: (name, state, reason) => nodes.setNodeState(ctx, name, state, reason ?? null),
    },
    jobs: {
      insert: (job) => insertJob(ctx, job),
      get: (id) => getJob(ctx, id),
      list: (filter) => listJobs(ctx, filter),
      listByStates: (states) => listJobsByStates(ctx, states),
      update: (id, patch, opts) => updateJob(ctx, id, patch, opts),
      countByState: (filter) => countJobsByState(ctx, filter),
      countOf: (who, states) => countJobsOf(ctx, who, states),
    },
    events: {
      append: (e) => events.appendEvent(ctx, e),
      list: (jobId, opts) => events.listEvents(ctx, jobId, opts),
    },
    usage: {
      open: (rows) => usage.openUsage(ctx, rows),
      close: (jobId, attempt, endedAt) => usage.closeUsage(ctx, jobId, attempt, endedAt),
      listByJob: (jobId) => usage.listUsageByJob(ctx, jobId),
      sumDeviceSeconds: (filter) => usage.sumUsageSeconds(ctx, filter),
      closedDeviceIntervals: (since) => usage.listClosedDeviceUsage(ctx, since),
    },
    audit: {
      append: (a) => audit.appendAudit(ctx, a),
      list: (filter) => audit.listAudit(ctx, filter),
      verify: () => audit.verifyAudit(ctx),
    },
    reservations: {
      create: (r) => reservations.createReservation(ctx, r),
      get: (id) => reservations.getReservation(ctx, id),
      list: (filter) => reservations.listReservations(ctx, filter),
      cancel: (id, at) => reservations.cancelReservation(ctx, id, at),
      lockAll: () => reservations.lockReservations(ctx),
    },
    quotas: {
      put: (q) => quotas.putQuota(ctx, q),
      get: (id) => quotas.getQuota(ctx, id),
      list: (filter) => quotas.listQuotas(ctx, filter),
      delete: (id) => quotas.deleteQuota(ctx, id),
    },
    cohorts: {
      create: (c) => quotas.createCohort(ctx, c),
      get: (name) => quotas.getCohort(ctx, name),
      list: () => quotas.listCohorts(ctx),
      delete: (name) => quotas.deleteCohort(ctx, name),
    },
    unixAccounts: {
      insert: (a) => unixAccounts.insertUnixAccount(ctx, a),
      get: (userId) => unixAccounts.getUnixAccount(ctx, userId),
      list: () => unixAccounts.listUnixAccounts(ctx),
      maxUid: (min, max) => unixAccounts.maxUnixUid(ctx, min, max),
      remove: (userId) => unixAccounts.deleteUnixAccount(ctx, userId),
    },
    testbedRuns: {
      create: (r) => testbedRuns.createTestbedRun(ctx, r),
      get: (id) => testbedRuns.getTestbedRun(ctx, id),
      list: (filter) => testbedRuns.listTestbedRuns(ctx, filter),
      finish: (id, result, units, at) => testbedRuns.finishTestbedRun(ctx, id, result, units, at),
    },
    datasets: bindDatasetStore(ctx),
    transaction: (fn) =>
      db.isTransaction ? fn(store) : db.transaction().execute((trx) => fn(bindStore(trx, dialect, clock))),
  };
  return store;
}
