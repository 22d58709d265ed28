/**
 * The ledger: append-only transactions and their entries. Nothing here updates or deletes a ledger row.
 *
 * `postTxn` is idempotent by `idemKey`: a transaction whose key exists already inserts nothing and returns
 * null (`on conflict do nothing`), so a hold or settlement redone after a crash is a no-op. The entries'
 * zero sum is checked by the caller (core/accounting/ledger.ts) and again here before anything is written.
 */
import { sql } from 'kysely';
import { guardWrite } from '../../dbErrors.ts';
import { parseJson, type QueryContext } from '../context.ts';
import { adb, type LedgerFilter, type LedgerTxnRecord, type NewLedgerTxn } from './records.ts';

export async function postTxn(ctx: QueryContext, t: NewLedgerTxn): Promise<number | null> {
  const sum = t.entries.reduce((s, e) => s + e.amount, 0);
  if (sum !== 0 || t.entries.length === 0) throw new Error(`ledger: a ${t.kind} transaction must have entries summing to 0 (got ${sum})`);
  const row = {
    idem_key: t.idemKey ?? null, kind: t.kind, at: t.at, allocation_id: t.allocationId ?? null, program_id: t.programId ?? null,
    tenant_id: t.tenantId ?? null, project_id: t.projectId ?? null, job_id: t.jobId ?? null, attempt: t.attempt ?? null,
    accelerator_type: t.acceleratorType ?? null, amount: t.amount, device_ms: t.deviceMs ?? 0, cpu_ms: t.cpuMs ?? 0,
    rate_ids: JSON.stringify(t.rateIds ?? []), actor_user_id: t.actorUserId ?? null, memo: t.memo ?? '',
  };
  const inserted = await guardWrite(() => adb(ctx).insertInto('ledger_transactions').values(row)
    .onConflict((oc) => oc.column('idem_key').doNothing()).returning('id').executeTakeFirst());
  if (!inserted) return null;
  const id = Number(inserted.id);
  await adb(ctx).insertInto('ledger_entries').values(t.entries.map((e) => ({ txn_id: id, account: e.account, amount: e.amount }))).execute();
  return id;
}

export async function getTxnByKey(ctx: QueryContext, idemKey: string): Promise<LedgerTxnRecord | undefined> {
  const r = await adb(ctx).selectFrom('ledger_transactions').selectAll().where('idem_key', '=', idemKey).executeTakeFirst();
  if (!r) return undefined;
  return (await withEntries(ctx, [r]))[0];
}

type TxnRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];
const baseQuery = (ctx: QueryContext) => adb(ctx).selectFrom('ledger_transactions').selectAll();

async function withEntries(ctx: QueryContext, rows: TxnRow[]): Promise<LedgerTxnRecord[]> {
  const ids = rows.map((r) => Number(r.id));
  const entries = new Map<number, { account: string; amount: number }[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const es = await adb(ctx).selectFrom('ledger_entries').selectAll().where('txn_id', 'in', chunk).orderBy('txn_id').orderBy('account').execute();
    for (const e of es) {
      const list = entries.get(Number(e.txn_id)) ?? [];
      list.push({ account: e.account, amount: Number(e.amount) });
      entries.set(Number(e.txn_id), list);
    }
  }
  return rows.map((r) => ({
    id: Number(r.id), idemKey: r.idem_key, kind: r.kind, at: Number(r.at), allocationId: r.allocation_id, programId: r.program_id,
    tenantId: r.tenant_id, projectId: r.project_id, jobId: r.job_id, attempt: r.attempt === null ? null : Number(r.attempt),
    acceleratorType: r.accelerator_type, amount: Number(r.amount), deviceMs: Number(r.device_ms), cpuMs: Number(r.cpu_ms),
    rateIds: parseJson(r.rate_ids, 'ledger_transactions.rate_ids'), actorUserId: r.actor_user_id, memo: r.memo,
    entries: entries.get(Number(r.id)) ?? [],
  }));
}

/** Transactions in id order (append order), filtered; with their entries. */
export async function listTxns(ctx: QueryContext, f: LedgerFilter = {}): Promise<LedgerTxnRecord[]> {
  let q = baseQuery(ctx);
  if (f.allocationId !== undefined) q = q.where('allocation_id', '=', f.allocationId);
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.programId !== undefined) q = q.where('program_id', '=', f.programId);
  if (f.jobId !== undefined) q = q.where('job_id', '=', f.jobId);
  if (f.kinds !== undefined) q = q.where('kind', 'in', f.kinds.length > 0 ? [...f.kinds] : ['']);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  q = q.orderBy('id');
  if (f.limit !== undefined) q = q.limit(f.limit);
  return withEntries(ctx, await q.execute());
}

/** Balance of one account: the sum of its entries. */
export async function accountBalance(ctx: QueryContext, account: string): Promise<number> {
  const r = await adb(ctx).selectFrom('ledger_entries').select(sql<string>`coalesce(sum(amount), 0)`.as('s')).where('account', '=', account).executeTakeFirst();
  return Number(r?.s ?? 0);
}

/** Balances of every account starting with `prefix` (e.g. "allocation:"), or of all accounts. */
export async function balancesByPrefix(ctx: QueryContext, prefix = ''): Promise<Map<string, number>> {
  let q = adb(ctx).selectFrom('ledger_entries').select(['account', sql<string>`sum(amount)`.as('s')]).groupBy('account');
  if (prefix) q = q.where(sql<boolean>`substr(account, 1, ${prefix.length}) = ${prefix}`);
  const out = new Map<string, number>();
  for (const r of await q.execute()) out.set(r.account, Number(r.s));
  return out;
}

/** Balances of the given accounts (missing ones are absent from the map); uses the account index. */
export async function balancesOf(ctx: QueryContext, accounts: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < accounts.length; i += 500) {
    const chunk = accounts.slice(i, i + 500);
    const rows = await adb(ctx).selectFrom('ledger_entries').select(['account', sql<string>`sum(amount)`.as('s')]).where('account', 'in', chunk).groupBy('account').execute();
    for (const r of rows) out.set(r.account, Number(r.s));
  }
  return out;
}

/** Settled device-milliseconds per tenant, project and day (UTC) since `from`: fair share's input. */
export async function settledByDay(ctx: QueryContext, from: number): Promise<{ tenantId: string | null; projectId: string | null; day: number; deviceMs: number }[]> {
  const day = sql<number>`(at - (at % 86400000)) / 86400000`;
  const rows = await adb(ctx).selectFrom('ledger_transactions')
    .select(['tenant_id', 'project_id', day.as('day'), sql<string>`sum(device_ms)`.as('ms')])
    .where('kind', '=', 'settle').where('at', '>=', from)
    .groupBy(['tenant_id', 'project_id', day]).execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, projectId: r.project_id, day: Number(r.day), deviceMs: Number(r.ms) }));
}
