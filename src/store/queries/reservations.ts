/** Reservations: whole nodes held for one tenant during a window. Cancelling keeps the row (history). */
import type { NodeName, TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { ReservationRecord } from '../records.ts';
import type { ReservationsTable } from '../schema.ts';
import { sql } from 'kysely';
import { parseJson, type QueryContext } from './context.ts';

const toRecord = (r: ReservationsTable): ReservationRecord => ({
  id: r.id, tenantId: r.tenant_id as TenantId, name: r.name, nodes: parseJson<NodeName[]>(r.nodes, 'reservations.nodes'),
  startsAt: Number(r.starts_at), endsAt: Number(r.ends_at), cancelledAt: r.cancelled_at === null ? null : Number(r.cancelled_at),
  createdBy: r.created_by as UserId | null, createdAt: Number(r.created_at),
});

export async function createReservation(ctx: QueryContext, r: ReservationRecord): Promise<ReservationRecord> {
  await guardWrite(() => ctx.db.insertInto('reservations').values({
    id: r.id, tenant_id: r.tenantId, name: r.name, nodes: JSON.stringify(r.nodes), starts_at: r.startsAt, ends_at: r.endsAt,
    cancelled_at: r.cancelledAt, created_by: r.createdBy, created_at: r.createdAt,
  }).execute());
  return r;
}

export async function getReservation(ctx: QueryContext, id: string): Promise<ReservationRecord | undefined> {
  const r = await ctx.db.selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Reservations by start; `endingAfter`: only those not yet over at that time (cancelled ones included). */
export async function listReservations(ctx: QueryContext, f: { tenantId?: TenantId; endingAfter?: number } = {}): Promise<ReservationRecord[]> {
  let q = ctx.db.selectFrom('reservations').selectAll();
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.endingAfter !== undefined) q = q.where('ends_at', '>', f.endingAfter);
  return (await q.orderBy('starts_at').orderBy('id').execute()).map(toRecord);
}

/** Marks a reservation cancelled at `at`; false when it does not exist or was cancelled already. */
export async function cancelReservation(ctx: QueryContext, id: string, at: number): Promise<boolean> {
  const r = await guardWrite(() => ctx.db.updateTable('reservations').set({ cancelled_at: at })
    .where('id', '=', id).where('cancelled_at', 'is', null).executeTakeFirst());
  return Number(r.numUpdatedRows) > 0;
}

/** A transaction-scoped lock on reservation changes (PostgreSQL advisory lock; SQLite serialises writers). */
export async function lockReservations(ctx: QueryContext): Promise<void> {
  if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('cheomdan.reservations'))`.execute(ctx.db);
}
