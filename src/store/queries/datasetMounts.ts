/** Dataset versions mounted into jobs (migration 0010): the pins garbage collection honours, and the job's view. */
import type { JobId } from '../../core/ids.ts';
import type { JobState } from '../../core/jobState.ts';
import { guardWrite } from '../dbErrors.ts';
import type { DatasetMountRecord } from '../records.ts';
import type { QueryContext } from './context.ts';

export async function insertMounts(ctx: QueryContext, mounts: readonly DatasetMountRecord[]): Promise<void> {
  for (const m of mounts) {
    await guardWrite(() => ctx.db.insertInto('dataset_mounts').values({
      job_id: m.jobId, dataset_id: m.datasetId, version_id: m.versionId, mount_path: m.mountPath, env_name: m.envName, created_at: m.createdAt,
    }).execute());
  }
}

export async function listMountsOfJob(ctx: QueryContext, jobId: JobId): Promise<DatasetMountRecord[]> {
  return (await ctx.db.selectFrom('dataset_mounts').selectAll().where('job_id', '=', jobId).orderBy('env_name').execute()).map((r) => ({
    jobId: r.job_id as JobId, datasetId: r.dataset_id, versionId: r.version_id, mountPath: r.mount_path, envName: r.env_name, createdAt: Number(r.created_at),
  }));
}

/** Versions mounted by a job in one of `states` (pending, running…): never garbage-collected. */
export async function pinnedVersionIds(ctx: QueryContext, states: readonly JobState[]): Promise<string[]> {
  const rows = await ctx.db.selectFrom('dataset_mounts').innerJoin('jobs', 'jobs.id', 'dataset_mounts.job_id')
    .select('dataset_mounts.version_id').distinct().where('jobs.state', 'in', [...states]).execute();
  return rows.map((r) => r.version_id);
}
