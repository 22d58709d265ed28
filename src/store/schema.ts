/**
 * The database as Kysely sees it: snake_case tables and columns. Timestamps are epoch milliseconds
 * (`bigint` on PostgreSQL, parsed back to numbers by the pool's type parser; integers on SQLite). JSON
 * columns are text on both dialects and parsed by the mappers in `queries/`.
 */
import type { Generated } from 'kysely';

export interface SchemaMetaTable {
  id: number;
  version: number;
  updated_at: number;
}

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  kind: string;
  sector: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  role: string;
  tenant_id: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface ProjectsTable {
  id: string;
  tenant_id: string;
  slug: string;
  name: string;
  description: string;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  /** Comma-separated scopes (migration 0012). */
  scopes: string;
}

export interface NodesTable {
  name: string;
  partition: string;
  cpus: number;
  memory_mb: number;
  labels: string;
  state: string;
  state_reason: string | null;
  source: string;
  updated_at: number;
}

export interface DevicesTable {
  node: string;
  idx: number;
  type: string;
}

export interface JobsTable {
  id: string;
  seq: Generated<number>;
  tenant_id: string;
  project_id: string;
  user_id: string;
  name: string;
  partition: string;
  state: string;
  script: string;
  working_directory: string;
  environment: string;
  request: string;
  priority: number;
  qos: string | null;
  submitted_at: number;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  pending_reason: string | null;
  pending_message: string | null;
  estimated_start: number | null;
  placement: string | null;
  accelerator_type: string | null;
  executor: string | null;
  executor_handle: string | null;
  stdout_path: string;
  stderr_path: string;
  warnings: string;
  /** JSON JobDependency (migration 0008), or null. */
  dependency: string | null;
  /** JSON SlurmJobFacts (migration 0008), or null. */
  slurm_facts: string | null;
  attempt: number;
  preemption_count: number;
  failure_reason: string | null;
  allocation_id: string | null;
  reservation_id: string | null;
  updated_at: number;
}

export interface CohortsTable {
  name: string;
  description: string;
  created_by: string | null;
  created_at: number;
}

export interface QuotasTable {
  id: string;
  tenant_id: string;
  project_id: string;
  resource: string;
  guaranteed: number;
  borrow_limit: number | null;
  lend_limit: number | null;
  cohort: string | null;
  updated_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface UnixAccountsTable {
  user_id: string;
  user_name: string;
  uid: number;
  gid: number;
  /** 'created' (by the server) or 'mapped' (by configuration, to an existing account). */
  origin: string;
  created_at: number;
}

export interface ReservationsTable {
  id: string;
  tenant_id: string;
  name: string;
  /** JSON array of node names. */
  nodes: string;
  starts_at: number;
  ends_at: number;
  cancelled_at: number | null;
  created_by: string | null;
  created_at: number;
}

export interface TestbedRunsTable {
  id: string;
  tenant_id: string;
  project_id: string;
  user_id: string;
  job_id: string;
  name: string;
  model: string;
  scenario: string;
  mode: string;
  accelerator_type: string | null;
  /** JSON: what was asked (services/testbed.ts TestbedSpec). */
  spec: string;
  /** JSON: what the job wrote (testbed/jobRun.ts TestbedJobResult), once it has ended; null before. */
  result: string | null;
  charged_units: number | null;
  finished_at: number | null;
  created_at: number;
}

export interface DatasetsTable {
  id: string;
  tenant_id: string;
  project_id: string | null;
  name: string;
  description: string;
  domain: string;
  licence: string;
  sensitivity: string;
  visibility: string;
  created_by: string;
  created_at: number;
  deleted_at: number | null;
}

export interface DatasetAccessTable {
  dataset_id: string;
  /** 'tenant' (shared read-only with an organization) or 'user' (a grant to read a restricted dataset). */
  kind: string;
  subject_id: string;
  created_by: string;
  created_at: number;
}

export interface DatasetVersionsTable {
  id: string;
  dataset_id: string;
  number: number;
  parent_id: string | null;
  state: string;
  message: string;
  file_count: number;
  total_bytes: number;
  new_bytes: number;
  source_job_id: string | null;
  created_by: string;
  created_at: number;
  committed_at: number | null;
  deleted_at: number | null;
}

export interface DatasetFilesTable {
  version_id: string;
  path: string;
  size: number;
  sha256: string;
  /** JSON: [[sha256, size], …] in file order. */
  chunks: string;
}

export interface DatasetChunksTable {
  namespace: string;
  sha256: string;
  tenant_id: string;
  size: number;
  created_at: number;
}

export interface DatasetKeysTable {
  dataset_id: string;
  /** The dataset's AES-256 key, wrapped (AES-256-GCM) under the server's data master key; base64. */
  wrapped: string;
  created_at: number;
}

export interface UploadsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  dataset_id: string;
  version_id: string;
  path: string;
  length: number;
  offset_bytes: number;
  sha256: string | null;
  metadata: string;
  /** JSON: the chunks completed so far, [[sha256, size], …]; the unfinished tail is in a file. */
  chunks: string;
  state: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface DatasetMountsTable {
  job_id: string;
  dataset_id: string;
  version_id: string;
  mount_path: string;
  env_name: string;
  created_at: number;
}

export interface DatasetOutputsTable {
  job_id: string;
  dataset_id: string;
  path: string;
  state: string;
  version_id: string | null;
  message: string;
  created_at: number;
  updated_at: number;
}

export interface StorageSamplesTable {
  tenant_id: string;
  at: number;
  bytes: number;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  at: number;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  message: string;
}

export interface UsageTable {
  job_id: string;
  attempt: number;
  node: string;
  device_idx: number;
  accelerator_type: string | null;
  started_at: number;
  ended_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_user_id: string | null;
  action: string;
  subject: string;
  detail: string;
  /** Hash chain (migration 0013). */
  prev_hash: string | null;
  hash: string | null;
}

export interface Database {
  schema_meta: SchemaMetaTable;
  tenants: TenantsTable;
  users: UsersTable;
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
  nodes: NodesTable;
  devices: DevicesTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  usage: UsageTable;
  audit_log: AuditLogTable;
  reservations: ReservationsTable;
  cohorts: CohortsTable;
  quotas: QuotasTable;
  unix_accounts: UnixAccountsTable;
  testbed_runs: TestbedRunsTable;
  datasets: DatasetsTable;
  dataset_access: DatasetAccessTable;
  dataset_versions: DatasetVersionsTable;
  dataset_files: DatasetFilesTable;
  dataset_chunks: DatasetChunksTable;
  dataset_keys: DatasetKeysTable;
  uploads: UploadsTable;
  dataset_mounts: DatasetMountsTable;
  dataset_outputs: DatasetOutputsTable;
  storage_samples: StorageSamplesTable;
}
