/** The audit log: who did what to which resource, newest first (operators only). */
import { z } from 'zod';
import { Timestamp } from './common.ts';

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor: z.string().nullable().describe('User id; null for the system'),
    action: z.string().describe('e.g. tenant.create, node.state, allocation.adjust'),
    subject: z.string().describe('The id of what was acted on'),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional().describe('Entries older than this id (the last id of the previous page)'),
  subject: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  actor: z.string().max(100).optional(),
});

export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextBefore: z.number().int().nullable().describe('Pass as `before` for the next page; null on the last page'),
});

export const AuditVerification = z.object({
  records: z.number().int().describe('Records checked before the first break (all of them when the chain holds)'),
  ok: z.boolean(),
  broken: z.object({ id: z.number().int(), reason: z.string() }).nullable().describe('The first record whose hash or link does not hold'),
});
