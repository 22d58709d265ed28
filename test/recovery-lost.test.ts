/**
 * A job whose supervisor vanished (a host reboot, an OOM kill of the whole tree) while the server was down
 * is `lost`: it is charged until the last evidence that it was alive, not until the server noticed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { asJobId } from '../src/core/ids.ts';
import { readLaunchRecord, runDir, runIdOf } from '../src/executors/local/runDir.ts';
import { openStore } from '../src/store/index.ts';
import { client, DEMO_INVENTORY, waitFor, waitForJob } from './helpers/server.ts';

let home: string;
const servers: RunningServer[] = [];
const toKill: number[] = [];

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  for (const pid of toKill) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (home) await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const serve = async () => {
  const s = await startServer({ host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tickMs: 100 });
  servers.push(s);
  return s;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a job lost while the server was down', () => {
  it('ends at its last sign of life, not when the server noticed', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-lost-'));
    const first = await serve();
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    const api = client(first.url, token);
    const job = (await api.post('/v1/jobs', { command: ['sh', '-c', 'while :; do echo tick; sleep 0.1; done'] })).body;
    await waitForJob(api, job.id, ['running']);
    await sleep(500);
    await first.close();
    servers.length = 0;

    // The host "reboots": the supervisor and the job die without recording an exit.
    let store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    const handle = (await store.jobs.get(asJobId(job.id)))!.executorHandle!;
    await store.close();
    const dir = runDir(home, runIdOf(handle)!);
    const record = (await readLaunchRecord(dir))!;
    const pgid = Number(await readFile(join(dir, 'pgid'), 'utf8'));
    toKill.push(-pgid, record.supervisorPid!);
    process.kill(record.supervisorPid!, 'SIGKILL');
    process.kill(-pgid, 'SIGKILL');
    const diedAt = Date.now();
    await waitFor(async () => alive(record.supervisorPid!) || alive(pgid), (a) => !a, 5000, 'the run to die');
    await sleep(3000); // the outage

    const second = await serve();
    const api2 = client(second.url, token);
    const lost = await waitForJob(api2, job.id);
    expect(lost.state).toBe('failed');
    expect(lost.failureReason).toMatch(/lost by the executor/);
    const endedAt = Date.parse(lost.endedAt);
    expect(endedAt).toBeGreaterThan(diedAt - 1000);
    expect(endedAt).toBeLessThan(diedAt + 500); // not diedAt + 3 s of outage
    await second.close();
    servers.length = 0;

    store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    try {
      const rows = await store.usage.listByJob(asJobId(job.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.endedAt).toBe(endedAt);
    } finally {
      await store.close();
    }
  }, 60_000);
});
