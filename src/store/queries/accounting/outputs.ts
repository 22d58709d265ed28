/** Outputs (papers, models, DOIs) and progress/final reports filed against allocations. */
import type { QueryContext } from '../context.ts';
import { guardWrite } from '../../dbErrors.ts';
import { adb, type AllocationReportRecord, type OutputRecord } from './records.ts';

export async function createOutput(ctx: QueryContext, o: OutputRecord): Promise<OutputRecord> {
  await guardWrite(() => adb(ctx).insertInto('outputs').values({
    id: o.id, allocation_id: o.allocationId, tenant_id: o.tenantId, kind: o.kind, title: o.title, reference: o.reference,
    reported_by: o.reportedBy, reported_at: o.reportedAt,
  }).execute());
  return o;
}

export async function listOutputs(ctx: QueryContext, f: { allocationIds?: readonly string[]; tenantId?: string } = {}): Promise<OutputRecord[]> {
  let q = adb(ctx).selectFrom('outputs').selectAll();
  if (f.allocationIds !== undefined) {
    if (f.allocationIds.length === 0) return [];
    q = q.where('allocation_id', 'in', f.allocationIds);
  }
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  const rows = await q.orderBy('reported_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id, allocationId: r.allocation_id, tenantId: r.tenant_id, kind: r.kind as OutputRecord['kind'], title: r.title,
    reference: r.reference, reportedBy: r.reported_by, reportedAt: Number(r.reported_at),
  }));
}

const toReport = (r: { id: string; allocation_id: string; tenant_id: string; kind: string; text: string; state: string; submitted_by: string; submitted_at: number; reviewed_by: string | null; reviewed_at: number | null; review_note: string | null }): AllocationReportRecord => ({
  id: r.id, allocationId: r.allocation_id, tenantId: r.tenant_id, kind: r.kind as AllocationReportRecord['kind'], text: r.text,
  state: r.state as AllocationReportRecord['state'], submittedBy: r.submitted_by, submittedAt: Number(r.submitted_at),
  reviewedBy: r.reviewed_by, reviewedAt: r.reviewed_at === null ? null : Number(r.reviewed_at), reviewNote: r.review_note,
});

export async function createReport(ctx: QueryContext, r: AllocationReportRecord): Promise<AllocationReportRecord> {
  await guardWrite(() => adb(ctx).insertInto('allocation_reports').values({
    id: r.id, allocation_id: r.allocationId, tenant_id: r.tenantId, kind: r.kind, text: r.text, state: r.state,
    submitted_by: r.submittedBy, submitted_at: r.submittedAt, reviewed_by: r.reviewedBy, reviewed_at: r.reviewedAt, review_note: r.reviewNote,
  }).execute());
  return r;
}

export async function getReport(ctx: QueryContext, id: string): Promise<AllocationReportRecord | undefined> {
  const r = await adb(ctx).selectFrom('allocation_reports').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toReport(r);
}

export async function listReports(ctx: QueryContext, f: { allocationIds?: readonly string[] } = {}): Promise<AllocationReportRecord[]> {
  let q = adb(ctx).selectFrom('allocation_reports').selectAll();
  if (f.allocationIds !== undefined) {
    if (f.allocationIds.length === 0) return [];
    q = q.where('allocation_id', 'in', f.allocationIds);
  }
  return (await q.orderBy('submitted_at').orderBy('id').execute()).map(toReport);
}

/** Accepts or rejects a submitted report; false when it was not `submitted` any more. */
export async function reviewReport(ctx: QueryContext, id: string, state: 'accepted' | 'rejected', by: string, at: number, note: string | null): Promise<boolean> {
  const r = await adb(ctx).updateTable('allocation_reports').set({ state, reviewed_by: by, reviewed_at: at, review_note: note })
    .where('id', '=', id).where('state', '=', 'submitted').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
