/** /v1/auth/login and reset, /v1/me (and its password), /v1/tokens, /v1/tenants, /v1/users (disable, enable, reset), /v1/projects. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ApiToken, IdParams, IssuedToken, LoginRequest, PasswordChange, PasswordReset, PasswordResetIssued, Problem, Project, ProjectCreate, Tenant, TenantCreate, TokenCreate,
  User, UserCreate, Whoami,
} from '../../contract/index.ts';
import type { AppDeps } from '../deps.ts';
import { presentProject, presentTenant, presentToken, presentUser } from '../presenters.ts';

const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export const identityRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { identity } = deps;

  r.post('/auth/login', {
    config: { public: true },
    schema: { tags: ['identity'], summary: 'Exchange email and password for an API token (failures back off, then lock: 429 with Retry-After)', security: [], body: LoginRequest, response: { 201: IssuedToken, ...errors, 429: Problem } },
  }, async (req, reply) => {
    const t = await identity.login(req.body, { address: req.ip });
    return reply.code(201).send({ ...presentToken(t.record), token: t.token });
  });

  r.post('/auth/reset', {
    config: { public: true },
    schema: { tags: ['identity'], summary: 'Set a new password with a one-time reset code (every login token of the account is revoked)', security: [], body: PasswordReset, response: { 204: z.null(), ...errors, 429: Problem } },
  }, async (req, reply) => {
    await identity.resetPassword(req.body, { address: req.ip });
    return reply.code(204).send(null);
  });

  r.post('/me/password', {
    schema: { tags: ['identity'], summary: 'Change your password (your other password-login tokens are revoked)', body: PasswordChange, response: { 204: z.null(), ...errors, 429: Problem } },
  }, async (req, reply) => {
    await identity.changePassword(req.actor, req.body);
    return reply.code(204).send(null);
  });

  r.post('/users/:id/disable', {
    schema: { tags: ['identity'], summary: 'Disable a user: no login, every token revoked at once (operators; owners for their members)', params: IdParams, response: { 200: User, ...errors } },
  }, async (req) => presentUser(await identity.setDisabled(req.actor, req.params.id, true)));
  r.post('/users/:id/enable', {
    schema: { tags: ['identity'], summary: 'Enable a disabled user again (they log in anew)', params: IdParams, response: { 200: User, ...errors } },
  }, async (req) => presentUser(await identity.setDisabled(req.actor, req.params.id, false)));
  r.post('/users/:id/password-reset', {
    schema: { tags: ['identity'], summary: 'Issue a one-time password reset code for a user, valid 24 h (operators; owners for their members)', params: IdParams, response: { 201: PasswordResetIssued, ...errors } },
  }, async (req, reply) => {
    const r2 = await identity.issuePasswordReset(req.actor, req.params.id);
    return reply.code(201).send({ code: r2.code, email: r2.email, expiresAt: new Date(r2.expiresAt).toISOString(), link: `/#/reset?code=${encodeURIComponent(r2.code)}` });
  });

  r.get('/me', { schema: { tags: ['identity'], summary: 'Who am I', response: { 200: Whoami, ...errors } } }, async (req) => {
    const w = await identity.whoami(req.actor);
    return { user: presentUser(w.user), tenant: w.tenant ? presentTenant(w.tenant) : null, projects: w.projects.map(presentProject) };
  });

  r.post('/tokens', { schema: { tags: ['identity'], summary: 'Create an API token for yourself', body: TokenCreate, response: { 201: IssuedToken, ...errors } } }, async (req, reply) => {
    const t = await identity.createToken(req.actor, req.body);
    return reply.code(201).send({ ...presentToken(t.record), token: t.token });
  });
  r.get('/tokens', { schema: { tags: ['identity'], summary: 'Your active tokens', response: { 200: list(ApiToken), ...errors } } }, async (req) => ({
    items: (await identity.listTokens(req.actor)).map(presentToken),
  }));
  r.delete('/tokens/:id', { schema: { tags: ['identity'], summary: 'Revoke one of your tokens', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await identity.revokeToken(req.actor, req.params.id);
    return reply.code(204).send(null);
  });

  r.post('/tenants', { schema: { tags: ['identity'], summary: 'Create a tenant (operators)', body: TenantCreate, response: { 201: Tenant, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentTenant(await identity.createTenant(req.actor, req.body))));
  r.get('/tenants', { schema: { tags: ['identity'], summary: 'Tenants you can see', response: { 200: list(Tenant), ...errors } } }, async (req) => ({
    items: (await identity.listTenants(req.actor)).map(presentTenant),
  }));
  r.get('/tenants/:id', { schema: { tags: ['identity'], summary: 'One tenant (id or slug)', params: IdParams, response: { 200: Tenant, ...errors } } }, async (req) =>
    presentTenant(await identity.resolveTenant(req.actor, req.params.id)));

  r.post('/users', { schema: { tags: ['identity'], summary: 'Create a user (operators; owners in their tenant)', body: UserCreate, response: { 201: User, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentUser(await identity.createUser(req.actor, req.body))));
  r.get('/users', { schema: { tags: ['identity'], summary: 'Users you can see', response: { 200: list(User), ...errors } } }, async (req) => ({
    items: (await identity.listUsers(req.actor)).map(presentUser),
  }));

  r.post('/projects', { schema: { tags: ['identity'], summary: 'Create a project', body: ProjectCreate, response: { 201: Project, ...errors } } }, async (req, reply) =>
    reply.code(201).send(presentProject(await identity.createProject(req.actor, req.body))));
  r.get('/projects', {
    schema: { tags: ['identity'], summary: 'Projects you can see', querystring: z.object({ tenant: z.string().optional() }), response: { 200: list(Project), ...errors } },
  }, async (req) => ({ items: (await identity.listProjects(req.actor, req.query.tenant)).map(presentProject) }));
};
