/** Applications for allocations, and reviewers' scores on them. */
import type { Selectable } from 'kysely';
import { guardWrite } from '../../dbErrors.ts';
import { parseJson, type QueryContext } from '../context.ts';
import { adb, type ApplicationRecord, type ApplicationState, type ApplicationsTable, type ReviewRecord } from './records.ts';

const toRecord = (r: Selectable<ApplicationsTable>): ApplicationRecord => ({
  id: r.id, programId: r.program_id, tenantId: r.tenant_id, projectId: r.project_id, title: r.title, description: r.description,
  request: parseJson(r.request, 'applications.request'), requestedMsu: Number(r.requested_msu),
  expectedOutputs: parseJson(r.expected_outputs, 'applications.expected_outputs'), region: r.region,
  state: r.state as ApplicationState, submittedAt: r.submitted_at === null ? null : Number(r.submitted_at),
  decidedAt: r.decided_at === null ? null : Number(r.decided_at), decidedBy: r.decided_by, decisionReason: r.decision_reason,
  approvedMsu: r.approved_msu === null ? null : Number(r.approved_msu), allocationId: r.allocation_id,
  createdBy: r.created_by, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

const toRow = (a: ApplicationRecord): Selectable<ApplicationsTable> => ({
  id: a.id, program_id: a.programId, tenant_id: a.tenantId, project_id: a.projectId, title: a.title, description: a.description,
  request: JSON.stringify(a.request), requested_msu: a.requestedMsu, expected_outputs: JSON.stringify(a.expectedOutputs),
  region: a.region, state: a.state, submitted_at: a.submittedAt, decided_at: a.decidedAt, decided_by: a.decidedBy,
  decision_reason: a.decisionReason, approved_msu: a.approvedMsu, allocation_id: a.allocationId, created_by: a.createdBy,
  created_at: a.createdAt, updated_at: a.updatedAt,
});

export async function createApplication(ctx: QueryContext, a: ApplicationRecord): Promise<ApplicationRecord> {
  await guardWrite(() => adb(ctx).insertInto('applications').values(toRow(a)).execute());
  return a;
}

export async function getApplication(ctx: QueryContext, id: string): Promise<ApplicationRecord | undefined> {
  const r = await adb(ctx).selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

export async function listApplications(ctx: QueryContext, f: { programId?: string; tenantId?: string; programIds?: readonly string[] } = {}): Promise<ApplicationRecord[]> {
  let q = adb(ctx).selectFrom('applications').selectAll();
  if (f.programId !== undefined) q = q.where('program_id', '=', f.programId);
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.programIds !== undefined) {
    if (f.programIds.length === 0) return [];
    q = q.where('program_id', 'in', f.programIds);
  }
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toRecord);
}

/**
 * Replaces an application's mutable fields, only if it is still in `expectState` (a guarded transition:
 * of two concurrent decisions, one wins). Returns false when the state had moved on.
 */
export async function updateApplication(ctx: QueryContext, a: ApplicationRecord, expectState: ApplicationState): Promise<boolean> {
  const { id: _id, created_at: _c, created_by: _b, program_id: _p, tenant_id: _t, ...rest } = toRow(a);
  const r = await adb(ctx).updateTable('applications').set(rest).where('id', '=', a.id).where('state', '=', expectState).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function upsertReview(ctx: QueryContext, r: ReviewRecord): Promise<void> {
  const row = { application_id: r.applicationId, reviewer_id: r.reviewerId, scores: JSON.stringify(r.scores), comment: r.comment, created_at: r.createdAt };
  await guardWrite(() => adb(ctx).insertInto('reviews').values(row)
    .onConflict((oc) => oc.columns(['application_id', 'reviewer_id']).doUpdateSet({ scores: row.scores, comment: row.comment, created_at: row.created_at }))
    .execute());
}

export async function listReviews(ctx: QueryContext, applicationId: string): Promise<ReviewRecord[]> {
  const rows = await adb(ctx).selectFrom('reviews').selectAll().where('application_id', '=', applicationId).orderBy('created_at').execute();
  return rows.map((r) => ({ applicationId: r.application_id, reviewerId: r.reviewer_id, scores: parseJson(r.scores, 'reviews.scores'), comment: r.comment, createdAt: Number(r.created_at) }));
}
