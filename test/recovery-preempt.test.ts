/**
 * Stop requests outlive the server: a job whose preemption was under way when the server restarted is
 * recorded `preempted` and requeued (not `cancelled`, which would end it for good), a user's cancel still
 * wins over a preemption, and a preemption whose stop never reached the executor is sent again.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { asJobId } from '../src/core/ids.ts';
import { createLocalExecutor } from '../src/executors/local/index.ts';
import { openStore } from '../src/store/index.ts';
import { client, DEMO_INVENTORY, waitFor, waitForJob } from './helpers/server.ts';

let home: string;
const servers: RunningServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  if (home) {
    const e = createLocalExecutor({ stateDir: home });
    const store = await openStore({ sqlitePath: join(home, 'cheomdan.db') }).catch(() => undefined);
    for (const j of (await store?.jobs.listByStates(['running', 'starting', 'pending'])) ?? []) {
      for (const h of await e.lookup!(j.id)) {
        await e.cancel(h).catch(() => undefined);
        await waitFor(async () => (await e.observe([h]))[0]!.state, (st) => st !== 'running', 10_000).catch(() => undefined);
      }
    }
    await store?.close();
    await e.close();
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

const serve = async () => {
  const s = await startServer({ host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tickMs: 100 });
  servers.push(s);
  return s;
};

describe('restart during a preemption', () => {
  it('records the exit as preempted and requeues; a user cancel still wins; an unsent stop is sent again', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-preempt-'));
    const first = await serve();
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    const api = client(first.url, token);
    const submit = async () => (await api.post('/v1/jobs', { command: ['sleep', '60'] })).body.id as string;
    const [preempted, cancelled, unsent] = [await submit(), await submit(), await submit()];
    for (const id of [preempted, cancelled, unsent]) await waitForJob(api, id, ['running']);
    await first.close();
    servers.length = 0;

    // What the controller had done when the server died: written its "preempting (…)" event and, for two
    // of the jobs, sent the cancel; one of them a user then cancelled too.
    const executor = createLocalExecutor({ stateDir: home });
    let store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    const handles: Record<string, string> = {};
    for (const id of [preempted, cancelled, unsent]) {
      handles[id] = (await store.jobs.get(asJobId(id)))!.executorHandle!;
      await store.events.append({ jobId: asJobId(id), at: Date.now(), kind: 'info', fromState: null, toState: null, message: 'preempting (priority) for job job_other' });
    }
    await store.events.append({ jobId: asJobId(cancelled), at: Date.now(), kind: 'info', fromState: null, toState: null, message: 'cancel requested by someone@example.com' });
    for (const id of [preempted, cancelled]) await executor.cancel(handles[id]!);
    for (const id of [preempted, cancelled]) {
      await waitFor(async () => (await executor.observe([handles[id]!]))[0]!.state, (s) => s === 'exited', 15_000, `${id} to end`);
    }
    await store.close();

    const second = await serve();
    const api2 = client(second.url, token);
    // requeued, and (the capacity being free) started again as attempt 2
    for (const id of [preempted, unsent]) {
      await waitFor(() => api2.get(`/v1/jobs/${id}`), (r) => r.body.state === 'running' && r.body.attempt === 2, 15_000, `${id} to run again`);
    }
    expect((await waitForJob(api2, cancelled)).state).toBe('cancelled');
    await second.close();
    servers.length = 0;

    store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    try {
      for (const id of [preempted, unsent]) {
        const states = (await store.events.list(asJobId(id))).filter((e) => e.kind === 'state').map((e) => e.toState);
        expect(states).toEqual(['pending', 'starting', 'running', 'preempted', 'pending', 'starting', 'running']);
        expect((await executor.observe([handles[id]!]))[0]).toMatchObject({ state: 'exited', cancelled: true });
      }
      const states = (await store.events.list(asJobId(cancelled))).filter((e) => e.kind === 'state').map((e) => e.toState);
      expect(states.at(-1)).toBe('cancelled');
      expect(states).not.toContain('preempted');
    } finally {
      await store.close();
      await executor.close();
    }
  }, 60_000);
});
