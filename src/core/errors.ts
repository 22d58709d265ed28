/**
 * The error catalogue. Every error the outside world can see has a stable code, an HTTP status and a
 * message that says what was wrong and how to fix it. The API turns a `CheomdanError` into an RFC 9457
 * problem document (`type` = https://cheomdan.dev/problems/<code>); the CLI prints `title: detail`.
 *
 * "Doesn't fit now" is not an error: it is a pending reason (scheduler/types.ts).
 */

export interface ErrorSpec {
  status: number;
  title: string;
}

export const ERROR_CATALOG = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  bad_script: { status: 400, title: 'The job script has a directive that cannot be honoured' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflicts with the current state' },
  invalid_transition: { status: 409, title: 'The job cannot make that transition' },
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  uri_too_long: { status: 414, title: 'The URL is too long' },
  unsupported_media_type: { status: 415, title: 'The request body has a content type this route does not take' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  rate_limited: { status: 429, title: 'Too many attempts; wait before trying again' },
  account_locked: { status: 429, title: 'Too many failed logins; temporarily locked' },
  job_limit: { status: 429, title: 'Too many jobs waiting; the cap on queued jobs is reached' },
  unschedulable: { status: 422, title: 'The job can never run on this cluster' },
  unknown_accelerator_type: { status: 422, title: 'Unknown accelerator type' },
  insufficient_balance: { status: 402, title: 'The allocation cannot cover the job' },
  invalid_config: { status: 500, title: 'The configuration is not valid' },
  schema_too_new: { status: 500, title: 'The database was written by a newer Cheomdan' },
  executor_failed: { status: 502, title: 'The executor failed' },
  sut_unavailable: { status: 502, title: 'The system under test cannot be benchmarked' },
  storage_quota_exceeded: { status: 413, title: 'The organization\'s storage quota would be exceeded' },
  checksum_mismatch: { status: 460, title: 'The data does not match its checksum' },
  offset_mismatch: { status: 409, title: 'The upload offset does not match' },
  data_corrupted: { status: 500, title: 'Stored data failed its checksum' },
  range_not_satisfiable: { status: 416, title: 'The requested range is outside the file' },
  gone: { status: 410, title: 'Gone' },
  precondition_failed: { status: 412, title: 'A precondition of the request failed' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** One problem with one field of the input: where (`a.b[2]`), what, and (where it helps) how to fix it. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class CheomdanError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly errors: readonly FieldProblem[];
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { errors?: readonly FieldProblem[]; cause?: unknown; extra?: Record<string, unknown> } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CheomdanError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.title = ERROR_CATALOG[code].title;
    this.errors = opts.errors ?? [];
    this.extra = opts.extra ?? {};
  }
}

export const isCheomdanError = (e: unknown): e is CheomdanError => e instanceof CheomdanError;

/** Keeps the original error as `cause` at a catch boundary (graphile-worker's coerceError). */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
