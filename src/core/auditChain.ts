/**
 * The audit log's hash chain (pure): a record's hash is SHA-256 over the previous record's hash and its own
 * stored fields (the detail exactly as stored, so nothing depends on how JSON is re-serialised). The first
 * record's previous hash is AUDIT_GENESIS. `verifyChain` walks records in id order and names the first one
 * whose previous hash or own hash does not hold.
 */
import { createHash } from 'node:crypto';

export const AUDIT_GENESIS = '0'.repeat(64);

export interface ChainedFields {
  at: number;
  actorUserId: string | null;
  action: string;
  subject: string;
  /** As stored (JSON text). */
  detail: string;
}

export function auditHash(prev: string, r: ChainedFields): string {
  return createHash('sha256').update(JSON.stringify([prev, r.at, r.actorUserId, r.action, r.subject, r.detail])).digest('hex');
}

export interface ChainedRecord extends ChainedFields {
  id: number;
  prevHash: string | null;
  hash: string | null;
}

export type ChainBreak = { id: number; reason: string };

/** Checks records (in id order, continuing from `prev`); returns the first break, or the last hash. */
export function verifyChain(records: readonly ChainedRecord[], prev: string): { ok: true; last: string } | { ok: false; broken: ChainBreak } {
  let expected = prev;
  for (const r of records) {
    if (r.prevHash === null || r.hash === null) return { ok: false, broken: { id: r.id, reason: 'the record carries no hash (written outside Cheomdan?)' } };
    if (r.prevHash !== expected) {
      return { ok: false, broken: { id: r.id, reason: 'its previous-record hash does not match the record before it: a record before it was removed, changed or inserted' } };
    }
    if (auditHash(r.prevHash, r) !== r.hash) return { ok: false, broken: { id: r.id, reason: 'its content does not match its hash: the record was changed' } };
    expected = r.hash;
  }
  return { ok: true, last: expected };
}
