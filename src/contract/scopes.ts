/**
 * What an API token may do: its scopes. Every route of /v1 declares the one it needs here (a test fails for
 * a route without one), and a token is refused routes outside its scopes — on top of what its user may do
 * (a token never grants more than its user has).
 *
 * - `read`     every GET: jobs, logs, datasets' metadata and content, reports, the live stream
 * - `jobs`     submit and cancel jobs
 * - `data`     create, change, share, upload into and delete datasets
 * - `sessions` interactive sessions (reserved: none yet)
 * - `testbed`  start and cancel test-bed runs
 * - `admin`    organizations, users, projects, tokens, allocations and applications, quotas, rates,
 *              reservations, nodes, garbage collection — what changes who may do what or what is charged
 */
import { z } from 'zod';
import { SCOPES } from '../core/scopes.ts';

export { SCOPES };
export const Scope = z.enum(SCOPES).describe('read: every GET; jobs: submit and cancel; data: datasets and uploads; sessions: interactive sessions; testbed: test-bed runs; admin: organizations, users, tokens, allocations, quotas, rates, reservations, nodes');

/** Public routes: no token at all. */
export const PUBLIC_ROUTES: readonly string[] = [
  'POST /v1/auth/login', 'POST /v1/auth/reset',
  // tus discovery: what the server supports (versions, extensions, maximum size), asked before any upload
  'OPTIONS /v1/uploads',
];

/**
 * The scope of every non-GET route of /v1, by method and path pattern as Fastify names it (`:id`, `*`).
 * GET and HEAD routes need `read` unless listed here.
 */
export const ROUTE_SCOPES: Readonly<Record<string, z.infer<typeof Scope>>> = {
  'POST /v1/jobs': 'jobs',
  'POST /v1/jobs/:id/cancel': 'jobs',

  'POST /v1/datasets': 'data',
  'PATCH /v1/datasets/:ref': 'data',
  'DELETE /v1/datasets/:ref': 'data',
  'POST /v1/datasets/:ref/share': 'data',
  'POST /v1/datasets/:ref/purge': 'data',
  'POST /v1/datasets/:ref/import': 'data',
  'POST /v1/datasets/:ref/versions': 'data',
  'POST /v1/datasets/:ref/versions/:n/commit': 'data',
  'DELETE /v1/datasets/:ref/versions/:n': 'data',
  'DELETE /v1/datasets/:ref/versions/:n/files': 'data',
  'POST /v1/uploads': 'data',
  'HEAD /v1/uploads/:id': 'data',
  'PATCH /v1/uploads/:id': 'data',
  'DELETE /v1/uploads/:id': 'data',
  'POST /v1/datasets-gc': 'admin',

  'POST /v1/testbed/runs': 'testbed',
  'POST /v1/testbed/runs/:id/cancel': 'testbed',

  'POST /v1/tenants': 'admin',
  'POST /v1/users': 'admin',
  'POST /v1/users/:id/disable': 'admin',
  'POST /v1/users/:id/enable': 'admin',
  'POST /v1/users/:id/password-reset': 'admin',
  'POST /v1/me/password': 'admin',
  'POST /v1/projects': 'admin',
  'POST /v1/tokens': 'admin',
  'DELETE /v1/tokens/:id': 'admin',
  'PATCH /v1/nodes/:name': 'admin',
  'POST /v1/reservations': 'admin',
  'POST /v1/reservations/:id/cancel': 'admin',
  'POST /v1/cohorts': 'admin',
  'DELETE /v1/cohorts/:name': 'admin',
  'PUT /v1/quotas': 'admin',
  'DELETE /v1/quotas/:id': 'admin',
  'POST /v1/rates': 'admin',
  'POST /v1/programs': 'admin',
  'POST /v1/programs/:id/reviewers': 'admin',
  'POST /v1/applications': 'admin',
  'POST /v1/applications/:id/submit': 'admin',
  'POST /v1/applications/:id/withdraw': 'admin',
  'POST /v1/applications/:id/reviews': 'admin',
  'POST /v1/applications/:id/approve': 'admin',
  'POST /v1/applications/:id/reject': 'admin',
  'POST /v1/allocations': 'admin',
  'POST /v1/allocations/:id/adjust': 'admin',
  'POST /v1/allocations/:id/expire': 'admin',
  'POST /v1/allocations/:id/suspend': 'admin',
  'POST /v1/allocations/:id/resume': 'admin',
  'POST /v1/allocations/:id/tranche': 'admin',
  'POST /v1/allocations/:id/outputs': 'admin',
  'POST /v1/allocations/:id/reports': 'admin',
  'POST /v1/allocations/:id/reports/:reportId/review': 'admin',
};

/** The scope a route needs; undefined for a route that declares none (refused: fail closed). */
export function scopeOfRoute(method: string, url: string): z.infer<typeof Scope> | undefined {
  const key = `${method} ${url}`;
  if (ROUTE_SCOPES[key]) return ROUTE_SCOPES[key];
  return method === 'GET' || method === 'HEAD' ? 'read' : undefined;
}
