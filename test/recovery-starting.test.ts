/**
 * A job caught in `starting` when the server dies is adopted only if the executor knows a run of *that*
 * attempt. Attempts are not runs: attempt 1 can fail before anything ran (no run), so attempt 2 may be the
 * job's only run. Recovery must adopt it, not requeue the job and start a second copy beside it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { asJobId } from '../src/core/ids.ts';
import { createLocalExecutor } from '../src/executors/local/index.ts';
import { runIdOf, runDir } from '../src/executors/local/runDir.ts';
import type { Executor } from '../src/executors/types.ts';
import { openStore } from '../src/store/index.ts';
import { client, DEMO_INVENTORY, waitFor, waitForJob } from './helpers/server.ts';

let home: string;
const servers: RunningServer[] = [];
const executors: Executor[] = [];

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  if (home) {
    const e = createLocalExecutor({ stateDir: home });
    const store = await openStore({ sqlitePath: join(home, 'cheomdan.db') }).catch(() => undefined);
    // stop whatever runs are left
    for (const j of (await store?.jobs.listByStates(['running', 'starting', 'pending'])) ?? []) {
      for (const h of await e.lookup!(j.id)) {
        await e.cancel(h).catch(() => undefined);
        await waitFor(async () => (await e.observe([h]))[0]!.state, (st) => st !== 'running', 10_000).catch(() => undefined);
      }
    }
    await store?.close();
    for (const x of [...executors, e]) await x.close();
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

const serve = async () => {
  const s = await startServer({ host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tickMs: 100 });
  servers.push(s);
  return s;
};

describe('restart while a job is starting', () => {
  it('adopts the run of the interrupted attempt even when an earlier attempt left no run', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-starting-'));
    const first = await serve();
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    const api = client(first.url, token);
    const job = (await api.post('/v1/jobs', { command: ['sleep', '60'] })).body;
    await waitForJob(api, job.id, ['running']);
    await first.close();
    servers.length = 0;

    // Make the state "attempt 1 failed to start (no run), attempt 2 spawned, the server died before
    // recording `running`": attempt 1's run is removed, the job is put back in `starting` at attempt 2, and
    // attempt 2's run is started as the controller would have started it.
    const executor = createLocalExecutor({ stateDir: home });
    executors.push(executor);
    let store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    const record = (await store.jobs.get(asJobId(job.id)))!;
    const run1 = record.executorHandle!;
    await executor.cancel(run1);
    await waitFor(async () => (await executor.observe([run1]))[0]!.state, (s) => s !== 'running', 15_000, 'attempt 1 to end');
    await rm(runDir(home, runIdOf(run1)!), { recursive: true, force: true });
    expect(await store.jobs.update(asJobId(job.id), { state: 'starting', attempt: 2, executorHandle: null, startedAt: null }, { expectState: 'running' })).toBe(true);
    const run2 = await executor.start({
      jobId: asJobId(job.id), script: record.script, workingDirectory: record.workingDirectory, environment: record.environment,
      placement: record.placement!, acceleratorType: record.acceleratorType, tasks: record.request.tasks,
      timeLimitSeconds: record.request.timeLimitSeconds, stdoutPath: record.stdoutPath, stderrPath: record.stderrPath, attempt: 2,
    });
    await store.close();

    const second = await serve();
    const api2 = client(second.url, token);
    const adopted = await waitForJob(api2, job.id, ['running'], 10_000);
    expect(adopted.attempt ?? 2).toBe(2);
    await sleep(1000); // several ticks: a requeued job would have started again by now
    store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    try {
      const now = (await store.jobs.get(asJobId(job.id)))!;
      expect(now).toMatchObject({ state: 'running', attempt: 2, executorHandle: run2 });
      expect(await executor.lookup!(asJobId(job.id))).toEqual([run2]); // no second copy
      expect((await executor.observe([run2]))[0]!.state).toBe('running');
      const events = await store.events.list(asJobId(job.id));
      expect(events.at(-1)).toMatchObject({ toState: 'running', message: 'adopted after a server restart during start' });
    } finally {
      await store.close();
    }
    expect((await api2.post(`/v1/jobs/${job.id}/cancel`)).status).toBeLessThan(300);
    expect((await waitForJob(api2, job.id)).state).toBe('cancelled');
  }, 60_000);
});
