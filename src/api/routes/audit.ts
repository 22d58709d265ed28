/** GET /v1/audit: the audit log, newest first, keyset-paginated; GET /v1/audit/verify: its hash chain checked (operators only). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuditPage, AuditQuery, AuditVerification, Problem } from '../../contract/index.ts';
import type { AuditService } from '../../services/audit.ts';
import { iso } from '../presenters.ts';

export const auditRoutes = (audit: AuditService): FastifyPluginAsync => async (app) => {
  app.withTypeProvider<ZodTypeProvider>().get('/audit', {
    schema: { tags: ['system'], summary: 'The audit log (operators)', querystring: AuditQuery, response: { 200: AuditPage, 400: Problem, 401: Problem, 403: Problem } },
  }, async (req) => {
    const page = await audit.list(req.actor, req.query);
    return {
      items: page.items.map((r) => ({ id: r.id, at: iso(r.at), actor: r.actorUserId, action: r.action, subject: r.subject, detail: r.detail })),
      nextBefore: page.nextBefore,
    };
  });
  app.withTypeProvider<ZodTypeProvider>().get('/audit/verify', {
    schema: {
      tags: ['system'], summary: 'Check the audit log\'s hash chain from its first record; names the first broken one (operators)',
      response: { 200: AuditVerification, 401: Problem, 403: Problem },
    },
  }, async (req) => audit.verify(req.actor));
};
