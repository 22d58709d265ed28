/**
 * HTTP hardening, in one place: security headers (@fastify/helmet) with a Content-Security-Policy that
 * allows no inline script (the portal's theme script is a file, web/public/theme.js), `frame-ancestors
 * 'none'`, `nosniff`, a referrer policy, and HSTS only when the server speaks TLS (a browser that saw HSTS on
 * plain http://127.0.0.1 would refuse the port afterwards); and every error that happens before a route runs —
 * a malformed URL (Fastify's router), a URL or headers too large and a malformed request line (Node's HTTP
 * parser) — answered as RFC 9457 problem details like every other error.
 */
import type { Socket } from 'node:net';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { CheomdanError, type ErrorCode } from '../core/errors.ts';
import { problemOf } from './problems.ts';

export interface HardeningOptions {
  /** The server speaks TLS: send Strict-Transport-Security. */
  tls?: boolean | undefined;
}

/** Content-Security-Policy of every response Cheomdan serves itself (the portal, /docs, the API). */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // Inline style attributes only (uPlot and Swagger UI set them); never inline script.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

export async function harden(app: FastifyInstance, opts: HardeningOptions = {}): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    hsts: opts.tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
}

/** For Fastify's `clientErrorHandler`: the parser's errors as problem details, then the connection closed. */
export function clientErrorProblem(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return;
  const [status, code, detail]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'the request line and headers are larger than the server accepts (16 KiB); send a shorter URL or fewer, smaller headers']
    : err.code === 'HPE_URI_TOO_LONG' || (err as { status?: number }).status === 414 ? [414, 'uri_too_long', 'the URL is longer than the server accepts; send filters in fewer or shorter query parameters']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'the request did not arrive in time; send it again']
    : [400, 'validation_failed', `the request is not valid HTTP (${err.code ?? err.message}); check the client`];
  const body = JSON.stringify(problemOf(new CheomdanError(code, detail)));
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };
