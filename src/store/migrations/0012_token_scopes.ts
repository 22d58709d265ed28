/**
 * 0012: scoped, expiring API tokens (issue 15). A token has scopes (comma-separated, from contract/scopes.ts);
 * tokens made before this migration keep every scope. A token without an expiry is given one 90 days from
 * the migration (tokens never live for ever any more; the first-start operator token included).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Migration } from './types.ts';

export const ALL_SCOPES_TEXT = 'read,jobs,data,sessions,testbed,admin';

export const migration0012: Migration = {
  version: 12,
  name: 'token_scopes',
  async up({ db }) {
    await db.schema.alterTable('api_tokens').addColumn('scopes', 'text', (c) => c.notNull().defaultTo(ALL_SCOPES_TEXT)).execute();
    await expireEternalTokens(db, Date.now());
  },
};

/** Gives every token without an expiry one 90 days from `now`; returns how many. */
export async function expireEternalTokens(db: Kysely<Database>, now: number): Promise<number> {
  const r = await sql`UPDATE api_tokens SET expires_at = ${now + 90 * 86_400_000} WHERE expires_at IS NULL`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
