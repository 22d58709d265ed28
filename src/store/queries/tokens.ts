/**
 * API tokens. Only a hash of the secret is stored; `findByHash` returns revoked and expired tokens too, so
 * the caller can tell "revoked" from "unknown" — checking `revokedAt`/`expiresAt` is the caller's job.
 */
import type { Selectable } from 'kysely';
import type { Scope } from '../../core/scopes.ts';
import type { UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { ApiTokenRecord, NewApiToken } from '../records.ts';
import type { ApiTokensTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

const toRecord = (r: Selectable<ApiTokensTable>): ApiTokenRecord => ({
  id: r.id,
  userId: r.user_id as UserId,
  name: r.name,
  tokenHash: r.token_hash,
  prefix: r.prefix,
  createdAt: Number(r.created_at),
  lastUsedAt: num(r.last_used_at),
  expiresAt: num(r.expires_at),
  revokedAt: num(r.revoked_at),
  scopes: r.scopes.split(',').filter(Boolean) as Scope[],
});

export async function createToken(ctx: QueryContext, t: NewApiToken): Promise<ApiTokenRecord> {
  const row = {
    id: t.id,
    user_id: t.userId,
    name: t.name,
    token_hash: t.tokenHash,
    prefix: t.prefix,
    created_at: t.createdAt ?? ctx.clock(),
    last_used_at: null,
    expires_at: t.expiresAt ?? null,
    revoked_at: null,
    scopes: t.scopes.join(','),
  };
  await guardWrite(() => ctx.db.insertInto('api_tokens').values(row).execute());
  return toRecord(row);
}

export async function findTokenByHash(ctx: QueryContext, tokenHash: string): Promise<ApiTokenRecord | undefined> {
  const r = await ctx.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return r && toRecord(r);
}

/** Records a use (default: now); returns false when there is no such token. */
export async function touchToken(ctx: QueryContext, id: string, at?: number): Promise<boolean> {
  const r = await ctx.db.updateTable('api_tokens').set({ last_used_at: at ?? ctx.clock() }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes a token once; returns false when there is no such token or it was already revoked. */
export async function revokeToken(ctx: QueryContext, id: string, at?: number): Promise<boolean> {
  const r = await ctx.db
    .updateTable('api_tokens').set({ revoked_at: at ?? ctx.clock() })
    .where('id', '=', id).where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listTokensByUser(ctx: QueryContext, userId: UserId): Promise<ApiTokenRecord[]> {
  const rows = await ctx.db
    .selectFrom('api_tokens').selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at').orderBy('id')
    .execute();
  return rows.map(toRecord);
}
