/**
 * Changes a job, optionally only if it is still in the state the caller last saw (optimistic concurrency):
 * the API cancelling a job and the controller starting it race; whoever writes second sees `false` and
 * re-reads instead of overwriting. `updatedAt` is set from the store's clock.
 */
import type { JobId } from '../../../core/ids.ts';
import type { JobState } from '../../../core/jobState.ts';
import type { JobPatch } from '../../records.ts';
import type { QueryContext } from '../context.ts';
import { patchToRow } from './columns.ts';

export interface JobUpdateOptions {
  /** Apply only while the job is in this state (or one of these states). */
  expectState?: JobState | readonly JobState[];
}

/** Returns true when the job was changed; false when it does not exist or the state guard failed. */
export async function updateJob(ctx: QueryContext, id: JobId, patch: JobPatch, opts: JobUpdateOptions = {}): Promise<boolean> {
  let q = ctx.db.updateTable('jobs').set({ ...patchToRow(patch), updated_at: ctx.clock() }).where('id', '=', id);
  const expect = opts.expectState;
  if (expect !== undefined) {
    if (typeof expect === 'string') q = q.where('state', '=', expect);
    else if (expect.length === 0) return false;
    else q = q.where('state', 'in', expect as JobState[]);
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
