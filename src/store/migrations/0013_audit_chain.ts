/**
 * 0013: a tamper-evident audit log (issue 15). Each record carries the hash of the one before it and its
 * own: SHA-256 over the previous hash and the record's stored fields (core/auditChain.ts). Existing records
 * are chained here, in id order. Changing, removing or inserting a record breaks the chain from there on,
 * which `cheomdan audit verify` (GET /v1/audit/verify) finds and names.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Migration } from './types.ts';
import { AUDIT_GENESIS, auditHash } from '../../core/auditChain.ts';

export const migration0013: Migration = {
  version: 13,
  name: 'audit_chain',
  async up({ db }) {
    await db.schema.alterTable('audit_log').addColumn('prev_hash', 'text').execute();
    await db.schema.alterTable('audit_log').addColumn('hash', 'text').execute();
    await chainExisting(db);
  },
};

/** Chains the records already in the log, in id order (what the migration does to an existing log). */
export async function chainExisting(db: Kysely<Database>): Promise<number> {
  let prev = AUDIT_GENESIS;
  let n = 0;
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').select(['id', 'at', 'actor_user_id', 'action', 'subject', 'detail']).where('id', '>', after).orderBy('id').limit(1000).execute();
    for (const r of rows) {
      const hash = auditHash(prev, { at: Number(r.at), actorUserId: r.actor_user_id, action: r.action, subject: r.subject, detail: r.detail });
      await db.updateTable('audit_log').set({ prev_hash: prev, hash }).where('id', '=', r.id).execute();
      prev = hash;
      after = Number(r.id);
      n++;
    }
    if (rows.length < 1000) break;
  }
  return n;
}
