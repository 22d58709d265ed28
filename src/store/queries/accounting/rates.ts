/** Rates: append-only; a change is a new row with a later effective_from (history is never rewritten). */
import type { QueryContext } from '../context.ts';
import { guardWrite } from '../../dbErrors.ts';
import { adb, type NewRate, type RateRecord } from './records.ts';

export async function createRate(ctx: QueryContext, r: NewRate): Promise<RateRecord> {
  const row = {
    resource: r.resource, accelerator_type: r.acceleratorType, value: r.value, effective_from: r.effectiveFrom,
    note: r.note, created_by: r.createdBy, created_at: r.createdAt ?? ctx.clock(),
  };
  const { id } = await guardWrite(() => adb(ctx).insertInto('rates').values(row).returning('id').executeTakeFirstOrThrow());
  return { id: Number(id), ...r, createdAt: row.created_at };
}

export async function listRates(ctx: QueryContext): Promise<RateRecord[]> {
  const rows = await adb(ctx).selectFrom('rates').selectAll().orderBy('effective_from').orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id), resource: r.resource as RateRecord['resource'], acceleratorType: r.accelerator_type, value: Number(r.value),
    effectiveFrom: Number(r.effective_from), note: r.note, createdBy: r.created_by, createdAt: Number(r.created_at),
  }));
}
