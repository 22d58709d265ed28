/** Test-bed runs: created with their job, finished once (result and charge) when the job has ended. */
import type { JobId, ProjectId, TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { TestbedRunRecord } from '../records.ts';
import type { TestbedRunsTable } from '../schema.ts';
import { parseJson, type QueryContext } from './context.ts';

export interface TestbedRunFilter {
  tenantId?: TenantId;
  model?: string;
  acceleratorType?: string;
  scenario?: string;
  /** Only runs whose job has not been read back yet (no result stored). */
  unfinished?: boolean;
  limit?: number;
}

const toRecord = (r: TestbedRunsTable): TestbedRunRecord => ({
  id: r.id, tenantId: r.tenant_id as TenantId, projectId: r.project_id as ProjectId, userId: r.user_id as UserId, jobId: r.job_id as JobId,
  name: r.name, model: r.model, scenario: r.scenario, mode: r.mode, acceleratorType: r.accelerator_type,
  spec: parseJson<unknown>(r.spec, 'testbed_runs.spec'), result: r.result === null ? null : parseJson<unknown>(r.result, 'testbed_runs.result'),
  chargedUnits: r.charged_units === null ? null : Number(r.charged_units), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  createdAt: Number(r.created_at),
});

export async function createTestbedRun(ctx: QueryContext, r: TestbedRunRecord): Promise<TestbedRunRecord> {
  await guardWrite(() => ctx.db.insertInto('testbed_runs').values({
    id: r.id, tenant_id: r.tenantId, project_id: r.projectId, user_id: r.userId, job_id: r.jobId, name: r.name, model: r.model,
    scenario: r.scenario, mode: r.mode, accelerator_type: r.acceleratorType, spec: JSON.stringify(r.spec),
    result: r.result === null ? null : JSON.stringify(r.result), charged_units: r.chargedUnits, finished_at: r.finishedAt, created_at: r.createdAt,
  }).execute());
  return r;
}

export async function getTestbedRun(ctx: QueryContext, id: string): Promise<TestbedRunRecord | undefined> {
  const r = await ctx.db.selectFrom('testbed_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Newest first. */
export async function listTestbedRuns(ctx: QueryContext, f: TestbedRunFilter = {}): Promise<TestbedRunRecord[]> {
  let q = ctx.db.selectFrom('testbed_runs').selectAll();
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.model !== undefined) q = q.where('model', '=', f.model);
  if (f.acceleratorType !== undefined) q = q.where('accelerator_type', '=', f.acceleratorType);
  if (f.scenario !== undefined) q = q.where('scenario', '=', f.scenario);
  if (f.unfinished) q = q.where('finished_at', 'is', null);
  q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (f.limit !== undefined) q = q.limit(f.limit);
  return (await q.execute()).map(toRecord);
}

/** Stores the result of a run whose job has ended; false when it was finished already (first writer wins). */
export async function finishTestbedRun(ctx: QueryContext, id: string, result: unknown, chargedUnits: number | null, at: number): Promise<boolean> {
  const r = await guardWrite(() => ctx.db.updateTable('testbed_runs')
    .set({ result: JSON.stringify(result), charged_units: chargedUnits, finished_at: at })
    .where('id', '=', id).where('finished_at', 'is', null).executeTakeFirst());
  return Number(r.numUpdatedRows) > 0;
}
