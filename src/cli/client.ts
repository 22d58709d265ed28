/**
 * A typed HTTP client for the Cheomdan API, over the global `fetch`.
 *
 * Every response is parsed with the contract's zod schemas (src/contract), the same ones the server validated
 * it with, so a CLI and a server that drifted apart fail loudly (`ProtocolError`) instead of printing garbage.
 * Failures come in three kinds, which the CLI maps to exit codes:
 * - `ApiError`: the server answered with a problem document (RFC 9457): code, title, detail, field errors.
 * - `ConnectionError`: the server could not be reached (refused, unknown host, reset, timed out).
 * - `ProtocolError`: the server answered something that is not what the contract promises.
 */
import { z } from 'zod';
import {
  AuditVerification,
  PasswordResetIssued,
  TokenCreate,
  AcceleratorType,
  ApiToken,
  Capacity,
  IssuedToken,
  Job,
  JobEventList,
  JobPage,
  Node,
  Problem,
  Project,
  Tenant,
  User,
  Whoami,
  type JobSubmit,
  type ProjectCreate,
  type TenantCreate,
  type UserCreate,
} from '../contract/index.ts';
import type { ErrorCode } from '../core/errors.ts';

/** The server refused the request; carries the problem document. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | string;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly { path: string; message: string }[];
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: { code: string; title: string; detail: string; errors?: { path: string; message: string }[] } & Record<string, unknown>) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }
}

/** The server could not be reached at all. */
export class ConnectionError extends Error {
  readonly url: string;
  constructor(message: string, url: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ConnectionError';
    this.url = url;
  }
}

/** The server answered, but not in the shape the contract promises (version mismatch, proxy page, …). */
export class ProtocolError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ProtocolError';
  }
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:7080 (no trailing /v1). */
  baseUrl: string;
  token?: string | undefined;
  /** Per-request time limit for ordinary requests (not log following). Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface JobListParams {
  state?: string[] | undefined;
  project?: string | undefined;
  user?: string | undefined;
  tenant?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface LogParams {
  stream?: 'stdout' | 'stderr';
  offset?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });

const STALL_CODES = new Set(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function causeCode(e: unknown): string | undefined {
  const x = e as { code?: string; cause?: { code?: string; errors?: { code?: string }[] } } | undefined;
  return x?.cause?.code ?? x?.cause?.errors?.[0]?.code ?? x?.code;
}

/** An open connection that went quiet or was cut: worth resuming from the last byte. */
const isStall = (e: unknown) => STALL_CODES.has(causeCode(e) ?? '');

function describeCause(e: unknown): string {
  const code = causeCode(e);
  return `${(e as Error)?.message ?? String(e)}${code ? ` [${code}]` : ''}`;
}

/** A short message for a failed `fetch`, naming the URL and what to do. */
export function describeConnectionFailure(baseUrl: string, e: unknown): string {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  const code = causeCode(e);
  const name = (e as { name?: string } | undefined)?.name;
  if ((cause as { message?: string } | undefined)?.message === 'bad port') {
    return `cannot connect to ${baseUrl}: its port is one that HTTP clients refuse to use (the fetch standard's "bad ports"); run the server on another port, e.g. 7080`;
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return `Cheomdan at ${baseUrl} accepted the connection but sent no answer for 5 minutes`;
  if (name === 'TimeoutError') return `Cheomdan at ${baseUrl} did not answer in time — is the server overloaded or the address wrong?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach Cheomdan at ${baseUrl} — the host name does not resolve; check --url or CHEOMDAN_URL`;
  return `cannot reach Cheomdan at ${baseUrl} — is the server running? start it with \`npm start\` (or \`cheomdan serve\`)${code ? ` [${code}]` : ''}`;
}

export class CheomdanClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  // Identity.
  login(email: string, password: string) {
    return this.request('POST', '/v1/auth/login', IssuedToken, { email, password });
  }
  me() {
    return this.request('GET', '/v1/me', Whoami);
  }
  verifyAudit() {
    return this.request('GET', '/v1/audit/verify', AuditVerification);
  }
  setUserDisabled(user: string, disabled: boolean) {
    return this.request('POST', `/v1/users/${encodeURIComponent(user)}/${disabled ? 'disable' : 'enable'}`, User, {});
  }
  issuePasswordReset(user: string) {
    return this.request('POST', `/v1/users/${encodeURIComponent(user)}/password-reset`, PasswordResetIssued, {});
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.request('POST', '/v1/me/password', null, { currentPassword, newPassword });
  }
  resetPassword(code: string, password: string) {
    return this.request('POST', '/v1/auth/reset', null, { code, password });
  }
  createToken(body: z.input<typeof TokenCreate>) {
    return this.request('POST', '/v1/tokens', IssuedToken, body);
  }
  listTokens() {
    return this.request('GET', '/v1/tokens', items(ApiToken));
  }
  revokeToken(id: string) {
    return this.request('DELETE', `/v1/tokens/${encodeURIComponent(id)}`, null);
  }
  createTenant(body: TenantCreate) {
    return this.request('POST', '/v1/tenants', Tenant, body);
  }
  listTenants() {
    return this.request('GET', '/v1/tenants', items(Tenant));
  }
  createUser(body: UserCreate) {
    return this.request('POST', '/v1/users', User, body);
  }
  listUsers() {
    return this.request('GET', '/v1/users', items(User));
  }
  createProject(body: ProjectCreate) {
    return this.request('POST', '/v1/projects', Project, body);
  }
  listProjects() {
    return this.request('GET', '/v1/projects', items(Project));
  }

  // Jobs.
  submitJob(body: JobSubmit) {
    return this.request('POST', '/v1/jobs', Job, body);
  }
  listJobs(p: JobListParams = {}) {
    const q = new URLSearchParams();
    if (p.state?.length) q.set('state', p.state.join(','));
    if (p.project) q.set('project', p.project);
    if (p.user) q.set('user', p.user);
    if (p.tenant) q.set('tenant', p.tenant);
    if (p.limit !== undefined) q.set('limit', String(p.limit));
    if (p.cursor) q.set('cursor', p.cursor);
    const qs = q.toString();
    return this.request('GET', `/v1/jobs${qs ? `?${qs}` : ''}`, JobPage);
  }
  getJob(id: string) {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`, Job);
  }
  cancelJob(id: string) {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`, Job);
  }
  jobEvents(id: string) {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, JobEventList);
  }

  /**
   * A job's log as a stream of byte chunks (text/plain). With `follow`, the server keeps the response open
   * while the job runs and ends it when the job has ended and everything was sent. A followed stream that
   * stalls or breaks (undici gives up after 300 s without bytes; a proxy may cut idle connections) is
   * resumed from the last byte received, so a quiet job can be followed for as long as it runs.
   */
  async *logs(id: string, p: LogParams = {}): AsyncGenerator<Uint8Array> {
    let offset = p.offset ?? 0;
    for (;;) {
      const q = new URLSearchParams({ stream: p.stream ?? 'stdout' });
      if (offset) q.set('offset', String(offset));
      if (p.follow) q.set('follow', 'true');
      let res: Response;
      try {
        res = await this.send('GET', `/v1/jobs/${encodeURIComponent(id)}/logs?${q}`, undefined, {
          accept: 'text/plain',
          ...(p.signal ? { signal: p.signal } : {}),
          noTimeout: Boolean(p.follow),
        });
      } catch (e) {
        if (p.follow && e instanceof ConnectionError && isStall(e.cause)) continue;
        throw e;
      }
      if (!res.body) return;
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value) {
            offset += value.length;
            yield value;
          }
        }
      } catch (e) {
        if (p.signal?.aborted) throw e;
        if (!(p.follow && isStall(e))) throw new ConnectionError(`the log stream from ${this.baseUrl} broke: ${describeCause(e)}`, this.baseUrl, e);
      } finally {
        reader.releaseLock();
      }
    }
  }

  // Inventory.
  nodes() {
    return this.request('GET', '/v1/nodes', z.object({ items: z.array(Node) }));
  }
  setNodeState(name: string, body: { state: 'up' | 'draining' | 'down'; reason?: string }) {
    return this.request('PATCH', `/v1/nodes/${encodeURIComponent(name)}`, Node, body);
  }
  acceleratorTypes() {
    return this.request('GET', '/v1/accelerator-types', z.object({ items: z.array(AcceleratorType) }));
  }
  capacity() {
    return this.request('GET', '/v1/capacity', Capacity);
  }

  /** GETs a text resource (CSV, plain text) and returns its body as it came. */
  async text(path: string, accept = 'text/plain'): Promise<string> {
    return (await this.send('GET', path, undefined, { accept })).text();
  }

  /**
   * Sends a request with its own headers and body (a stream: a file's bytes) and returns the 2xx response
   * as it is (uploads and downloads); throws `ApiError` / `ConnectionError` otherwise. No timeout unless given.
   */
  async raw(method: string, path: string, init: { headers?: Record<string, string>; body?: RequestInit['body']; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method, headers, ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}), ...(init.signal ? { signal: init.signal } : {}),
      } as RequestInit);
    } catch (e) {
      if (init.signal?.aborted) throw e;
      throw new ConnectionError(describeConnectionFailure(this.baseUrl, e), this.baseUrl, e);
    }
    if (res.ok) return res;
    throw await toApiError(res, method, path);
  }

  /** Sends a request and parses the JSON answer with `schema` (`null`: no body expected). */
  async request<S extends z.ZodType | null>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<S extends z.ZodType ? z.infer<S> : void> {
    const res = await this.send(method, path, body, { accept: 'application/json' });
    if (schema === null) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined as never;
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ProtocolError(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, e);
    }
    const parsed = (schema as z.ZodType).safeParse(json);
    if (!parsed.success) {
      throw new ProtocolError(
        `${method} ${path}: the server's answer does not match the API contract (are the CLI and the server the same version?): ${z.prettifyError(parsed.error)}`,
        parsed.error,
      );
    }
    return parsed.data as never;
  }

  /** Sends a request; returns the response when it is 2xx, throws `ApiError` / `ConnectionError` otherwise. */
  private async send(
    method: string,
    path: string,
    body: unknown,
    opts: { accept: string; signal?: AbortSignal; noTimeout?: boolean },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: `${opts.accept}, application/problem+json` };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signals = [opts.signal, opts.noTimeout ? undefined : AbortSignal.timeout(this.timeoutMs)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new ConnectionError(describeConnectionFailure(this.baseUrl, e), this.baseUrl, e);
    }
    if (res.ok) return res;
    throw await toApiError(res, method, path);
  }
}

/** Reads a failed response as a problem document; a non-problem body still becomes a readable ApiError. */
async function toApiError(res: Response, method: string, path: string): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const p = Problem.safeParse(json);
  if (p.success) return new ApiError(res.status, p.data);
  const loose = json as { message?: unknown; error?: unknown } | undefined;
  const detail =
    typeof loose?.message === 'string' ? loose.message : text.trim().slice(0, 300) || `${method} ${path} failed`;
  return new ApiError(res.status, {
    code: statusCode(res.status),
    title: typeof loose?.error === 'string' ? loose.error : `HTTP ${res.status} ${res.statusText}`.trim(),
    detail,
  });
}

function statusCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'validation_failed';
  return 'internal';
}
