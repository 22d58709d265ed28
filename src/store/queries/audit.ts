/** The audit log: who did what to which subject, append-only, read newest first. */
import type { UserId } from '../../core/ids.ts';
import { CheomdanError } from '../../core/errors.ts';
import { guardWrite } from '../dbErrors.ts';
import type { AuditFilter, AuditRecord, NewAudit } from '../records.ts';
import { parseJson, type QueryContext } from './context.ts';

export async function appendAudit(ctx: QueryContext, a: NewAudit): Promise<AuditRecord> {
  const row = {
    at: a.at ?? ctx.clock(),
    actor_user_id: a.actorUserId ?? null,
    action: a.action,
    subject: a.subject,
    detail: JSON.stringify(a.detail ?? {}),
  };
  const { id } = await guardWrite(() =>
    ctx.db.insertInto('audit_log').values(row).returning('id').executeTakeFirstOrThrow(),
  );
  return { id: Number(id), at: row.at, actorUserId: row.actor_user_id as UserId | null, action: a.action, subject: a.subject, detail: a.detail ?? {} };
}

export async function listAudit(ctx: QueryContext, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new CheomdanError('validation_failed', `limit must be an integer from 1 to 1000, got ${limit}`, {
      errors: [{ path: 'limit', message: 'must be 1..1000' }],
    });
  }
  let q = ctx.db.selectFrom('audit_log').selectAll();
  if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
  if (filter.actorUserId !== undefined) q = q.where('actor_user_id', '=', filter.actorUserId);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    actorUserId: r.actor_user_id as UserId | null,
    action: r.action,
    subject: r.subject,
    detail: parseJson<Record<string, unknown>>(r.detail, 'audit_log.detail'),
  }));
}
