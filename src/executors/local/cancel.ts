/**
 * cancel(): writes the `cancel` marker (so the supervisor records "cancelled"), then sends SIGTERM to the
 * job's `timeout` process, which forwards it to the whole process group and SIGKILLs the group after the
 * grace period — inside the detached tree, so the escalation completes even if this server dies now.
 * Returns once the signal is sent; observe() reports the end.
 *
 * With a cgroup (cgroups.ts), every process in it gets the SIGTERM too — a process that called setsid is in no
 * group `timeout` signals — and the supervisor SIGKILLs what is left of the cgroup when the job's main process
 * has ended. A run whose supervisor is gone (killed, or the host's process table lost it) but whose cgroup
 * still holds processes is ended here, by killing and removing its cgroup.
 *
 * Idempotent: a finished or unknown run is left alone; a second cancel finds `timeout` already escalating
 * (it ignores further SIGTERMs). A cancel that lands before the supervisor launched the script is seen by
 * the supervisor (it checks the marker first) and the script never runs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheomdanError } from '../../core/errors.ts';
import type { ExecutorHandle } from '../types.ts';
import { killCgroup, removeCgroup, signalCgroup } from './cgroups.ts';
import { procStat } from './proc.ts';
import { readOptional, runIdOf } from './runDir.ts';
import { liveSupervisor, resolveRun } from './observe.ts';

/** How long to wait for a just-started supervisor to publish the job's process group (it takes ~1 ms). */
const PGID_WAIT_MS = 5_000;

export async function cancelRun(stateDir: string, handle: ExecutorHandle): Promise<void> {
  if (runIdOf(handle) === null) {
    throw new CheomdanError('not_found', `not a local executor handle: ${JSON.stringify(handle)}`);
  }
  const run = await resolveRun(stateDir, handle);
  if ('lost' in run) return;
  const { dir, record } = run;
  if ((await readOptional(join(dir, 'status'))) !== null) return;
  await writeFile(join(dir, 'cancel'), `${new Date().toISOString()}\n`);
  const supervisor = await liveSupervisor(dir, record);
  const cgroup = record.cgroup ?? null;
  if (supervisor === null) {
    // Ended (its status is being written), or lost: a lost run's cgroup may still hold its processes.
    if (cgroup !== null && (await readOptional(join(dir, 'status'))) === null) {
      await killCgroup(cgroup);
      await removeCgroup(cgroup).catch(() => undefined);
    }
    return;
  }

  const deadline = Date.now() + PGID_WAIT_MS;
  for (;;) {
    const pgid = Number((await readOptional(join(dir, 'pgid')))?.trim() || NaN);
    if (Number.isInteger(pgid) && pgid > 1) {
      // Signal only what is provably ours: a process in the supervisor's session. It is `timeout` (leading
      // its own group), or — in the first millisecond — the supervisor's fork that is about to become
      // `timeout`; SIGTERM before timeout installs its handlers kills it before it starts the script.
      const stat = await procStat(pgid);
      if (stat !== null && stat.session === supervisor) {
        try {
          process.kill(pgid, 'SIGTERM');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
        // The rest of the cgroup (what left the group with setsid or setpgid): `timeout` forwards the
        // signal to its own group, and a second SIGTERM would run the job's TERM trap twice.
        if (cgroup !== null) await signalCgroup(cgroup, 'SIGTERM', { exceptGroup: pgid });
      }
      return;
    }
    if ((await readOptional(join(dir, 'status'))) !== null) return;
    if ((await liveSupervisor(dir, record)) === null) return;
    if (Date.now() > deadline) {
      throw new CheomdanError('executor_failed', `the supervisor of ${handle} has not published the job's process group after ${PGID_WAIT_MS} ms; it is marked cancelled and will not start the script if it has not yet`);
    }
    await sleep(5);
  }
}
