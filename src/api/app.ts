/**
 * buildApp(deps): the Fastify application, separate from listen() so tests use `app.inject()` and the
 * server process uses the same app (Fastify's testing guide). Requests and responses are validated with
 * the zod contract; the OpenAPI document is generated from it (/openapi.json, UI at /docs).
 */
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { scopeOfRoute } from '../contract/scopes.ts';
import { CheomdanError } from '../core/errors.ts';
import type { Actor } from '../services/actor.ts';
import type { IdentityService } from '../services/identity.ts';
import type { JobService } from '../services/jobs.ts';
import type { Metrics } from './metrics.ts';
import { sendProblem } from './problems.ts';
import { clientErrorProblem, harden } from './hardening.ts';
import { identityRoutes } from './routes/identity.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { reservationRoutes } from './routes/reservations.ts';
import { testbedRoutes } from './routes/testbed.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { quotaRoutes } from './routes/quotas.ts';
import { jobRoutes } from './routes/jobs.ts';
import { accountingRoutes } from './routes/accounting.ts';
import type { Accounting } from '../services/accounting/index.ts';
import type { ReservationService } from '../services/reservations.ts';
import { systemRoutes } from './routes/system.ts';
import type { AppDeps } from './deps.ts';
import { streamRoutes } from './routes/stream.ts';
import { auditRoutes } from './routes/audit.ts';
import type { AuditService } from '../services/audit.ts';
import { portalRoutes } from './routes/portal.ts';
import type { ChangeFeed } from '../services/changes.ts';

export const API_VERSION = '0.1.0';

export type { AppDeps } from './deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

export type App = FastifyInstance;

/** Requests a token may make to /v1 per minute unless configured (200 a second: a busy script, not a flood). */
export const DEFAULT_API_REQUESTS_PER_MINUTE = 12_000;

export async function buildApp(deps: AppDeps): Promise<App> {
  // The same app over HTTPS when given a key and certificate (Fastify's https option; its typings then name
  // another server type, which nothing here depends on).
  const options: FastifyServerOptions = {
    logger: deps.logger ?? false,
    bodyLimit: 2 * 1024 * 1024,
    // Ids in URLs are short; reject absurd ones early.
    routerOptions: { maxParamLength: 200 },
    // A request must arrive within 30 s (slow-loris); streams (logs, live views) are not bounded by it.
    requestTimeout: 30_000,
    // Errors before a route runs are problem details too (hardening.ts).
    clientErrorHandler: clientErrorProblem,
    frameworkErrors: (err, req, reply) => { sendProblem(req, reply, err); },
  };
  const app = (deps.tls ? (Fastify({ ...options, https: deps.tls } as FastifyServerOptions) as unknown as FastifyInstance) : Fastify(options)).withTypeProvider<ZodTypeProvider>();
  await harden(app, { tls: deps.tls !== undefined });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, req, reply) => sendProblem(req, reply, err));
  app.setNotFoundHandler((req, reply) =>
    sendProblem(req, reply, Object.assign(new Error(`no route ${req.method} ${req.url.split('?')[0]}; see /docs for the API`), { statusCode: 404 })),
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cheomdan API',
        version: API_VERSION,
        description: 'Shared AI data center: jobs, inventory, identity. Errors are RFC 9457 problem details.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.decorateRequest('actor', null as unknown as Actor);
  deps.metrics.instrument(app);

  await app.register(systemRoutes(deps));
  await app.register(async (v1) => {
    v1.addHook('onRequest', async (req) => {
      if (req.routeOptions.config && (req.routeOptions.config as { public?: boolean }).public) return;
      const h = req.headers.authorization;
      const token = h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
      req.actor = await deps.identity.authenticate(token);
      // What the route needs against what the token may do (contract/scopes.ts); a route without a scope is refused.
      const need = scopeOfRoute(req.method, req.routeOptions.url ?? '');
      if (need === undefined) throw new CheomdanError('forbidden', `${req.method} ${req.routeOptions.url} declares no scope; this is a server bug — report it`);
      const held = req.actor.scopes;
      if (held && !held.includes(need)) {
        throw new CheomdanError('forbidden', `this token's scopes (${held.join(', ')}) do not include "${need}", which ${req.method} ${req.routeOptions.url} needs; make a token with it (\`cheomdan tokens create NAME --scope ${need}\`) or log in again`, { extra: { requiredScope: need } });
      }
    });
    // Per token (else per address), after authentication: 429 problem details with Retry-After.
    const perMinute = deps.apiRequestsPerMinute ?? DEFAULT_API_REQUESTS_PER_MINUTE;
    if (perMinute > 0) {
      await v1.register(fastifyRateLimit, {
        hook: 'preHandler', max: perMinute, timeWindow: 60_000,
        keyGenerator: (req) => (req.actor?.tokenId ? `token:${req.actor.tokenId}` : `address:${req.ip}`),
        allowList: (req) => req.actor?.isOperator === true,
        errorResponseBuilder: (_req, ctx) => new CheomdanError('rate_limited', `at most ${ctx.max} requests a minute per token; wait ${Math.ceil(ctx.ttl / 1000)} s`, {
          extra: { retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
        }),
      });
    }
    await v1.register(identityRoutes(deps));
    await v1.register(jobRoutes(deps));
    if (deps.accounting) await v1.register(accountingRoutes(deps.accounting));
    await v1.register(inventoryRoutes(deps));
    if (deps.reservations) await v1.register(reservationRoutes(deps.reservations, Date.now));
    if (deps.quotas) await v1.register(quotaRoutes(deps.quotas));
    if (deps.testbed) await v1.register(testbedRoutes(deps.testbed));
    if (deps.datasets) {
      await v1.register(datasetRoutes(deps.datasets));
      await v1.register(uploadRoutes(deps.datasets));
    }
    await v1.register(streamRoutes(deps.changes));
    await v1.register(auditRoutes(deps.audit));
  }, { prefix: '/v1' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(portalRoutes());
  return app;
}
