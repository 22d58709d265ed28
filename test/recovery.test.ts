/**
 * Nothing acknowledged is lost: kill -9 of the server while jobs run and wait → restart → running jobs are
 * re-adopted (their processes were never touched), jobs that ended while the server was down are collected
 * with their real exit code and end time, queued jobs still run, and every usage second is counted once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.ts';
import { asJobId } from '../src/core/ids.ts';
import { client, spawnServer, waitForJob } from './helpers/server.ts';

const port = 20000 + Math.floor(Math.random() * 20000);
let home: string;
const children: { kill(sig?: NodeJS.Signals): boolean }[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (home) await rm(home, { recursive: true, force: true });
});

describe('kill -9 of the server', () => {
  it('loses no acknowledged job and no usage second, and counts none twice', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-crash-'));
    const first = await spawnServer(home, port);
    children.push(first.child);
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    const api = client(first.url, token);

    // A job that outlives the crash, one that ends while the server is down, one that waits behind a GPU job.
    const long = (await api.post('/v1/jobs', { command: ['sh', '-c', 'sleep 3; echo survived; exit 7'], devicesPerTask: 2, acceleratorTypes: ['nvidia-h100-sxm-80gb'] })).body;
    const short = (await api.post('/v1/jobs', { command: ['sh', '-c', 'sleep 1; echo short done'] })).body;
    const hog = (await api.post('/v1/jobs', { command: ['sleep', '2'], tasks: 2, nodes: 2, devicesPerTask: 4, acceleratorTypes: ['nvidia-h100-sxm-80gb'] })).body;
    await waitForJob(api, long.id, ['running']);
    await waitForJob(api, short.id, ['running']);
    expect((await api.get(`/v1/jobs/${hog.id}`)).body.state).toBe('pending');

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1500)); // `short` ends while no server runs

    const second = await spawnServer(home, port);
    children.push(second.child);
    const api2 = client(second.url, token);
    const s = await waitForJob(api2, short.id);
    expect(s).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect((await api2.get(`/v1/jobs/${short.id}/logs`)).body).toBe('short done\n');
    const l = await waitForJob(api2, long.id);
    expect(l).toMatchObject({ state: 'failed', exitCode: 7 });
    expect((await api2.get(`/v1/jobs/${long.id}/logs`)).body).toBe('survived\n');
    const h = await waitForJob(api2, hog.id, undefined, 20_000);
    expect(h.state).toBe('succeeded');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    // Usage: one row per device per attempt, each closed exactly once at the job's real end time.
    const store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
    try {
      for (const job of [l, s]) {
        const rows = await store.usage.listByJob(asJobId(job.id));
        expect(rows.length).toBe(job.id === long.id ? 2 : 1);
        for (const r of rows) {
          expect(r.endedAt).not.toBeNull();
          const seconds = (r.endedAt! - r.startedAt) / 1000;
          const wall = (Date.parse(job.endedAt) - Date.parse(job.startedAt)) / 1000;
          expect(Math.abs(seconds - wall)).toBeLessThan(0.01);
        }
      }
      const longRows = await store.usage.listByJob(asJobId(long.id));
      const secs = (longRows[0]!.endedAt! - longRows[0]!.startedAt) / 1000;
      // sleep 3 ran in full although the server was dead for part of it: not cut short, not doubled.
      expect(secs).toBeGreaterThan(2.9);
      expect(secs).toBeLessThan(4.5);
      const events = await store.events.list(asJobId(long.id));
      expect(events.filter((e) => e.toState === 'running')).toHaveLength(1);
      expect(events.filter((e) => e.toState === 'failed')).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 90_000);
});
