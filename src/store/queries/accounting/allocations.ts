/** Allocations: grants of service units to a tenant (optionally one project), with their terms. */
import type { Selectable } from 'kysely';
import { guardWrite } from '../../dbErrors.ts';
import { parseJson, type QueryContext } from '../context.ts';
import { adb, type AllocationRecord, type AllocationState, type AllocationsTable } from './records.ts';

const toRecord = (r: Selectable<AllocationsTable>): AllocationRecord => ({
  id: r.id, tenantId: r.tenant_id, projectId: r.project_id, programId: r.program_id, applicationId: r.application_id,
  name: r.name, awardedMsu: Number(r.awarded_msu), acceleratorTypes: parseJson(r.accelerator_types, 'allocations.accelerator_types'),
  concurrentLimit: Number(r.concurrent_limit), startsAt: Number(r.starts_at), endsAt: Number(r.ends_at),
  tranches: parseJson(r.tranches, 'allocations.tranches'), reportSchedule: parseJson(r.report_schedule, 'allocations.report_schedule'),
  discountPct: Number(r.discount_pct), fairShareWeight: Number(r.fair_share_weight), storageGb: Number(r.storage_gb), state: r.state as AllocationState,
  stateReason: r.state_reason, createdBy: r.created_by, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

const toRow = (a: AllocationRecord): Selectable<AllocationsTable> => ({
  id: a.id, tenant_id: a.tenantId, project_id: a.projectId, program_id: a.programId, application_id: a.applicationId,
  name: a.name, awarded_msu: a.awardedMsu, accelerator_types: JSON.stringify(a.acceleratorTypes), concurrent_limit: a.concurrentLimit,
  starts_at: a.startsAt, ends_at: a.endsAt, tranches: JSON.stringify(a.tranches), report_schedule: JSON.stringify(a.reportSchedule),
  discount_pct: a.discountPct, fair_share_weight: a.fairShareWeight, storage_gb: a.storageGb, state: a.state, state_reason: a.stateReason,
  created_by: a.createdBy, created_at: a.createdAt, updated_at: a.updatedAt,
});

export async function createAllocation(ctx: QueryContext, a: AllocationRecord): Promise<AllocationRecord> {
  await guardWrite(() => adb(ctx).insertInto('allocations').values(toRow(a)).execute());
  return a;
}

export async function getAllocation(ctx: QueryContext, id: string): Promise<AllocationRecord | undefined> {
  const r = await adb(ctx).selectFrom('allocations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

/**
 * Reads an allocation and, on PostgreSQL, locks its row until the transaction ends, so two holds against
 * one allocation are serialised (SQLite serialises every write transaction already).
 */
export async function lockAllocation(ctx: QueryContext, id: string): Promise<AllocationRecord | undefined> {
  let q = adb(ctx).selectFrom('allocations').selectAll().where('id', '=', id);
  if (ctx.dialect === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r && toRecord(r);
}

export async function listAllocations(ctx: QueryContext, f: { tenantId?: string; programId?: string } = {}): Promise<AllocationRecord[]> {
  let q = adb(ctx).selectFrom('allocations').selectAll();
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.programId !== undefined) q = q.where('program_id', '=', f.programId);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toRecord);
}

/** Writes an allocation's mutable fields (state, tranches, terms); false when it does not exist. */
export async function updateAllocation(ctx: QueryContext, a: AllocationRecord): Promise<boolean> {
  const { id: _i, tenant_id: _t, created_at: _c, created_by: _b, program_id: _p, application_id: _a, ...rest } = toRow(a);
  const r = await adb(ctx).updateTable('allocations').set(rest).where('id', '=', a.id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
