/** Jobs' requests to save their output as a dataset version (migration 0011). */
import type { JobId } from '../../core/ids.ts';
import type { JobState } from '../../core/jobState.ts';
import { guardWrite } from '../dbErrors.ts';
import type { DatasetOutputRecord } from '../records.ts';
import type { DatasetOutputsTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toRecord = (r: DatasetOutputsTable): DatasetOutputRecord => ({
  jobId: r.job_id as JobId, datasetId: r.dataset_id, path: r.path, state: r.state as DatasetOutputRecord['state'],
  versionId: r.version_id, message: r.message, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

export async function insertOutput(ctx: QueryContext, o: DatasetOutputRecord): Promise<void> {
  await guardWrite(() => ctx.db.insertInto('dataset_outputs').values({
    job_id: o.jobId, dataset_id: o.datasetId, path: o.path, state: o.state, version_id: o.versionId, message: o.message,
    created_at: o.createdAt, updated_at: o.updatedAt,
  }).execute());
}

export async function getOutput(ctx: QueryContext, jobId: JobId): Promise<DatasetOutputRecord | undefined> {
  const r = await ctx.db.selectFrom('dataset_outputs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** Pending saves whose jobs are in one of `states` (finished): what is left to do after a restart. */
export async function pendingOutputs(ctx: QueryContext, states: readonly JobState[]): Promise<DatasetOutputRecord[]> {
  const rows = await ctx.db.selectFrom('dataset_outputs').innerJoin('jobs', 'jobs.id', 'dataset_outputs.job_id')
    .selectAll('dataset_outputs').where('dataset_outputs.state', '=', 'pending').where('jobs.state', 'in', [...states])
    .orderBy('dataset_outputs.created_at').execute();
  return rows.map(toRecord);
}

/** Moves a pending save to its outcome; false when it was no longer pending (another worker took it). */
export async function finishOutput(ctx: QueryContext, jobId: JobId, to: Pick<DatasetOutputRecord, 'state' | 'versionId' | 'message'>, at: number): Promise<boolean> {
  const r = await ctx.db.updateTable('dataset_outputs').set({ state: to.state, version_id: to.versionId, message: to.message, updated_at: at })
    .where('job_id', '=', jobId).where('state', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
