/** The audit log, for operators: who did what to which resource (tenants, users, nodes, allocations, …). */
import { asUserId } from '../core/ids.ts';
import type { AuditRecord } from '../store/records.ts';
import { requireOperator, type Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';

export interface AuditQuery {
  limit: number;
  before?: number | undefined;
  subject?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
}

export class AuditService {
  constructor(private readonly ctx: ServiceContext) {}

  async list(actor: Actor, q: AuditQuery): Promise<{ items: AuditRecord[]; nextBefore: number | null }> {
    requireOperator(actor, 'read the audit log');
    const items = await this.ctx.store.audit.list({
      limit: q.limit,
      ...(q.before !== undefined ? { beforeId: q.before } : {}),
      ...(q.subject ? { subject: q.subject } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.actor ? { actorUserId: asUserId(q.actor) } : {}),
    });
    return { items, nextBefore: items.length === q.limit ? items[items.length - 1]!.id : null };
  }

  /** Checks the log's hash chain end to end (operators); recorded in the log itself. */
  async verify(actor: Actor): Promise<{ records: number; ok: boolean; broken: { id: number; reason: string } | null }> {
    requireOperator(actor, 'verify the audit log');
    const r = await this.ctx.store.audit.verify();
    await this.ctx.store.audit.append({ at: this.ctx.clock(), actorUserId: actor.user.id, action: 'audit.verify', subject: 'audit_log', detail: { records: r.records, ok: r.broken === null, brokenAt: r.broken?.id ?? null } });
    return { ...r, ok: r.broken === null };
  }
}
