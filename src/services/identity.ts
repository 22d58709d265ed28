/**
 * Identity: tenants (organizations), projects, users, API tokens, login, and the first operator.
 *
 * Rules:
 * - Operators (data-center staff) create tenants and users of any tenant; a tenant's owner creates users
 *   (owner/member) and projects in their own tenant; members create nothing here.
 * - Every tenant gets a project "default" when it is created, so a new user can submit at once.
 * - Tokens are stored as SHA-256 hashes; the secret is returned once. Authentication results are cached
 *   for a few seconds to keep the request path off the database (revoking here clears the cache at once;
 *   another replica sees a revocation within AUTH_CACHE_MS).
 */
import { CheomdanError } from '../core/errors.ts';
import { asProjectId, asTenantId, asUserId } from '../core/ids.ts';
import type {
  LoginRequest, ProjectCreate, TenantCreate, TokenCreate, UserCreate,
} from '../contract/identity.ts';
import type { ProjectRecord, TenantRecord, ApiTokenRecord, UserRecord } from '../store/records.ts';
import { actorFor, requireOperator, type Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';
import { hashPassword, hashToken, newPassword, newToken, verifyPassword } from './passwords.ts';
import { SCOPES, type Scope } from '../core/scopes.ts';
import { LoginGuard, type LoginGuardPolicy } from './loginGuard.ts';
import type { z } from 'zod';

export const OPERATIONS_TENANT = 'operations';
export const DEFAULT_PROJECT = 'default';
const AUTH_CACHE_MS = 5_000;
const PROJECT_CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;
/** Tokens a password login issues are named so (a password change revokes them). */
const LOGIN_TOKEN_PREFIX = 'login ';
const RESET_TOKEN_NAME = 'password reset';
const RESET_VALID_MS = 24 * 3_600_000;

export interface IssuedToken {
  record: ApiTokenRecord;
  token: string;
}

export class IdentityService {
  private readonly authCache = new Map<string, { actor: Actor; token: ApiTokenRecord; until: number }>();
  private readonly projectCache = new Map<string, { projects: ProjectRecord[]; until: number }>();
  private operationsTenantId: string | null | undefined;

  private dummy: Promise<string> | undefined;
  private readonly loginGuard: LoginGuard;

  constructor(
    private readonly ctx: ServiceContext,
    loginPolicy?: LoginGuardPolicy,
    /** API tokens' lifetimes, in days: the default when none is asked (90), and the most allowed (365). */
    private readonly tokens: { defaultDays: number; maxDays: number } = { defaultDays: 90, maxDays: 365 },
  ) {
    this.loginGuard = new LoginGuard(ctx.clock, loginPolicy);
  }

  /**
   * First start: creates the operations tenant, its default project and an operator with a random password
   * and an API token. Returns null when an operator already exists.
   */
  async bootstrap(): Promise<{ email: string; password: string; token: string } | null> {
    const { store } = this.ctx;
    const operators = (await store.users.list()).filter((u) => u.role === 'operator');
    if (operators.length > 0) return null;
    const email = 'admin@cheomdan.local';
    const password = newPassword();
    const now = this.ctx.clock();
    let issued: IssuedToken | undefined;
    const passwordHash = await hashPassword(password);
    await store.transaction(async (tx) => {
      const tenant = await tx.tenants.getBySlug(OPERATIONS_TENANT);
      if (!tenant) {
        const t: TenantRecord = {
          id: asTenantId(this.ctx.ids('ten')), slug: OPERATIONS_TENANT, name: 'Data center operations',
          kind: 'public', sector: 'other', createdAt: now,
        };
        await tx.tenants.create(t);
        await tx.projects.create(this.defaultProject(t.id, now));
      }
      const user: UserRecord = {
        id: asUserId(this.ctx.ids('usr')), email, name: 'Operator', passwordHash,
        role: 'operator', tenantId: null, createdAt: now, disabledAt: null,
      };
      await tx.users.create(user);
      issued = await this.issueToken(tx, user.id, { name: 'admin', expiresInDays: this.tokens.defaultDays });
    });
    return { email, password, token: issued!.token };
  }

  /** Bearer token → actor. Throws `unauthenticated` with a message that says how to get a token. */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) {
      throw new CheomdanError('unauthenticated', 'send "Authorization: Bearer <token>"; get a token with `cheomdan login`');
    }
    const hash = hashToken(token);
    const now = this.ctx.clock();
    const cached = this.authCache.get(hash);
    if (cached && cached.until > now && (cached.token.expiresAt === null || cached.token.expiresAt > now)) return cached.actor;
    const rec = await this.ctx.store.tokens.findByHash(hash);
    const invalid = () => new CheomdanError('unauthenticated', 'the token is unknown, revoked or expired; log in again with `cheomdan login`');
    if (!rec || rec.revokedAt !== null || (rec.expiresAt !== null && rec.expiresAt <= now)) throw invalid();
    const user = await this.ctx.store.users.get(rec.userId);
    if (!user || user.disabledAt !== null) throw invalid();
    const actor: Actor = { ...actorFor(user), scopes: rec.scopes, tokenId: rec.id };
    this.authCache.set(hash, { actor, token: rec, until: now + AUTH_CACHE_MS });
    if (rec.lastUsedAt === null || now - rec.lastUsedAt > TOUCH_EVERY_MS) {
      await this.ctx.store.tokens.touch(rec.id, now);
    }
    return actor;
  }

  /**
   * Email and password → a token. Guarded (loginGuard.ts): back-off and lockout per account and per client
   * address, every failure and lockout audited. The answer takes as long whether or not the account
   * exists: an unknown, disabled or password-less account is checked against a dummy hash (today's scrypt
   * cost), so timing tells nothing about which emails have accounts.
   */
  async login(input: z.infer<typeof LoginRequest>, from: { address?: string } = {}): Promise<IssuedToken> {
    const email = input.email.toLowerCase();
    const keys = [{ key: `account:${email}`, scale: 1 }, ...(from.address ? [{ key: `address:${from.address}`, scale: 4 }] : [])];
    this.admit(keys, 'before the next login attempt (each failure doubles the wait)');
    const user = await this.ctx.store.users.getByEmail(email);
    const usable = user !== undefined && user.passwordHash !== null && user.disabledAt === null;
    const matches = await verifyPassword(input.password, usable ? user.passwordHash! : await this.dummyHash());
    if (!usable || !matches) {
      const locked = this.loginGuard.fail(keys);
      const now = this.ctx.clock();
      await this.ctx.store.audit.append({ at: now, actorUserId: null, action: 'login.failure', subject: email, detail: { address: from.address ?? null, known: user !== undefined } });
      for (const key of locked) {
        await this.ctx.store.audit.append({ at: now, actorUserId: null, action: 'login.locked', subject: key, detail: { minutes: Math.round(this.loginGuard.policy.lockoutMs / 60_000) } });
      }
      throw new CheomdanError('unauthenticated', 'wrong email or password');
    }
    this.loginGuard.succeed(`account:${email}`);
    return this.issueToken(this.ctx.store, user.id, { name: `${LOGIN_TOKEN_PREFIX}${new Date(this.ctx.clock()).toISOString()}`, expiresInDays: 30 });
  }

  /**
   * The login guard's verdict for `keys` (loginGuard.ts), as the error a client acts on: locked (too many
   * failures) or rate limited (`wait N s <what>`), both with Retry-After. Login, password change and reset share it.
   */
  private admit(keys: { key: string; scale: number }[], what: string): void {
    const verdict = this.loginGuard.check(keys);
    if (verdict.kind === 'ok') return;
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    if (verdict.kind === 'locked') {
      throw new CheomdanError('account_locked', `too many failed logins for ${verdict.key.startsWith('account:') ? 'this account' : 'this address'}; try again in ${seconds} s, or ask an operator to reset the password`, { extra: { retryAfterSeconds: seconds } });
    }
    throw new CheomdanError('rate_limited', `wait ${seconds} s ${what}`, { extra: { retryAfterSeconds: seconds } });
  }

  /** A hash of a random password at today's parameters, made once: what unknown accounts are checked against. */
  private dummyHash(): Promise<string> {
    return (this.dummy ??= hashPassword(newPassword()));
  }

  /**
   * A new token for the actor: the scopes asked (default: those of the token making it), never one the
   * making token lacks; an expiry of `expiresInDays` (default 90), at most the configured maximum.
   */
  async createToken(actor: Actor, input: z.infer<typeof TokenCreate>): Promise<IssuedToken> {
    const held = actor.scopes ?? SCOPES;
    const scopes = input.scopes ?? [...held];
    const beyond = scopes.filter((x) => !held.includes(x));
    if (beyond.length > 0) {
      throw new CheomdanError('forbidden', `this token cannot make a token with scope ${beyond.join(', ')}: a token never has more than the one that made it (log in with your password for a token with every scope)`);
    }
    const days = input.expiresInDays ?? this.tokens.defaultDays;
    if (days > this.tokens.maxDays) {
      throw new CheomdanError('validation_failed', `a token lives at most ${this.tokens.maxDays} days here; ask for expiresInDays ≤ ${this.tokens.maxDays}`, { errors: [{ path: 'expiresInDays', message: `at most ${this.tokens.maxDays}` }] });
    }
    const issued = await this.issueToken(this.ctx.store, actor.user.id, { name: input.name, expiresInDays: days, scopes: [...new Set(scopes)] });
    await this.ctx.store.audit.append({ at: this.ctx.clock(), actorUserId: actor.user.id, action: 'token.create', subject: issued.record.id, detail: { name: input.name, scopes: issued.record.scopes, expiresAt: issued.record.expiresAt } });
    return issued;
  }

  async listTokens(actor: Actor): Promise<ApiTokenRecord[]> {
    return (await this.ctx.store.tokens.listByUser(actor.user.id)).filter((t) => t.revokedAt === null && t.scopes.length > 0);
  }

  async revokeToken(actor: Actor, id: string): Promise<void> {
    const mine = await this.ctx.store.tokens.listByUser(actor.user.id);
    const t = mine.find((x) => x.id === id && x.revokedAt === null);
    if (!t) throw new CheomdanError('not_found', `no token "${id}" of yours; list them with GET /v1/tokens`);
    await this.ctx.store.tokens.revoke(id, this.ctx.clock());
    this.authCache.delete(t.tokenHash);
    await this.ctx.store.audit.append({ at: this.ctx.clock(), actorUserId: actor.user.id, action: 'token.revoke', subject: id, detail: { name: t.name } });
  }

  // ---- account lifecycle --------------------------------------------------------------------------------

  /**
   * Changes the actor's own password: the current one must be right (guarded like a login: back-off and
   * lockout); every other token a password login issued is revoked (a stolen session ends with the old password).
   */
  async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string }): Promise<void> {
    const user = await this.ctx.store.users.get(actor.user.id);
    if (!user?.passwordHash) throw new CheomdanError('conflict', 'this account has no password (it signs in another way); nothing to change');
    const keys = [{ key: `account:${user.email}`, scale: 1 }];
    this.admit(keys, 'before trying the current password again');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      this.loginGuard.fail(keys);
      await this.ctx.store.audit.append({ at: this.ctx.clock(), actorUserId: user.id, action: 'user.password_change_failed', subject: user.id, detail: {} });
      throw new CheomdanError('forbidden', 'the current password is wrong; nothing was changed', { errors: [{ path: 'currentPassword', message: 'wrong password' }] });
    }
    if (input.currentPassword === input.newPassword) {
      throw new CheomdanError('validation_failed', 'the new password is the current one; choose another', { errors: [{ path: 'newPassword', message: 'same as the current password' }] });
    }
    this.loginGuard.succeed(`account:${user.email}`);
    const hash = await hashPassword(input.newPassword);
    const revoked = await this.ctx.store.transaction(async (tx) => {
      await tx.users.setPasswordHash(user.id, hash);
      let n = 0;
      for (const t of await tx.tokens.listByUser(user.id)) {
        if (t.revokedAt === null && t.id !== actor.tokenId && t.name.startsWith(LOGIN_TOKEN_PREFIX)) {
          await tx.tokens.revoke(t.id, this.ctx.clock());
          n++;
        }
      }
      await tx.audit.append({ at: this.ctx.clock(), actorUserId: user.id, action: 'user.password_change', subject: user.id, detail: { revokedLoginTokens: n } });
      return n;
    });
    if (revoked > 0) this.forgetUser(user.id);
  }

  /** Disables (or enables again) a user: every token of theirs stops working at once. Operators; owners for their members. */
  async setDisabled(actor: Actor, userId: string, disabled: boolean): Promise<UserRecord> {
    const target = await this.manageable(actor, userId, disabled ? 'disable' : 'enable');
    if (disabled && target.id === actor.user.id) throw new CheomdanError('conflict', 'you cannot disable yourself; ask another operator or owner');
    if (disabled && target.role === 'operator') {
      const others = (await this.ctx.store.users.list()).filter((u) => u.role === 'operator' && u.disabledAt === null && u.id !== target.id);
      if (others.length === 0) throw new CheomdanError('conflict', 'this is the last enabled operator; make another operator first');
    }
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      await tx.users.setDisabled(target.id, disabled ? now : null);
      let revoked = 0;
      if (disabled) {
        for (const t of await tx.tokens.listByUser(target.id)) {
          if (t.revokedAt === null) { await tx.tokens.revoke(t.id, now); revoked++; }
        }
      }
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: disabled ? 'user.disable' : 'user.enable', subject: target.id, detail: { email: target.email, revokedTokens: revoked } });
    });
    this.forgetUser(target.id);
    return (await this.ctx.store.users.get(target.id))!;
  }

  /**
   * A one-time password reset code for a user (valid 24 hours, replacing any earlier one): an operator or
   * the organization's owner hands it over (or the link the portal makes of it). It is stored as a token
   * with no scope, so it opens no route; only POST /v1/auth/reset takes it.
   */
  async issuePasswordReset(actor: Actor, userId: string): Promise<{ code: string; expiresAt: number; email: string }> {
    const target = await this.manageable(actor, userId, 'reset the password of');
    if (target.disabledAt !== null) throw new CheomdanError('conflict', `${target.email} is disabled; enable the account first`);
    const now = this.ctx.clock();
    const issued = await this.ctx.store.transaction(async (tx) => {
      for (const t of await tx.tokens.listByUser(target.id)) {
        if (t.revokedAt === null && t.name === RESET_TOKEN_NAME) await tx.tokens.revoke(t.id, now);
      }
      const code = newToken();
      const record: ApiTokenRecord = {
        id: this.ctx.ids('tok'), userId: target.id, name: RESET_TOKEN_NAME, tokenHash: hashToken(code), prefix: code.slice(0, 10),
        createdAt: now, lastUsedAt: null, expiresAt: now + RESET_VALID_MS, revokedAt: null, scopes: [],
      };
      await tx.tokens.create(record);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'user.password_reset_issued', subject: target.id, detail: { email: target.email } });
      return { code, expiresAt: record.expiresAt! };
    });
    return { ...issued, email: target.email };
  }

  /** Sets a new password with a reset code (public: the code is the credential); every login token is revoked. */
  async resetPassword(input: { code: string; password: string }, from: { address?: string } = {}): Promise<void> {
    const keys = from.address ? [{ key: `address:${from.address}`, scale: 4 }] : [];
    this.admit(keys, 'before the next attempt');
    const now = this.ctx.clock();
    const rec = await this.ctx.store.tokens.findByHash(hashToken(input.code));
    const user = rec ? await this.ctx.store.users.get(rec.userId) : undefined;
    if (!rec || rec.name !== RESET_TOKEN_NAME || rec.scopes.length > 0 || rec.revokedAt !== null || (rec.expiresAt ?? 0) <= now || !user || user.disabledAt !== null) {
      this.loginGuard.fail(keys);
      await this.ctx.store.audit.append({ at: now, actorUserId: null, action: 'user.password_reset_failed', subject: from.address ?? 'unknown', detail: {} });
      throw new CheomdanError('unauthenticated', 'the reset code is unknown, used or expired; ask for a new one');
    }
    const hash = await hashPassword(input.password);
    await this.ctx.store.transaction(async (tx) => {
      await tx.users.setPasswordHash(user.id, hash);
      for (const t of await tx.tokens.listByUser(user.id)) {
        if (t.revokedAt === null && (t.id === rec.id || t.name.startsWith(LOGIN_TOKEN_PREFIX))) await tx.tokens.revoke(t.id, now);
      }
      await tx.audit.append({ at: now, actorUserId: user.id, action: 'user.password_reset', subject: user.id, detail: {} });
    });
    this.forgetUser(user.id);
  }

  /** The user `userId` if the actor may manage them: operators anyone; owners the members of their organization. */
  private async manageable(actor: Actor, userId: string, what: string): Promise<UserRecord> {
    const target = (await this.ctx.store.users.get(asUserId(userId))) ?? (await this.ctx.store.users.getByEmail(userId.toLowerCase()));
    const visible = target && (actor.isOperator || (actor.tenantId !== null && target.tenantId === actor.tenantId));
    if (!target || !visible) throw new CheomdanError('not_found', `no user "${userId}"`);
    if (!actor.isOperator && (actor.user.role !== 'owner' || target.role === 'operator')) {
      throw new CheomdanError('forbidden', `only operators and the organization's owners can ${what} a user`);
    }
    return target;
  }

  /** Drops a user's cached authentications (a disable or a revocation takes effect at once). */
  private forgetUser(userId: string): void {
    for (const [hash, c] of this.authCache) if (c.token.userId === userId) this.authCache.delete(hash);
  }

  async whoami(actor: Actor): Promise<{ user: UserRecord; tenant: TenantRecord | null; projects: ProjectRecord[] }> {
    const tenant = actor.tenantId ? await this.ctx.store.tenants.get(asTenantId(actor.tenantId)) : null;
    const projects = actor.tenantId ? await this.ctx.store.projects.listByTenant(asTenantId(actor.tenantId)) : [];
    return { user: actor.user, tenant: tenant ?? null, projects };
  }

  // ---- tenants -------------------------------------------------------------------------------------------

  async createTenant(actor: Actor, input: TenantCreate): Promise<TenantRecord> {
    requireOperator(actor, 'create tenants');
    const now = this.ctx.clock();
    const t: TenantRecord = { id: asTenantId(this.ctx.ids('ten')), ...input, createdAt: now };
    await this.ctx.store.transaction(async (tx) => {
      await tx.tenants.create(t);
      await tx.projects.create(this.defaultProject(t.id, now));
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'tenant.create', subject: t.id, detail: { slug: t.slug } });
    });
    return t;
  }

  async listTenants(actor: Actor): Promise<TenantRecord[]> {
    if (actor.isOperator) return this.ctx.store.tenants.list();
    const own = actor.tenantId ? await this.ctx.store.tenants.get(asTenantId(actor.tenantId)) : undefined;
    return own ? [own] : [];
  }

  /** A tenant by id or slug, as the actor may see it. */
  async resolveTenant(actor: Actor, idOrSlug: string): Promise<TenantRecord> {
    const t = (await this.ctx.store.tenants.get(asTenantId(idOrSlug))) ?? (await this.ctx.store.tenants.getBySlug(idOrSlug));
    if (!t || (!actor.isOperator && t.id !== actor.tenantId)) {
      throw new CheomdanError('not_found', `no tenant "${idOrSlug}"`);
    }
    return t;
  }

  // ---- users ---------------------------------------------------------------------------------------------

  async createUser(actor: Actor, input: UserCreate): Promise<UserRecord> {
    let tenantId: string | null = null;
    if (input.role === 'operator') {
      requireOperator(actor, 'create operators');
      if (input.tenant !== undefined) {
        throw new CheomdanError('validation_failed', 'operators belong to no tenant; leave "tenant" out', {
          errors: [{ path: 'tenant', message: 'must be absent for role operator' }],
        });
      }
    } else {
      if (input.tenant === undefined) {
        if (actor.isOperator) {
          throw new CheomdanError('validation_failed', `a ${input.role} needs a tenant; give "tenant" (id or slug)`, {
            errors: [{ path: 'tenant', message: 'required for owner and member' }],
          });
        }
        tenantId = actor.tenantId;
      } else {
        tenantId = (await this.resolveTenant(actor, input.tenant)).id;
      }
      if (!actor.isOperator && actor.user.role !== 'owner') {
        throw new CheomdanError('forbidden', "only operators and the tenant's owners can add users");
      }
    }
    const now = this.ctx.clock();
    const user: UserRecord = {
      id: asUserId(this.ctx.ids('usr')), email: input.email.toLowerCase(), name: input.name,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      role: input.role, tenantId: tenantId === null ? null : asTenantId(tenantId), createdAt: now, disabledAt: null,
    };
    await this.ctx.store.transaction(async (tx) => {
      await tx.users.create(user);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'user.create', subject: user.id, detail: { email: user.email, role: user.role, tenantId } });
    });
    return user;
  }

  async listUsers(actor: Actor): Promise<UserRecord[]> {
    if (actor.isOperator) return this.ctx.store.users.list();
    return actor.tenantId ? this.ctx.store.users.listByTenant(asTenantId(actor.tenantId)) : [];
  }

  // ---- projects ------------------------------------------------------------------------------------------

  async createProject(actor: Actor, input: ProjectCreate): Promise<ProjectRecord> {
    let tenantId: string;
    if (input.tenant !== undefined) tenantId = (await this.resolveTenant(actor, input.tenant)).id;
    else if (actor.tenantId) tenantId = actor.tenantId;
    else {
      throw new CheomdanError('validation_failed', 'operators must say which tenant the project belongs to', {
        errors: [{ path: 'tenant', message: 'required for operators' }],
      });
    }
    if (!actor.isOperator && actor.user.role !== 'owner') {
      throw new CheomdanError('forbidden', "only operators and the tenant's owners can create projects");
    }
    const now = this.ctx.clock();
    const p: ProjectRecord = {
      id: asProjectId(this.ctx.ids('prj')), tenantId: asTenantId(tenantId), slug: input.slug, name: input.name, description: input.description, createdAt: now,
    };
    await this.ctx.store.projects.create(p);
    this.projectCache.delete(tenantId);
    return p;
  }

  async listProjects(actor: Actor, tenant?: string): Promise<ProjectRecord[]> {
    if (actor.isOperator) {
      if (tenant) return this.ctx.store.projects.listByTenant((await this.resolveTenant(actor, tenant)).id);
      const all: ProjectRecord[] = [];
      for (const t of await this.ctx.store.tenants.list()) all.push(...(await this.ctx.store.projects.listByTenant(asTenantId(t.id))));
      return all;
    }
    return actor.tenantId ? this.ctx.store.projects.listByTenant(asTenantId(actor.tenantId)) : [];
  }

  /**
   * The project a job is charged to: the one named (id or slug, within the actor's tenant), or the tenant's
   * "default" project; operators default to the operations tenant's.
   */
  async resolveProject(actor: Actor, idOrSlug: string | undefined): Promise<ProjectRecord> {
    const { store } = this.ctx;
    let tenantId = actor.tenantId;
    if (tenantId === null) {
      this.operationsTenantId ??= (await store.tenants.getBySlug(OPERATIONS_TENANT))?.id ?? null;
      tenantId = this.operationsTenantId;
    }
    const own = tenantId ? await this.tenantProjects(tenantId) : [];
    if (idOrSlug !== undefined) {
      const mine = own.find((p) => p.id === idOrSlug || p.slug === idOrSlug);
      if (mine) return mine;
      const byId = actor.isOperator ? await store.projects.get(asProjectId(idOrSlug)) : undefined;
      if (byId) return byId;
      throw new CheomdanError('validation_failed', `no project "${idOrSlug}" in your organization; list them with \`cheomdan projects list\``, {
        errors: [{ path: 'project', message: `unknown project "${idOrSlug}"` }],
      });
    }
    const p = own.find((x) => x.slug === DEFAULT_PROJECT) ?? own[0];
    if (!p) {
      throw new CheomdanError('validation_failed', 'your organization has no project; create one with `cheomdan projects create`', {
        errors: [{ path: 'project', message: 'no project to charge the job to' }],
      });
    }
    return p;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /**
   * A tenant's projects, cached for PROJECT_CACHE_MS: every submission resolves its project, and projects
   * change rarely (this process clears the cache when it creates one; another replica's new project is
   * seen within that time).
   */
  private async tenantProjects(tenantId: string): Promise<ProjectRecord[]> {
    const now = this.ctx.clock();
    const hit = this.projectCache.get(tenantId);
    if (hit && hit.until > now) return hit.projects;
    const projects = await this.ctx.store.projects.listByTenant(asTenantId(tenantId));
    this.projectCache.set(tenantId, { projects, until: now + PROJECT_CACHE_MS });
    return projects;
  }

  private defaultProject(tenantId: string, now: number): ProjectRecord {
    return {
      id: asProjectId(this.ctx.ids('prj')), tenantId: asTenantId(tenantId), slug: DEFAULT_PROJECT, name: 'Default project',
      description: 'Created with the organization.', createdAt: now,
    };
  }

  private async issueToken(
    store: Pick<ServiceContext['store'], 'tokens'>,
    userId: ApiTokenRecord['userId'],
    input: { name: string; expiresInDays: number; scopes?: readonly Scope[] },
  ): Promise<IssuedToken> {
    const token = newToken();
    const now = this.ctx.clock();
    const record: ApiTokenRecord = {
      id: this.ctx.ids('tok'), userId, name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, 10),
      createdAt: now, lastUsedAt: null,
      expiresAt: now + input.expiresInDays * 86_400_000, revokedAt: null, scopes: input.scopes ?? SCOPES,
    };
    await store.tokens.create(record);
    return { record, token };
  }
}
