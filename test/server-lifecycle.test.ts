/**
 * startServer() cleans up after itself: when the start fails after the controller and accounting have
 * started (here: the address cannot be bound), everything is stopped and the store closed, so the same home
 * serves again at once; close() of a running server leaves nothing behind either.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server/start.ts';
import { client, DEMO_INVENTORY, waitForJob } from './helpers/server.ts';

let home: string;
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe('startServer cleanup', () => {
  it('stops the controller and accounting when the start fails after they started, then serves again', async () => {
    home = await mkdtemp(join(tmpdir(), 'cheomdan-lifecycle-'));
    const base = { port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tickMs: 50, accounting: 'enforce' as const };
    // 192.0.2.1 (TEST-NET-1) is on no interface of this host: listen fails after controller.start().
    const err = await startServer({ ...base, host: '192.0.2.1' }).then(() => null, (e: unknown) => e as NodeJS.ErrnoException);
    expect(err?.code).toBe('EADDRNOTAVAIL');
    const again = await startServer({ ...base, host: '127.0.0.1', accounting: 'off' });
    try {
      const api = client(again.url, (await readFile(join(home, 'admin-token'), 'utf8')).trim());
      const job = (await api.post('/v1/jobs', { command: ['true'] })).body;
      expect((await waitForJob(api, job.id)).state).toBe('succeeded');
    } finally {
      await again.close();
    }
  }, 30_000);
});
