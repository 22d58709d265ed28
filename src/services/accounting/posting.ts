/** Writes a pure posting (core/accounting/ledger.ts) to the store with what it was for. */
import type { Posting } from '../../core/accounting/ledger.ts';
import type { Store } from '../../store/index.ts';
import type { NewLedgerTxn } from '../../store/queries/accounting/index.ts';

export type TxnMeta = Omit<NewLedgerTxn, 'kind' | 'entries' | 'amount'> & { amount?: number };

/**
 * Posts `p` (null: nothing to post) and returns the new transaction id, or null when there was nothing to
 * post or a transaction with the same idemKey exists (a repeat). `amount` defaults to the largest entry.
 */
export async function post(tx: Store, p: Posting | null, meta: TxnMeta): Promise<number | null> {
  if (!p || p.entries.length === 0) return null;
  const amount = meta.amount ?? Math.max(...p.entries.map((e) => e.amount));
  return tx.ledger.post({ ...meta, kind: p.kind, entries: p.entries, amount });
}
