/**
 * Errors as RFC 9457 problem details. Every error leaving the API goes through `toProblem`: a
 * CheomdanError keeps its catalogue code and message; a request that fails the zod contract becomes
 * `validation_failed` with one entry per field (where, what); anything else is `internal` (logged, with
 * the original kept as cause) and says nothing about internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CheomdanError, ERROR_CATALOG, isCheomdanError, type ErrorCode, type FieldProblem } from '../core/errors.ts';
import type { Problem } from '../contract/common.ts';

export const PROBLEM_BASE = 'https://cheomdan.dev/problems/';

export function problemOf(e: CheomdanError, instance?: string): Problem {
  return {
    type: PROBLEM_BASE + e.code,
    title: e.title,
    status: e.status,
    detail: e.message,
    code: e.code,
    ...(instance ? { instance } : {}),
    ...(e.errors.length > 0 ? { errors: [...e.errors] } : {}),
    ...e.extra,
  };
}

function fromValidation(err: FastifyError & { validation: { instancePath: string; message?: string }[] }): CheomdanError {
  const where = (err as { validationContext?: string }).validationContext ?? 'body';
  const errors: FieldProblem[] = err.validation.map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return { path: path === '' ? where : `${where}.${path}`, message: v.message ?? 'invalid' };
  });
  const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return new CheomdanError('validation_failed', `the ${where === 'querystring' ? 'query string' : where} is not valid — ${summary}`, { errors });
}

const CLIENT_ERROR_CODES: Partial<Record<number, ErrorCode>> = {
  401: 'unauthenticated', 404: 'not_found', 408: 'request_timeout', 413: 'payload_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type', 431: 'headers_too_large',
};

export function toCheomdanError(err: unknown): CheomdanError {
  if (isCheomdanError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) return fromValidation(err);
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    // Fastify's own client errors: malformed JSON or URL, body too large, wrong content type, unknown route.
    const code = CLIENT_ERROR_CODES[fe.statusCode] ?? 'validation_failed';
    const detail = fe.statusCode === 413 ? `${fe.message}; this route takes bodies up to its limit (2 MiB for JSON): send less, or upload files through their own endpoint` : fe.message;
    return new CheomdanError(code, detail, { cause: err });
  }
  return new CheomdanError('internal', 'the server failed; the error has been logged', { cause: err });
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toCheomdanError(err);
  if (e.code === 'internal') req.log.error({ err: e.cause ?? err }, 'internal error');
  const retry = e.extra.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(retry));
  return reply
    .code(e.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemOf(e, req.url)));
}

/** For the OpenAPI document: the problem responses every route may give. */
export const problemStatuses = [...new Set(Object.values(ERROR_CATALOG).map((s) => s.status))];
