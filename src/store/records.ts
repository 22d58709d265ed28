/**
 * The records the store hands out: camelCase, typed with the core's branded ids, JSON columns parsed,
 * timestamps as epoch milliseconds (numbers on both dialects). The API layer maps these to the contract;
 * nothing outside `src/store` sees a database row.
 *
 * `New…` types are what a caller passes to create a row: ids are minted by the caller (`job_…`), and a
 * missing timestamp defaults to the store's clock.
 */
import type { Scope } from '../core/scopes.ts';
import type {
  AcceleratorTypeId, AllocationId, JobId, NodeName, PartitionName, ProjectId, TenantId, UserId,
} from '../core/ids.ts';
import type { InventoryNode, NodeState } from '../core/inventory.ts';
import type { JobState } from '../core/jobState.ts';
import type { Placement, ResourceRequest } from '../core/resources.ts';
import type { DependencySpec } from '../core/slurm/dependency.ts';
import type { SlurmJobFacts } from '../core/slurm/jobEnvironment.ts';
import { SECTORS, TENANT_KINDS, USER_ROLES } from '../contract/identity.ts';

// The contract's lists are the one definition; the store re-exports them for its own callers.
export { SECTORS, TENANT_KINDS, USER_ROLES };

/** Epoch milliseconds. */
export type Millis = number;

export type TenantKind = (typeof TENANT_KINDS)[number];
export type Sector = (typeof SECTORS)[number];

export interface TenantRecord {
  id: TenantId;
  slug: string;
  name: string;
  kind: TenantKind;
  sector: Sector;
  createdAt: Millis;
}
export type NewTenant = Omit<TenantRecord, 'createdAt'> & { createdAt?: Millis };

export type UserRole = (typeof USER_ROLES)[number];

export interface UserRecord {
  id: UserId;
  email: string;
  name: string;
  passwordHash: string | null;
  role: UserRole;
  /** Null for operators: they belong to the data center, not to a tenant. */
  tenantId: TenantId | null;
  createdAt: Millis;
  disabledAt: Millis | null;
}
export type NewUser = Omit<UserRecord, 'createdAt' | 'disabledAt' | 'passwordHash' | 'tenantId'> & {
  passwordHash?: string | null;
  tenantId?: TenantId | null;
  createdAt?: Millis;
  disabledAt?: Millis | null;
};

export interface ProjectRecord {
  id: ProjectId;
  tenantId: TenantId;
  slug: string;
  name: string;
  description: string;
  createdAt: Millis;
}
export type NewProject = Omit<ProjectRecord, 'createdAt' | 'description'> & { description?: string; createdAt?: Millis };

export interface ApiTokenRecord {
  id: string;
  userId: UserId;
  name: string;
  /** Hash of the secret; the secret itself is never stored. */
  tokenHash: string;
  /** The first characters of the secret, shown in listings so a user can tell tokens apart. */
  prefix: string;
  createdAt: Millis;
  lastUsedAt: Millis | null;
  expiresAt: Millis | null;
  revokedAt: Millis | null;
  /** What the token may do (contract/scopes.ts); never more than its user may. */
  scopes: readonly Scope[];
}
export type NewApiToken = Omit<ApiTokenRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'expiresAt'> & {
  expiresAt?: Millis | null;
  createdAt?: Millis;
};

export interface NodeRecord extends InventoryNode {
  stateReason: string | null;
  updatedAt: Millis;
}
export type NewNode = InventoryNode & { stateReason?: string | null };

export interface JobRecord {
  id: JobId;
  /** Submission order: unique, increasing; the keyset of job listings. */
  seq: number;
  tenantId: TenantId;
  projectId: ProjectId;
  userId: UserId;
  name: string;
  partition: PartitionName;
  state: JobState;
  script: string;
  workingDirectory: string;
  environment: Record<string, string>;
  request: ResourceRequest;
  priority: number;
  qos: string | null;
  submittedAt: Millis;
  startedAt: Millis | null;
  endedAt: Millis | null;
  exitCode: number | null;
  signal: string | null;
  pendingReason: string | null;
  pendingMessage: string | null;
  estimatedStart: Millis | null;
  placement: Placement | null;
  acceleratorType: AcceleratorTypeId | null;
  executor: string | null;
  executorHandle: string | null;
  stdoutPath: string;
  stderrPath: string;
  warnings: string[];
  attempt: number;
  preemptionCount: number;
  failureReason: string | null;
  allocationId: AllocationId | null;
  /** The reservation the job named: it runs only on its nodes, charged at the reservation multiplier. */
  reservationId: string | null;
  /** Its --dependency (sbatch): it waits until the jobs it names are where the spec says. */
  dependency: JobDependency | null;
  /** What its sbatch options said that its SLURM_* environment shows (core/slurm/jobEnvironment.ts). */
  slurmFacts: SlurmJobFacts | null;
  updatedAt: Millis;
}

export interface JobDependency {
  spec: DependencySpec;
  /** --kill-on-invalid-dep=yes: cancel the job once its dependency can never be satisfied. */
  killOnInvalid: boolean;
}

/** Fields fixed at submission; everything else may be changed by `jobs.update`. */
type JobIdentity = 'id' | 'seq' | 'tenantId' | 'projectId' | 'userId' | 'submittedAt' | 'updatedAt';
/** Fields a submission must give; the rest default (state `pending`, nulls, zero counters). */
type JobRequired =
  | 'id' | 'tenantId' | 'projectId' | 'userId' | 'name' | 'partition' | 'script' | 'workingDirectory'
  | 'request' | 'stdoutPath' | 'stderrPath';
export type NewJob = Pick<JobRecord, JobRequired> & Partial<Omit<JobRecord, JobRequired | 'seq' | 'updatedAt'>>;
export type JobPatch = Partial<Omit<JobRecord, JobIdentity>>;

export interface JobListFilter {
  tenantId?: TenantId;
  projectId?: ProjectId;
  userId?: UserId;
  states?: readonly JobState[];
  /** `nextCursor` of the previous page; absent for the first page. */
  cursor?: string | null;
  /** Page size, 1..1000 (default 50). */
  limit?: number;
}
export interface JobPage {
  jobs: JobRecord[];
  /** Pass as `cursor` to get the next (older) page; null when this page is the last. */
  nextCursor: string | null;
}

export const JOB_EVENT_KINDS = ['state', 'reason', 'info'] as const;
export type JobEventKind = (typeof JOB_EVENT_KINDS)[number];
export interface JobEventRecord {
  id: number;
  jobId: JobId;
  at: Millis;
  kind: JobEventKind;
  fromState: JobState | null;
  toState: JobState | null;
  message: string;
}
export type NewJobEvent = Omit<JobEventRecord, 'id' | 'at' | 'fromState' | 'toState'> & {
  at?: Millis;
  fromState?: JobState | null;
  toState?: JobState | null;
};

/** One job attempt on one device (deviceIdx -1: a CPU-only job on that node). */
export interface UsageRecord {
  jobId: JobId;
  attempt: number;
  node: NodeName;
  deviceIdx: number;
  acceleratorType: AcceleratorTypeId | null;
  startedAt: Millis;
  endedAt: Millis | null;
}
export type NewUsage = Omit<UsageRecord, 'endedAt'>;

export interface UsageFilter {
  tenantId?: TenantId;
  projectId?: ProjectId;
  jobId?: JobId;
  acceleratorType?: AcceleratorTypeId;
  /** Count only the part of each interval at or after `from` (epoch ms). */
  from?: Millis;
  /** Count only the part of each interval before `to` (epoch ms). */
  to?: Millis;
  /** End of still-open intervals (default: the store's clock). */
  now?: Millis;
}
export interface UsageSum {
  /** Seconds summed over device rows (deviceIdx >= 0). */
  deviceSeconds: number;
  /** The same, per accelerator type (rows without a type under `unknown`). */
  byAcceleratorType: Record<string, number>;
  /** Seconds of CPU-only rows (deviceIdx -1): one per job attempt per node. */
  cpuOnlySeconds: number;
}

export interface AuditRecord {
  id: number;
  at: Millis;
  actorUserId: UserId | null;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}
export type NewAudit = Omit<AuditRecord, 'id' | 'at' | 'actorUserId' | 'detail'> & {
  at?: Millis;
  actorUserId?: UserId | null;
  detail?: Record<string, unknown>;
};
export interface AuditFilter {
  subject?: string;
  actorUserId?: UserId;
  action?: string;
  /** Entries older than this id (keyset, newest first). */
  beforeId?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

export type { NodeState };

/** The Unix account a user's jobs run as (services/unixAccounts.ts); its uid never changes once recorded. */
export interface UnixAccountRecord {
  userId: UserId;
  userName: string;
  uid: number;
  gid: number;
  /** `created`: the server made it (chd-<short id>); `mapped`: configuration named an existing account. */
  origin: 'created' | 'mapped';
  createdAt: Millis;
}

/** Whole nodes held for one tenant during [startsAt, endsAt); cancelled reservations hold nothing. */
export interface ReservationRecord {
  id: string;
  tenantId: TenantId;
  name: string;
  nodes: NodeName[];
  startsAt: Millis;
  endsAt: Millis;
  cancelledAt: Millis | null;
  createdBy: UserId | null;
  createdAt: Millis;
}

/** Quotas that lend to each other (scheduler/quotas.ts). */
export interface CohortRecord {
  name: string;
  description: string;
  createdBy: UserId | null;
  createdAt: number;
}

/**
 * A quota of an organization (projectId null) or of one of its projects, on an accelerator type or a type
 * group (`resource`): guaranteed devices, at most `borrowLimit` more borrowed (null: no limit), at most
 * `lendLimit` of its idle guarantee lent to its cohort (null: all of it).
 */
export interface QuotaRecord {
  id: string;
  tenantId: TenantId;
  projectId: ProjectId | null;
  resource: string;
  guaranteed: number;
  borrowLimit: number | null;
  lendLimit: number | null;
  cohort: string | null;
  updatedBy: UserId | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A test-bed run: a benchmark run as job `jobId`. `spec` and `result` are JSON the test-bed service owns
 * (services/testbed.ts); `result` and `chargedUnits` are filled once, when the job has ended.
 */
export interface TestbedRunRecord {
  id: string;
  tenantId: TenantId;
  projectId: ProjectId;
  userId: UserId;
  jobId: JobId;
  name: string;
  model: string;
  scenario: string;
  mode: string;
  acceleratorType: string | null;
  spec: unknown;
  result: unknown;
  chargedUnits: number | null;
  finishedAt: Millis | null;
  createdAt: Millis;
}

export type DatasetSensitivity = 'public' | 'internal' | 'restricted';
export type DatasetVisibility = 'organization' | 'shared' | 'public';

export interface DatasetRecord {
  id: string;
  tenantId: TenantId;
  projectId: ProjectId | null;
  name: string;
  description: string;
  domain: string;
  licence: string;
  sensitivity: DatasetSensitivity;
  visibility: DatasetVisibility;
  createdBy: UserId;
  createdAt: Millis;
  deletedAt: Millis | null;
}

export interface DatasetAccessRecord {
  datasetId: string;
  kind: 'tenant' | 'user';
  subjectId: string;
  createdBy: UserId;
  createdAt: Millis;
}

export type DatasetVersionState = 'open' | 'committed' | 'deleted';

export interface DatasetVersionRecord {
  id: string;
  datasetId: string;
  number: number;
  parentId: string | null;
  state: DatasetVersionState;
  message: string;
  fileCount: number;
  totalBytes: number;
  /** Bytes of chunks this version was the first to store (deduplication at work). */
  newBytes: number;
  sourceJobId: JobId | null;
  createdBy: UserId;
  createdAt: Millis;
  committedAt: Millis | null;
  deletedAt: Millis | null;
}

/** A chunk of a file: its SHA-256 (hex) and size in bytes. */
export type ChunkRef = readonly [sha256: string, size: number];

export interface DatasetFileRecord {
  versionId: string;
  path: string;
  size: number;
  sha256: string;
  chunks: readonly ChunkRef[];
}

export interface UploadRecord {
  id: string;
  tenantId: TenantId;
  userId: UserId;
  datasetId: string;
  versionId: string;
  path: string;
  length: number;
  offset: number;
  sha256: string | null;
  metadata: Record<string, string>;
  chunks: readonly ChunkRef[];
  state: 'open' | 'complete';
  createdAt: Millis;
  updatedAt: Millis;
  expiresAt: Millis;
}

/** A job's request to save its output directory as the next version of a dataset (migration 0011). */
export interface DatasetOutputRecord {
  jobId: JobId;
  datasetId: string;
  /** Relative to the job's working directory. */
  path: string;
  state: 'pending' | 'saved' | 'skipped' | 'failed';
  versionId: string | null;
  message: string;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface DatasetMountRecord {
  jobId: JobId;
  datasetId: string;
  versionId: string;
  mountPath: string;
  envName: string;
  createdAt: Millis;
}
