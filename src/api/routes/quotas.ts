/** /v1/quotas and /v1/cohorts: operators set quotas and cohorts; organizations read their own quotas. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Cohort, CohortCreate, Problem, Quota, QuotaSet, Slug } from '../../contract/index.ts';
import type { QuotaService, QuotaView } from '../../services/quotas.ts';
import type { CohortRecord } from '../../store/records.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const tags = ['quotas'];
const iso = (t: number) => new Date(t).toISOString();

export const presentQuota = (q: QuotaView): z.infer<typeof Quota> => ({
  id: q.id, tenant: q.tenantId, project: q.projectId, resource: q.resource, acceleratorTypes: [...q.acceleratorTypes],
  guaranteed: q.guaranteed, borrowLimit: q.borrowLimit === null || Number.isFinite(q.borrowLimit) ? q.borrowLimit : null, lendLimit: q.lendLimit,
  cohort: q.cohort, inUse: q.inUse, borrowed: q.borrowed, source: q.source, updatedAt: iso(q.updatedAt),
});

const presentCohort = (c: CohortRecord & { members: number }): z.infer<typeof Cohort> => ({
  name: c.name, description: c.description, createdAt: iso(c.createdAt), members: c.members,
});

export const quotaRoutes = (quotas: QuotaService): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const Id = z.object({ id: z.string().min(1).max(200) });
  r.get('/quotas', {
    schema: {
      tags, summary: "Quotas: your organization's (operators: all, or one organization's), those allocations imply included",
      querystring: z.object({ tenant: z.string().min(1).max(100).optional() }).strict(),
      response: { 200: z.object({ items: z.array(Quota) }), ...errors },
    },
  }, async (req) => ({ items: (await quotas.list(req.actor, req.query.tenant ? { tenant: req.query.tenant } : {})).map(presentQuota) }));
  r.put('/quotas', {
    schema: { tags, summary: 'Set the quota of an organization (or project) on a type or type group; replaces its limits (operators)', body: QuotaSet, response: { 200: Quota, ...errors } },
  }, async (req) => presentQuota(await quotas.set(req.actor, req.body)));
  r.get('/quotas/:id', { schema: { tags, summary: 'One quota', params: Id, response: { 200: Quota, ...errors } } }, async (req) =>
    presentQuota(await quotas.get(req.actor, req.params.id)));
  r.delete('/quotas/:id', { schema: { tags, summary: 'Remove a quota (operators)', params: Id, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await quotas.remove(req.actor, req.params.id);
    return reply.code(204).send(null);
  });
  r.get('/cohorts', { schema: { tags, summary: 'Cohorts: quotas that lend to each other', response: { 200: z.object({ items: z.array(Cohort) }), ...errors } } }, async () =>
    ({ items: (await quotas.cohorts()).map(presentCohort) }));
  r.post('/cohorts', { schema: { tags, summary: 'Create a cohort (operators)', body: CohortCreate, response: { 201: Cohort, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentCohort({ ...(await quotas.createCohort(req.actor, req.body)), members: 0 })));
  r.delete('/cohorts/:name', { schema: { tags, summary: 'Remove a cohort no quota names (operators)', params: z.object({ name: Slug }), response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await quotas.removeCohort(req.actor, req.params.name);
    return reply.code(204).send(null);
  });
};
