/** The audit log: who did what to which subject, append-only, read newest first. */
import type { UserId } from '../../core/ids.ts';
import { CheomdanError } from '../../core/errors.ts';
import { sql } from 'kysely';
import { AUDIT_GENESIS, auditHash, verifyChain, type ChainBreak } from '../../core/auditChain.ts';
import { guardWrite } from '../dbErrors.ts';
import type { AuditFilter, AuditRecord, NewAudit } from '../records.ts';
import { parseJson, type QueryContext } from './context.ts';

export async function appendAudit(ctx: QueryContext, a: NewAudit): Promise<AuditRecord> {
  // The previous record's hash is read and the new record written in one transaction, alone (PostgreSQL:
  // an advisory lock; SQLite: its one writer), so the chain never forks.
  if (!ctx.db.isTransaction) return ctx.db.transaction().execute((trx) => appendAudit({ ...ctx, db: trx }, a));
  if (ctx.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(ctx.db);
  const last = await ctx.db.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prev = last?.hash ?? AUDIT_GENESIS;
  const fields = { at: a.at ?? ctx.clock(), actorUserId: a.actorUserId ?? null, action: a.action, subject: a.subject, detail: JSON.stringify(a.detail ?? {}) };
  const row = {
    at: fields.at, actor_user_id: fields.actorUserId, action: fields.action, subject: fields.subject, detail: fields.detail,
    prev_hash: prev, hash: auditHash(prev, fields),
  };
  const { id } = await guardWrite(() =>
    ctx.db.insertInto('audit_log').values(row).returning('id').executeTakeFirstOrThrow(),
  );
  return { id: Number(id), at: row.at, actorUserId: row.actor_user_id as UserId | null, action: a.action, subject: a.subject, detail: a.detail ?? {} };
}

/** Walks the whole log in id order, checking its hash chain; names the first record that breaks it. */
export async function verifyAudit(ctx: QueryContext): Promise<{ records: number; broken: ChainBreak | null }> {
  let prev = AUDIT_GENESIS;
  let after = 0;
  let records = 0;
  for (;;) {
    const rows = await ctx.db.selectFrom('audit_log').selectAll().where('id', '>', after).orderBy('id').limit(5000).execute();
    const r = verifyChain(rows.map((x) => ({
      id: Number(x.id), at: Number(x.at), actorUserId: x.actor_user_id, action: x.action, subject: x.subject, detail: x.detail,
      prevHash: x.prev_hash, hash: x.hash,
    })), prev);
    if (!r.ok) return { records: records + rows.findIndex((x) => Number(x.id) === r.broken.id), broken: r.broken };
    records += rows.length;
    prev = r.last;
    if (rows.length < 5000) return { records, broken: null };
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** The advisory lock key that serialises appends on PostgreSQL. */
const AUDIT_LOCK = 0x43_48_44_41; // "CHDA"

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
