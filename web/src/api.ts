/**
 * The portal's typed API client. Every response is parsed with the zod schema the server validated it
 * with (src/contract), so a server and portal that disagree fail loudly here with a ContractError, not
 * later as `undefined` somewhere in a page. Errors arrive as RFC 9457 problem details and become ApiError,
 * whose `problem.errors` (one per field) the forms show next to the field they are about.
 */
import { z } from 'zod';
import * as C from '../../src/contract/index.ts';
import * as A from '../../src/contract/accounting.ts';
import { readEventStream } from './sse.ts';

export type Job = z.infer<typeof C.Job>;
export type JobEvent = z.infer<typeof C.JobEventList>['items'][number];
export type Node = z.infer<typeof C.Node>;
export type Capacity = z.infer<typeof C.Capacity>;
export type AcceleratorType = z.infer<typeof C.AcceleratorType>;
export type Tenant = z.infer<typeof C.Tenant>;
export type User = z.infer<typeof C.User>;
export type Project = z.infer<typeof C.Project>;
export type ApiToken = z.infer<typeof C.ApiToken>;
export type Whoami = z.infer<typeof C.Whoami>;
export type Reservation = z.infer<typeof C.Reservation>;
export type Quota = z.infer<typeof C.Quota>;
export type Cohort = z.infer<typeof C.Cohort>;
export type Problem = z.infer<typeof C.Problem>;
export type JobStateName = z.infer<typeof C.JobState>;
export type JobSubmitBody = z.input<typeof C.JobSubmit>;
export type Program = z.infer<typeof A.Program>;
export type Application = z.infer<typeof A.Application>;
export type Allocation = z.infer<typeof A.Allocation>;
export type Rate = z.infer<typeof A.Rate>;
export type LedgerTransaction = z.infer<typeof A.LedgerTransaction>;
export type UsageReport = z.infer<typeof A.UsageReport>;
export type ApplicationState = Application['state'];
export type AuditEntry = z.infer<typeof C.AuditEntry>;
export type AuditPage = z.infer<typeof C.AuditPage>;
export type TestbedRun = z.infer<typeof C.TestbedRun>;
export type TestbedModel = z.infer<typeof C.TestbedModel>;
export type TestbedResults = z.infer<typeof C.TestbedResults>;
export type TestbedComparison = z.infer<typeof C.TestbedComparison>;
export type Dataset = z.infer<typeof C.Dataset>;
export type DatasetDetail = z.infer<typeof C.DatasetDetail>;
export type DatasetVersion = z.infer<typeof C.DatasetVersion>;
export type DatasetFile = z.infer<typeof C.DatasetFile>;
export type StorageUsage = z.infer<typeof C.StorageUsage>;

/** What GET /v1/stream sends as `event: jobs` (src/api/routes/stream.ts): the contract's schema. */
export const JobChangeBatch = C.JobChangeBatch;
export type JobChange = C.JobChangeBatch[number];

const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });


/** The server answered with a problem document. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
  }
  get code(): string {
    return this.problem.code;
  }
}

/** The server's answer does not match the contract: a version mismatch between server and portal. */
export class ContractError extends Error {
  constructor(path: string, readonly issues: z.core.$ZodIssue[]) {
    super(`the server's answer to ${path} does not match the contract: ${issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ContractError';
  }
}

export interface JobListParams {
  state?: readonly JobStateName[] | undefined;
  tenant?: string | undefined;
  project?: string | undefined;
  user?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiClient {
  /**
   * @param token bearer token, or null before login
   * @param onUnauthenticated called when the server says the token is no longer valid (expired, revoked)
   */
  constructor(
    readonly token: string | null,
    private readonly onUnauthenticated: () => void = () => {},
    private readonly base = '',
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async call<T extends z.ZodType>(method: Method, path: string, schema: T, body?: unknown, signal?: AbortSignal): Promise<z.infer<T>> {
    const res = await fetch(this.base + path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
    if (!res.ok) throw await this.problem(res, path);
    if (res.status === 204) return schema.parse(null) as z.infer<T>;
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new ContractError(path, parsed.error.issues);
    return parsed.data;
  }

  private async problem(res: Response, path: string): Promise<ApiError> {
    let doc: unknown = null;
    try {
      doc = await res.json();
    } catch {
      /* not JSON: a proxy's error page */
    }
    const p = C.Problem.safeParse(doc);
    const problem: Problem = p.success
      ? p.data
      : { type: 'about:blank', title: res.statusText || 'Error', status: res.status, detail: `${path} answered HTTP ${res.status}`, code: res.status === 401 ? 'unauthenticated' : 'internal' };
    if (res.status === 401) this.onUnauthenticated();
    return new ApiError(res.status, problem);
  }

  // identity
  login(email: string, password: string) {
    return this.call('POST', '/v1/auth/login', C.IssuedToken, { email, password });
  }
  me(signal?: AbortSignal) {
    return this.call('GET', '/v1/me', C.Whoami, undefined, signal);
  }
  setUserDisabled(id: string, disabled: boolean) {
    return this.call('POST', `/v1/users/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`, C.User, {});
  }
  issuePasswordReset(id: string) {
    return this.call('POST', `/v1/users/${encodeURIComponent(id)}/password-reset`, C.PasswordResetIssued, {});
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.call('POST', '/v1/me/password', z.null(), { currentPassword, newPassword });
  }
  resetPassword(code: string, password: string) {
    return this.call('POST', '/v1/auth/reset', z.null(), { code, password });
  }
  tokens() {
    return this.call('GET', '/v1/tokens', list(C.ApiToken));
  }
  createToken(name: string, expiresInDays?: number, scopes?: z.input<typeof C.TokenCreate>['scopes']) {
    return this.call('POST', '/v1/tokens', C.IssuedToken, { name, ...(expiresInDays ? { expiresInDays } : {}), ...(scopes ? { scopes } : {}) });
  }
  revokeToken(id: string) {
    return this.call('DELETE', `/v1/tokens/${encodeURIComponent(id)}`, z.null());
  }
  tenants(signal?: AbortSignal) {
    return this.call('GET', '/v1/tenants', list(C.Tenant), undefined, signal);
  }
  createTenant(body: z.input<typeof C.TenantCreate>) {
    return this.call('POST', '/v1/tenants', C.Tenant, body);
  }
  users(signal?: AbortSignal) {
    return this.call('GET', '/v1/users', list(C.User), undefined, signal);
  }
  createUser(body: z.input<typeof C.UserCreate>) {
    return this.call('POST', '/v1/users', C.User, body);
  }
  projects(signal?: AbortSignal) {
    return this.call('GET', '/v1/projects', list(C.Project), undefined, signal);
  }

  // jobs
  jobs(p: JobListParams, signal?: AbortSignal) {
    const q = new URLSearchParams();
    if (p.state && p.state.length > 0) q.set('state', p.state.join(','));
    if (p.tenant) q.set('tenant', p.tenant);
    if (p.project) q.set('project', p.project);
    if (p.user) q.set('user', p.user);
    q.set('limit', String(p.limit ?? 50));
    if (p.cursor) q.set('cursor', p.cursor);
    return this.call('GET', `/v1/jobs?${q}`, C.JobPage, undefined, signal);
  }
  job(id: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/jobs/${encodeURIComponent(id)}`, C.Job, undefined, signal);
  }
  submitJob(body: JobSubmitBody) {
    return this.call('POST', '/v1/jobs', C.Job, body);
  }
  cancelJob(id: string) {
    return this.call('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`, C.Job);
  }
  jobEvents(id: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, C.JobEventList, undefined, signal);
  }

  // programs, applications, allocations, rates, ledger, usage (issue 4)
  programs(signal?: AbortSignal) {
    return this.call('GET', '/v1/programs', list(A.Program), undefined, signal);
  }
  program(id: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/programs/${encodeURIComponent(id)}`, A.Program, undefined, signal);
  }
  createProgram(body: z.input<typeof A.ProgramCreate>) {
    return this.call('POST', '/v1/programs', A.Program, body);
  }
  addReviewer(program: string, user: string) {
    return this.call('POST', `/v1/programs/${encodeURIComponent(program)}/reviewers`, A.Program, { user });
  }
  applications(q: { program?: string; state?: ApplicationState } = {}, signal?: AbortSignal) {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]).toString();
    return this.call('GET', `/v1/applications${qs ? `?${qs}` : ''}`, list(A.Application), undefined, signal);
  }
  application(id: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/applications/${encodeURIComponent(id)}`, A.Application, undefined, signal);
  }
  apply(body: z.input<typeof A.ApplicationCreate>) {
    return this.call('POST', '/v1/applications', A.Application, body);
  }
  submitApplication(id: string) {
    return this.call('POST', `/v1/applications/${encodeURIComponent(id)}/submit`, A.Application);
  }
  withdrawApplication(id: string) {
    return this.call('POST', `/v1/applications/${encodeURIComponent(id)}/withdraw`, A.Application);
  }
  scoreApplication(id: string, body: z.input<typeof A.ReviewCreate>) {
    return this.call('POST', `/v1/applications/${encodeURIComponent(id)}/reviews`, A.Application, body);
  }
  approveApplication(id: string, body: z.input<typeof A.ApplicationApprove>) {
    return this.call('POST', `/v1/applications/${encodeURIComponent(id)}/approve`, z.object({ application: A.Application, allocation: A.Allocation }), body);
  }
  rejectApplication(id: string, reason: string) {
    return this.call('POST', `/v1/applications/${encodeURIComponent(id)}/reject`, A.Application, { reason });
  }
  // datasets (/v1/datasets; uploads go to /v1/uploads with tus-js-client)
  datasets(signal?: AbortSignal) {
    return this.call('GET', '/v1/datasets', list(C.Dataset), undefined, signal);
  }
  dataset(ref: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/datasets/${encodeURIComponent(ref)}`, C.DatasetDetail, undefined, signal);
  }
  createDataset(body: z.input<typeof C.DatasetCreate>) {
    return this.call('POST', '/v1/datasets', C.DatasetDetail, body);
  }
  shareDataset(ref: string, body: z.input<typeof C.DatasetShare>) {
    return this.call('POST', `/v1/datasets/${encodeURIComponent(ref)}/share`, C.DatasetDetail, body);
  }
  openVersion(ref: string, body: z.input<typeof C.VersionCreate> = {}) {
    return this.call('POST', `/v1/datasets/${encodeURIComponent(ref)}/versions`, C.DatasetVersion, body);
  }
  commitVersion(ref: string, n: number, message?: string) {
    return this.call('POST', `/v1/datasets/${encodeURIComponent(ref)}/versions/${n}/commit`, C.DatasetVersion, message ? { message } : {});
  }
  deleteVersion(ref: string, n: number) {
    return this.call('DELETE', `/v1/datasets/${encodeURIComponent(ref)}/versions/${n}`, C.DatasetVersion);
  }
  datasetFiles(ref: string, n: number, q: { prefix?: string; after?: string; limit?: number } = {}, signal?: AbortSignal) {
    const p = new URLSearchParams();
    if (q.prefix) p.set('prefix', q.prefix);
    if (q.after) p.set('after', q.after);
    if (q.limit) p.set('limit', String(q.limit));
    return this.call('GET', `/v1/datasets/${encodeURIComponent(ref)}/versions/${n}/files${p.size ? `?${p}` : ''}`, C.FileList, undefined, signal);
  }
  /** A file's bytes as a Blob (the portal's download; the CLI streams large files with resume). */
  async datasetFileBlob(ref: string, n: number, path: string): Promise<Blob> {
    const res = await fetch(`${this.base}${this.datasetFileUrl(ref, n, path)}`, { headers: this.headers() });
    if (!res.ok) throw await this.problem(res, path);
    return res.blob();
  }
  datasetFileUrl(ref: string, n: number, path: string): string {
    return `/v1/datasets/${encodeURIComponent(ref)}/versions/${n}/files/${path.split('/').map(encodeURIComponent).join('/')}`;
  }
  storage(signal?: AbortSignal) {
    return this.call('GET', '/v1/storage', C.StorageUsage, undefined, signal);
  }
  /** Headers a tus client sends with every request (the bearer token). */
  authHeaders(): Record<string, string> {
    return this.headers();
  }

  reservations(q: { current?: boolean } = {}, signal?: AbortSignal) {
    return this.call('GET', `/v1/reservations${q.current ? '?current=true' : ''}`, list(C.Reservation), undefined, signal);
  }
  createReservation(body: z.input<typeof C.ReservationCreate>) {
    return this.call('POST', '/v1/reservations', C.Reservation, body);
  }
  cancelReservation(id: string) {
    return this.call('POST', `/v1/reservations/${encodeURIComponent(id)}/cancel`, C.Reservation);
  }
  quotas(q: { tenant?: string } = {}, signal?: AbortSignal) {
    return this.call('GET', `/v1/quotas${q.tenant ? `?tenant=${encodeURIComponent(q.tenant)}` : ''}`, list(C.Quota), undefined, signal);
  }
  setQuota(body: z.input<typeof C.QuotaSet>) {
    return this.call('PUT', '/v1/quotas', C.Quota, body);
  }
  removeQuota(id: string) {
    return this.call('DELETE', `/v1/quotas/${encodeURIComponent(id)}`, z.null());
  }
  cohorts(signal?: AbortSignal) {
    return this.call('GET', '/v1/cohorts', list(C.Cohort), undefined, signal);
  }
  createCohort(body: z.input<typeof C.CohortCreate>) {
    return this.call('POST', '/v1/cohorts', C.Cohort, body);
  }
  allocations(q: { tenant?: string; program?: string } = {}, signal?: AbortSignal) {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]).toString();
    return this.call('GET', `/v1/allocations${qs ? `?${qs}` : ''}`, list(A.Allocation), undefined, signal);
  }
  createAllocation(body: z.input<typeof A.AllocationCreate>) {
    return this.call('POST', '/v1/allocations', A.Allocation, body);
  }
  allocation(id: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/allocations/${encodeURIComponent(id)}`, A.Allocation, undefined, signal);
  }
  suspendAllocation(id: string, reason: string) {
    return this.call('POST', `/v1/allocations/${encodeURIComponent(id)}/suspend`, A.Allocation, { reason });
  }
  resumeAllocation(id: string) {
    return this.call('POST', `/v1/allocations/${encodeURIComponent(id)}/resume`, A.Allocation);
  }
  rates(signal?: AbortSignal) {
    return this.call('GET', '/v1/rates', list(A.Rate), undefined, signal);
  }
  createRate(body: z.input<typeof A.RateCreate>) {
    return this.call('POST', '/v1/rates', A.Rate, body);
  }
  ledger(q: { job?: string; allocation?: string; limit?: number }, signal?: AbortSignal) {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    return this.call('GET', `/v1/ledger?${qs}`, list(A.LedgerTransaction), undefined, signal);
  }
  usage(q: { groupBy: string; from?: string; to?: string; tenant?: string }, signal?: AbortSignal) {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]).toString();
    return this.call('GET', `/v1/reports/usage?${qs}`, A.UsageReport, undefined, signal);
  }

  atRisk(signal?: AbortSignal) {
    return this.call('GET', '/v1/reports/at-risk', list(A.AtRiskItem), undefined, signal);
  }
  utilisation(from: string, to: string, signal?: AbortSignal) {
    return this.call('GET', `/v1/reports/utilisation?${new URLSearchParams({ from, to })}`, A.UtilisationReport, undefined, signal);
  }

  /** The audit log, newest first (operators only; 403 for anyone else). `before`: the previous page's nextBefore. */
  audit(q: { limit?: number; before?: number | null; subject?: string; action?: string; actor?: string } = {}, signal?: AbortSignal) {
    const qs = new URLSearchParams({ limit: String(q.limit ?? 100) });
    if (q.before != null) qs.set('before', String(q.before));
    if (q.subject) qs.set('subject', q.subject);
    if (q.action) qs.set('action', q.action);
    if (q.actor) qs.set('actor', q.actor);
    return this.call('GET', `/v1/audit?${qs}`, C.AuditPage, undefined, signal);
  }

  // inventory
  nodes(signal?: AbortSignal) {
    return this.call('GET', '/v1/nodes', list(C.Node), undefined, signal);
  }
  setNodeState(name: string, state: 'up' | 'draining' | 'down', reason?: string) {
    return this.call('PATCH', `/v1/nodes/${encodeURIComponent(name)}`, C.Node, { state, ...(reason ? { reason } : {}) });
  }
  capacity(signal?: AbortSignal) {
    return this.call('GET', '/v1/capacity', C.Capacity, undefined, signal);
  }
  testbedModels(signal?: AbortSignal) {
    return this.call('GET', '/v1/testbed/models', list(C.TestbedModel), undefined, signal);
  }
  testbedRuns(signal?: AbortSignal) {
    return this.call('GET', '/v1/testbed/runs', list(C.TestbedRun), undefined, signal);
  }
  testbedResults(signal?: AbortSignal) {
    return this.call('GET', '/v1/testbed/results', C.TestbedResults, undefined, signal);
  }
  testbedCompare(ids: readonly string[], signal?: AbortSignal) {
    return this.call('GET', `/v1/testbed/compare?runs=${encodeURIComponent(ids.join(','))}`, C.TestbedComparison, undefined, signal);
  }
  submitTestbedRun(body: z.output<typeof C.TestbedRunCreate>) {
    return this.call('POST', '/v1/testbed/runs', C.TestbedRun, body);
  }
  cancelTestbedRun(id: string) {
    return this.call('POST', `/v1/testbed/runs/${encodeURIComponent(id)}/cancel`, C.TestbedRun);
  }
  /** Every run as CSV (GET /v1/testbed/runs.csv), for a download link. */
  async testbedCsv(): Promise<Blob> {
    const res = await fetch(`${this.base}/v1/testbed/runs.csv`, { headers: this.headers({ accept: 'text/csv' }) });
    if (!res.ok) throw await this.problem(res, '/v1/testbed/runs.csv');
    return res.blob();
  }
  acceleratorTypes(signal?: AbortSignal) {
    return this.call('GET', '/v1/accelerator-types', list(C.AcceleratorType), undefined, signal);
  }
  health(signal?: AbortSignal) {
    return this.call('GET', '/healthz', C.Health, undefined, signal);
  }

  /**
   * Live job changes (GET /v1/stream) until `signal` aborts. Resolves when the server closes the stream,
   * rejects on network or HTTP errors; `onOpen` fires once the server has accepted the connection.
   */
  async streamJobs(onBatch: (changes: JobChange[]) => void, signal: AbortSignal, onOpen: () => void = () => {}): Promise<void> {
    const res = await fetch(this.base + '/v1/stream', { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!res.ok) throw await this.problem(res, '/v1/stream');
    onOpen();
    await readEventStream(res, (e) => {
      if (e.event !== 'jobs') return;
      const parsed = JobChangeBatch.safeParse(JSON.parse(e.data));
      if (!parsed.success) throw new ContractError('/v1/stream', parsed.error.issues);
      onBatch(parsed.data);
    }, signal);
  }

  /**
   * A job's output from `offset`, following it until the job ends (`event: log` / `event: end` from
   * GET /v1/jobs/:id/logs with Accept: text/event-stream). Returns the offset reached.
   */
  async followLogs(id: string, stream: 'stdout' | 'stderr', offset: number, onText: (text: string, offset: number) => void, signal: AbortSignal): Promise<number> {
    const q = new URLSearchParams({ stream, offset: String(offset), follow: 'true' });
    const path = `/v1/jobs/${encodeURIComponent(id)}/logs?${q}`;
    const res = await fetch(this.base + path, { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!res.ok) throw await this.problem(res, path);
    let reached = offset;
    await readEventStream(res, (e) => {
      const d = LogEvent.parse(JSON.parse(e.data));
      if (e.event === 'log' && d.text !== undefined) {
        onText(d.text, d.offset);
        reached = d.offset + new TextEncoder().encode(d.text).length;
      } else if (e.event === 'end') {
        reached = d.offset;
      }
    }, signal);
    return reached;
  }
}

const LogEvent = z.object({ offset: z.number().int(), text: z.string().optional() });
