/** Tenants (organizations), projects, users, tokens: the identity part of the contract. */
import { SCOPES } from '../core/scopes.ts';
import { Scope } from './scopes.ts';
import { z } from 'zod';
import { Slug, Timestamp } from './common.ts';

export const TENANT_KINDS = ['startup', 'enterprise', 'university', 'research_institute', 'public'] as const;
export const SECTORS = ['healthcare', 'automotive', 'energy', 'other'] as const;
export const USER_ROLES = ['operator', 'owner', 'member'] as const;

export const TenantKind = z.enum(TENANT_KINDS);
export const Sector = z.enum(SECTORS);
export const UserRole = z.enum(USER_ROLES).describe('operator: data-center staff; owner/member: of a tenant');

export const Tenant = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), kind: TenantKind, sector: Sector, createdAt: Timestamp })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof Tenant>;

export const TenantCreate = z
  .object({
    slug: Slug,
    name: z.string().min(1).max(200),
    kind: TenantKind,
    sector: Sector.default('other'),
  })
  .strict();
export type TenantCreate = z.infer<typeof TenantCreate>;

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: UserRole,
    tenant: z.string().nullable().describe('Tenant id; null for operators'),
    createdAt: Timestamp,
    disabledAt: Timestamp.nullable().describe('Set when the account is disabled: it cannot log in and its tokens are revoked'),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const Password = z.string().min(10, 'use at least 10 characters').max(200);

export const UserCreate = z
  .object({
    email: z.email(),
    name: z.string().min(1).max(200),
    role: UserRole,
    tenant: z.string().optional().describe('Tenant id or slug; required for owner and member, absent for operator'),
    password: Password.optional(),
  })
  .strict();
export type UserCreate = z.infer<typeof UserCreate>;

export const Project = z
  .object({
    id: z.string(),
    tenant: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Project' });
export type Project = z.infer<typeof Project>;

export const ProjectCreate = z
  .object({
    slug: Slug,
    name: z.string().min(1).max(200),
    description: z.string().max(4000).default(''),
    tenant: z.string().optional().describe('Tenant id or slug; operators must give it, tenant users default to their own'),
  })
  .strict();
export type ProjectCreate = z.infer<typeof ProjectCreate>;

export const PasswordChange = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: Password,
}).strict();

export const PasswordResetIssued = z.object({
  code: z.string().describe('One-time; shown once. The user sets a password with it (POST /v1/auth/reset, or the portal\'s link)'),
  email: z.string(),
  expiresAt: Timestamp,
  link: z.string().describe('The portal page that takes the code, relative to the server\'s URL'),
});

export const PasswordReset = z.object({
  code: z.string().min(10).max(200),
  password: Password,
}).strict();

export const LoginRequest = z.object({ email: z.email(), password: z.string().min(1) }).strict();
export const TokenCreate = z
  .object({
    name: z.string().min(1).max(100).describe('A label: where the token is used (e.g. "laptop", "CI")'),
    expiresInDays: z.number().int().min(1).max(3650).optional().describe('Days until it expires (default 90; at most the server\'s maximum, 365 unless configured)'),
    scopes: z.array(Scope).min(1).max(SCOPES.length).optional().describe('What it may do (default: the scopes of the token making it); never more than that token\'s'),
  })
  .strict();

export const ApiToken = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('First characters of the token, to recognise it'),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    expiresAt: Timestamp.nullable(),
    scopes: z.array(Scope),
  })
  .meta({ id: 'ApiToken' });

export const IssuedToken = ApiToken.extend({
  token: z.string().describe('The secret; shown once, stored only as a hash'),
});

export const Whoami = z.object({
  user: User,
  tenant: Tenant.nullable(),
  projects: z.array(Project),
});
export type Whoami = z.infer<typeof Whoami>;
