/**
 * The ledger, as pure functions: double-entry transactions over named accounts, and balances derived by
 * summing entries. Nothing here does I/O; the store persists what these functions build.
 *
 * Accounts (each a string; amounts in mSU, positive = the account holds that much):
 *   center:issued                 where SUs come from: negative by everything the center ever issued
 *   program:<id>:budget           a program's budget not yet committed to allocations
 *   allocation:<id>:committed     awarded but not yet released (later tranches)
 *   allocation:<id>:available     released and spendable
 *   allocation:<id>:held          held for running jobs (time limit × rate)
 *   allocation:<id>:spent         charged for usage (settled)
 *   allocation:<id>:expired       left unspent when the allocation expired
 *
 * Invariants (property-tested in ledger.test.ts):
 *   - every transaction's entries sum to zero, so the sum over all accounts is always zero: no SU is
 *     created or lost, only moved;
 *   - a balance is the sum of its account's entries (there is no stored balance to drift);
 *   - holds, settlements and releases only move SUs between an allocation's own accounts;
 *     settle + release of an attempt empty exactly what its hold put in `held`.
 *
 * Transaction kinds: budget (center → program), award (program|center → committed), tranche
 * (committed → available), hold (available → held), settle (held [+ available for an overrun] → spent;
 * storage: available → spent, once a month),
 * release (held → available), adjustment (center ↔ available, by an operator with a reason),
 * expiry (available + committed → expired).
 */
import type { MilliSu } from './units.ts';

export const LEDGER_KINDS = ['budget', 'award', 'tranche', 'hold', 'settle', 'release', 'adjustment', 'expiry'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface Entry {
  account: string;
  amount: MilliSu;
}

export interface Posting {
  kind: LedgerKind;
  entries: Entry[];
}

export const CENTER_ISSUED = 'center:issued';
export const programBudget = (programId: string) => `program:${programId}:budget`;
export type AllocationBucket = 'committed' | 'available' | 'held' | 'spent' | 'expired';
export const allocationAccount = (allocationId: string, bucket: AllocationBucket) => `allocation:${allocationId}:${bucket}`;

/** Throws unless the posting is well-formed: integer amounts, no zero entries, summing to zero. */
export function checkPosting(p: Posting): void {
  let sum = 0;
  for (const e of p.entries) {
    if (!Number.isSafeInteger(e.amount)) throw new Error(`ledger: ${p.kind} entry on ${e.account} is not an integer mSU amount: ${e.amount}`);
    if (e.amount === 0) throw new Error(`ledger: ${p.kind} has a zero entry on ${e.account}`);
    sum += e.amount;
  }
  if (sum !== 0) throw new Error(`ledger: ${p.kind} entries sum to ${sum}, not 0`);
}

/** Moves `amount` from one account to another as two entries (nothing when the amount is 0). */
function move(from: string, to: string, amount: MilliSu): Entry[] {
  if (amount === 0) return [];
  return [{ account: from, amount: -amount }, { account: to, amount }];
}

const posting = (kind: LedgerKind, entries: Entry[]): Posting => {
  const p = { kind, entries };
  checkPosting(p);
  return p;
};

/** An operator funds a program's budget. */
export const fundProgram = (programId: string, amount: MilliSu) =>
  posting('budget', move(CENTER_ISSUED, programBudget(programId), amount));

/** An award commits SUs to an allocation, from its program's budget (or from the center for a direct grant). */
export const award = (allocationId: string, programId: string | null, amount: MilliSu) =>
  posting('award', move(programId ? programBudget(programId) : CENTER_ISSUED, allocationAccount(allocationId, 'committed'), amount));

/** A tranche makes committed SUs spendable. */
export const releaseTranche = (allocationId: string, amount: MilliSu) =>
  posting('tranche', move(allocationAccount(allocationId, 'committed'), allocationAccount(allocationId, 'available'), amount));

/** A job start holds its worst-case cost. */
export const hold = (allocationId: string, amount: MilliSu) =>
  posting('hold', move(allocationAccount(allocationId, 'available'), allocationAccount(allocationId, 'held'), amount));

/**
 * A job end: charge `charge` against the hold `held`. Up to the hold it comes from `held`; an overrun (a
 * rate raised mid-run, or a job that outlived its limit by the executor's grace) comes from `available`,
 * which may then go negative: usage that happened is always charged.
 * Returns the settle posting and the release posting (the unused part of the hold, or null).
 */
export function settle(allocationId: string, held: MilliSu, charge: MilliSu): { settle: Posting | null; release: Posting | null } {
  if (held < 0 || charge < 0) throw new Error(`ledger: settle of ${charge} against hold ${held}`);
  const fromHeld = Math.min(held, charge);
  const overrun = charge - fromHeld;
  const entries = [
    ...move(allocationAccount(allocationId, 'held'), allocationAccount(allocationId, 'spent'), fromHeld),
    ...move(allocationAccount(allocationId, 'available'), allocationAccount(allocationId, 'spent'), overrun),
  ];
  const rest = held - fromHeld;
  return {
    settle: entries.length > 0 ? posting('settle', mergeEntries(entries)) : null,
    release: rest > 0 ? posting('release', move(allocationAccount(allocationId, 'held'), allocationAccount(allocationId, 'available'), rest)) : null,
  };
}

/** Storage held for a month (or part of one): charged straight from `available`, like an overrun. */
export const chargeStorage = (allocationId: string, amount: MilliSu) =>
  amount > 0 ? posting('settle', move(allocationAccount(allocationId, 'available'), allocationAccount(allocationId, 'spent'), amount)) : null;

/** An operator's correction: positive adds SUs to the allocation, negative takes them back. */
export const adjust = (allocationId: string, amount: MilliSu) =>
  posting('adjustment', amount >= 0
    ? move(CENTER_ISSUED, allocationAccount(allocationId, 'available'), amount)
    : move(allocationAccount(allocationId, 'available'), CENTER_ISSUED, -amount));

/**
 * Expiry: what is left available or committed goes to `expired` (never back to the program). Returns null
 * when nothing is left. A negative available balance (an overrun) stays as it is.
 */
export function expire(allocationId: string, available: MilliSu, committed: MilliSu): Posting | null {
  const entries = [
    ...move(allocationAccount(allocationId, 'available'), allocationAccount(allocationId, 'expired'), Math.max(0, available)),
    ...move(allocationAccount(allocationId, 'committed'), allocationAccount(allocationId, 'expired'), Math.max(0, committed)),
  ];
  return entries.length > 0 ? posting('expiry', mergeEntries(entries)) : null;
}

/** Sums entries on the same account (a posting stores one entry per account). */
function mergeEntries(entries: Entry[]): Entry[] {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.account, (m.get(e.account) ?? 0) + e.amount);
  return [...m].filter(([, a]) => a !== 0).map(([account, amount]) => ({ account, amount }));
}

/** Balances of every account touched by these entries. */
export function balances(entries: Iterable<Entry>): Map<string, MilliSu> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.account, (m.get(e.account) ?? 0) + e.amount);
  return m;
}

/** An allocation's balances, from the balances of its accounts (missing accounts are 0). */
export interface AllocationBalance {
  committed: MilliSu;
  available: MilliSu;
  held: MilliSu;
  spent: MilliSu;
  expired: MilliSu;
}

export function allocationBalance(allocationId: string, b: ReadonlyMap<string, MilliSu>): AllocationBalance {
  const get = (bucket: AllocationBucket) => b.get(allocationAccount(allocationId, bucket)) ?? 0;
  return { committed: get('committed'), available: get('available'), held: get('held'), spent: get('spent'), expired: get('expired') };
}

/** Every account of these allocations (for an indexed balance lookup). */
export const allocationAccounts = (ids: readonly string[]): string[] =>
  ids.flatMap((id) => (['committed', 'available', 'held', 'spent', 'expired'] as const).map((b) => allocationAccount(id, b)));

/** Parses `allocation:<id>:<bucket>` (null for other accounts). */
export function parseAllocationAccount(account: string): { allocationId: string; bucket: AllocationBucket } | null {
  const m = /^allocation:(.+):(committed|available|held|spent|expired)$/.exec(account);
  return m ? { allocationId: m[1]!, bucket: m[2] as AllocationBucket } : null;
}
