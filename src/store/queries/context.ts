/**
 * What every query function receives (graphile-worker style: one operation per function, dependencies
 * passed in): the Kysely handle (the root database or a transaction), the dialect for the few places the
 * SQL differs, and the clock for default timestamps.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../migrations/types.ts';
import type { Database } from '../schema.ts';

export interface QueryContext {
  db: Kysely<Database>;
  dialect: StoreDialect;
  clock: () => number;
}

/** Number of rows a write touched (Kysely reports bigint). */
export const affected = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint; numInsertedOrUpdatedRows?: bigint }): number =>
  Number(r.numUpdatedRows ?? r.numDeletedRows ?? r.numInsertedOrUpdatedRows ?? 0n);

/** Parses a JSON text column; a corrupt value is a bug worth a loud error naming the column. */
export function parseJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`store: column ${column} holds invalid JSON: ${text.slice(0, 80)}`, { cause: e });
  }
}

/** Runs fn in a transaction, or directly when ctx.db already is one (Kysely has no nested transactions). */
export async function inTransaction<T>(ctx: QueryContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx.db);
  return ctx.db.transaction().execute((trx) => fn(trx));
}
