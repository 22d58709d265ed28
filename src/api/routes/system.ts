/** /healthz and /metrics: unauthenticated, for load balancers and Prometheus. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Health } from '../../contract/index.ts';
import type { AppDeps } from '../deps.ts';

export const systemRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', { schema: { tags: ['system'], summary: 'Liveness', security: [], response: { 200: Health } } }, async () => {
    const h = deps.health();
    return { status: 'ok' as const, version: h.version, store: h.store, executor: h.executor, uptimeSeconds: (Date.now() - h.startedAt) / 1000,
      ...(h.isolation !== undefined ? { isolation: h.isolation } : {}) };
  });
  r.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
};
