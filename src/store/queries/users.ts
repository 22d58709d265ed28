/** Users: operators (no tenant), tenant owners and members. Emails are unique across the platform. */
import type { Selectable } from 'kysely';
import type { TenantId, UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { NewUser, UserRecord, UserRole } from '../records.ts';
import type { UsersTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toRecord = (r: Selectable<UsersTable>): UserRecord => ({
  id: r.id as UserId,
  email: r.email,
  name: r.name,
  passwordHash: r.password_hash,
  role: r.role as UserRole,
  tenantId: r.tenant_id as TenantId | null,
  createdAt: Number(r.created_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
});

export async function createUser(ctx: QueryContext, u: NewUser): Promise<UserRecord> {
  const row = {
    id: u.id,
    email: u.email,
    name: u.name,
    password_hash: u.passwordHash ?? null,
    role: u.role,
    tenant_id: u.tenantId ?? null,
    created_at: u.createdAt ?? ctx.clock(),
    disabled_at: u.disabledAt ?? null,
  };
  await guardWrite(() => ctx.db.insertInto('users').values(row).execute());
  return toRecord(row);
}

export async function getUser(ctx: QueryContext, id: UserId): Promise<UserRecord | undefined> {
  const r = await ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

/** Emails are compared exactly; callers normalise (lower-case) before storing and looking up. */
export async function getUserByEmail(ctx: QueryContext, email: string): Promise<UserRecord | undefined> {
  const r = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return r && toRecord(r);
}

export async function listUsers(ctx: QueryContext): Promise<UserRecord[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('email').execute();
  return rows.map(toRecord);
}

export async function listUsersByTenant(ctx: QueryContext, tenantId: TenantId): Promise<UserRecord[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('email').execute();
  return rows.map(toRecord);
}

/** Sets or clears `disabledAt`; returns false when there is no such user. */
export async function setUserDisabled(ctx: QueryContext, id: UserId, disabledAt: number | null): Promise<boolean> {
  const r = await ctx.db.updateTable('users').set({ disabled_at: disabledAt }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Replaces the password hash; returns false when there is no such user. */
export async function setUserPasswordHash(ctx: QueryContext, id: UserId, passwordHash: string | null): Promise<boolean> {
  const r = await ctx.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
