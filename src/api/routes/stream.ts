/**
 * GET /v1/stream: server-sent events for live views. `event: jobs` carries the ids and new states of jobs
 * that changed (only those the caller may see); clients refetch what they display. A comment line every
 * 15 s keeps proxies from closing the connection.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ChangeFeed } from '../../services/changes.ts';

export const streamRoutes = (feed: ChangeFeed): FastifyPluginAsync => async (app) => {
  app.get('/stream', { schema: { tags: ['system'], summary: 'Live job changes (text/event-stream)' } }, async (req, reply) => {
    const actor = req.actor;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = feed.subscribeFor(actor, (visible) => {
      res.write(`event: jobs\ndata: ${JSON.stringify(visible.map((c) => ({ id: c.jobId, state: c.state })))}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
};
