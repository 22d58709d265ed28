/** An operator's drain outlives a restart of the server (the inventory file still says the node is up). */
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server/start.ts';
import { client, DEMO_INVENTORY, startTestServer } from './helpers/server.ts';

describe('operator node states', () => {
  it('stay drained across a restart until an operator resumes the node', async () => {
    const s = await startTestServer();
    try {
      const admin = client(s.url, s.adminToken);
      expect((await admin.patch('/v1/nodes/gpu-002', { state: 'draining', reason: 'fan replacement' })).status).toBe(200);
      await s.server.close();
      s.server = await startServer({ host: '127.0.0.1', port: 0, home: s.home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent' });
      const again = client(s.server.url, s.adminToken);
      const node = (await again.get('/v1/nodes')).body.items.find((n: { name: string }) => n.name === 'gpu-002');
      expect(node).toMatchObject({ state: 'draining', stateReason: 'fan replacement' });
      expect((await again.patch('/v1/nodes/gpu-002', { state: 'up' })).body.state).toBe('up');
      await s.server.close();
      s.server = await startServer({ host: '127.0.0.1', port: 0, home: s.home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent' });
      const third = client(s.server.url, s.adminToken);
      expect((await third.get('/v1/nodes')).body.items.find((n: { name: string }) => n.name === 'gpu-002').state).toBe('up');
    } finally {
      await s.close();
    }
  });
});
