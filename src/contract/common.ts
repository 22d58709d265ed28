/**
 * Shared pieces of the API contract: problem details, pagination, timestamps.
 * The contract is the only set of types the outside world sees; the server validates with these schemas,
 * the CLI and the portal parse responses with the same ones, and OpenAPI is generated from them.
 */
import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../core/errors.ts';

export const errorCodes = Object.keys(ERROR_CATALOG) as [ErrorCode, ...ErrorCode[]];

/** RFC 9457 problem details, with a stable `code` and per-field `errors`. */
export const Problem = z
  .object({
    type: z.string().describe('https://cheomdan.dev/problems/<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What was wrong and how to fix it.'),
    code: z.enum(errorCodes),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per invalid field: where, and what is wrong.'),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** ISO-8601 timestamp in UTC. */
export const Timestamp = z.string().describe('ISO-8601 time in UTC');

export const Slug = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/, 'use lowercase letters, digits and dashes (e.g. "acme-ai")');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Items per page (1–500).'),
  cursor: z.string().optional().describe('The `nextCursor` of the previous page.'),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page.'),
  });

export const IdParams = z.object({ id: z.string().min(1).max(100) });

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  store: z.enum(['sqlite', 'postgres']),
  executor: z.string(),
  uptimeSeconds: z.number(),
  /**
   * How jobs are isolated (services/serverFiles.ts): `per-user` (server is root: jobs run as their owners'
   * Unix accounts) or `single-user` (every job runs as the server's account; one organization only), with
   * a sentence for the portal to show. Absent on servers that do not report it.
   */
  isolation: z.object({ mode: z.enum(['per-user', 'single-user']), description: z.string() }).optional(),
});
