/**
 * Quotas, Kueue-style: per organization (tenant), optionally per project, on one accelerator type or a type
 * group (core/accelerators.ts TYPE_GROUPS), a guaranteed number of devices, a borrowing limit and a lending
 * limit, in a cohort of quotas that lend to each other.
 *
 *   - A tenant may always use its guarantee. Beyond it, it borrows, up to its borrowing limit.
 *   - In a cohort, borrowing comes from the other members' idle guarantee, each lending at most its lending
 *     limit: the cohort's borrowed devices never exceed what its members lend. Without a cohort, a quota
 *     borrows any idle capacity (the borrowing limit is its only bound).
 *   - A project quota is a cap inside its organization's (guaranteed + borrowing); it lends nothing.
 *   - A (tenant, type) with no quota entry is unmanaged: no limit, no guarantee.
 * Borrowed capacity is reclaimed by preemption (preemption.ts) when a member within its guarantee has a job
 * that does not fit: only from borrowers of its own cohort (any borrower when it has none).
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { QuotaSnapshot } from './types.ts';

/** Whose use a check is about: a job's organization and project. */
export interface QuotaSubject {
  readonly tenant: string;
  readonly project?: string | undefined;
  /** A pending job's id: what it holds already (`preempting`) is not counted against itself. */
  readonly id?: string | undefined;
}

/** A pending job whose victims are stopping: its use counts from now on (scheduler/types.ts `preempting`). */
export interface QuotaReservation extends QuotaSubject {
  readonly id: string;
  readonly request: { readonly tasks: number; readonly devicesPerTask: number; readonly acceleratorTypes: readonly AcceleratorTypeId[] };
}

/** Why a quota holds a job: which quota, what it has, and what it lacks (explain.ts words it). */
export interface QuotaBlock {
  scope: 'organization' | 'project';
  owner: string;
  label: string;
  used: number;
  guaranteed: number;
  borrowLimit: number;
  need: number;
  /** Set when the borrowing limit is not the bound but the cohort's idle, lendable capacity is. */
  cohort?: { name: string; lendable: number } | undefined;
}

interface Entry {
  readonly q: QuotaSnapshot;
  readonly label: string;
  used: number;
  /** The cohort's members on the same types (this one included); undefined without a cohort. */
  pool: Entry[] | undefined;
}

/** owner (tenant or project) → type → entry: nested maps, so a lookup builds no key string (a cycle looks up once per running job). */
type Scoped = Map<string, Map<string, Entry>>;
const lookup = (m: Scoped, owner: string, type: string): Entry | undefined => m.get(owner)?.get(type);
const put = (m: Scoped, owner: string, type: string, e: Entry) => {
  let byType = m.get(owner);
  if (!byType) m.set(owner, (byType = new Map()));
  byType.set(type, e);
};
const typesOf = (q: QuotaSnapshot): readonly AcceleratorTypeId[] => q.acceleratorTypes ?? [q.acceleratorType];
const lendLimit = (e: Entry) => e.q.lendLimitDevices ?? e.q.guaranteedDevices;
const lendable = (e: Entry) => Math.min(lendLimit(e), Math.max(0, e.q.guaranteedDevices - e.used));
const borrowedBy = (e: Entry) => Math.max(0, e.used - e.q.guaranteedDevices);

export class QuotaLedger {
  private readonly byTenant: Scoped = new Map();
  private readonly byProject: Scoped = new Map();
  private readonly reserved = new Map<string, { type: AcceleratorTypeId; n: number }>();
  readonly active: boolean;

  constructor(
    quotas: readonly QuotaSnapshot[] | undefined,
    running: readonly { tenant: string; project?: string; acceleratorType: AcceleratorTypeId | null; request: { tasks: number; devicesPerTask: number } }[],
    reserving: readonly QuotaReservation[] = [],
  ) {
    const pools = new Map<string, Entry[]>();
    for (const q of quotas ?? []) {
      const label = q.label ?? q.acceleratorType;
      const e: Entry = { q, label, used: 0, pool: undefined };
      const scoped = q.project !== undefined ? this.byProject : this.byTenant;
      for (const t of typesOf(q)) put(scoped, q.project ?? q.tenant, t, e);
      if (q.cohort !== undefined && q.project === undefined) {
        const k = `${q.cohort}\u0000${label}`;
        const pool = pools.get(k) ?? [];
        pool.push(e);
        pools.set(k, pool);
        e.pool = pool;
      }
    }
    this.active = this.byTenant.size + this.byProject.size > 0;
    if (!this.active) return;
    for (const r of running) this.add(r, r.acceleratorType, r.request.tasks * r.request.devicesPerTask);
    for (const p of reserving) {
      const type = p.request.acceleratorTypes[0];
      const n = p.request.tasks * p.request.devicesPerTask;
      if (type === undefined || n === 0) continue;
      this.add({ tenant: p.tenant, project: p.project }, type, n);
      this.reserved.set(p.id, { type, n });
    }
  }

  /** Devices of `type` the subject holds already as a reservation (and so does not ask for again). */
  private held(who: QuotaSubject, type: AcceleratorTypeId): number {
    const r = who.id === undefined || this.reserved.size === 0 ? undefined : this.reserved.get(who.id);
    return r && r.type === type ? r.n : 0;
  }

  /** The organization's quota on a type, if any. */
  quota(tenant: string, type: AcceleratorTypeId | null): QuotaSnapshot | undefined {
    return this.entry(tenant, type)?.q;
  }

  usedBy(tenant: string, type: AcceleratorTypeId | null): number {
    return this.entry(tenant, type)?.used ?? 0;
  }

  /** May the subject take `n` more devices of the type? */
  allows(who: QuotaSubject, type: AcceleratorTypeId | null, n: number): boolean {
    return !this.active || this.blocked(who, type, n) === null;
  }

  /** The quota that holds `n` more devices of the type back, or null when they are allowed. */
  blocked(who: QuotaSubject, type: AcceleratorTypeId | null, n: number): QuotaBlock | null {
    if (!this.active || type === null || n === 0) return null;
    n -= this.held(who, type);
    if (n <= 0) return null;
    const p = who.project !== undefined && this.byProject.size > 0 ? lookup(this.byProject, who.project, type) : undefined;
    if (p && p.used + n > p.q.guaranteedDevices + p.q.borrowLimitDevices) return block('project', who.project!, p, n);
    const e = this.entry(who.tenant, type);
    if (!e) return null;
    const after = e.used + n;
    if (after <= e.q.guaranteedDevices) return null;
    if (after > e.q.guaranteedDevices + e.q.borrowLimitDevices) return block('organization', who.tenant, e, n);
    if (e.pool) {
      // What the other members lend, less what the others already borrow, must cover the new borrowing.
      let free = 0;
      for (const m of e.pool) if (m !== e) free += lendable(m) - borrowedBy(m);
      if (after - e.q.guaranteedDevices > free) return { ...block('organization', who.tenant, e, n), cohort: { name: e.q.cohort!, lendable: Math.max(0, free - borrowedBy(e)) } };
    }
    return null;
  }

  /** Would `n` more devices keep the organization within its guarantee (so it may reclaim)? */
  withinGuarantee(who: QuotaSubject, type: AcceleratorTypeId | null, n: number): boolean {
    const e = this.entry(who.tenant, type);
    return !!e && e.used - this.held(who, type!) + n <= e.q.guaranteedDevices;
  }

  /** Devices the organization uses above its guarantee (borrowed). */
  borrowed(tenant: string, type: AcceleratorTypeId | null): number {
    const e = this.entry(tenant, type);
    return e ? borrowedBy(e) : 0;
  }

  /**
   * May `owner` reclaim what `borrower` borrowed on this type? Within a cohort only from its members;
   * an owner without a cohort, from any borrower.
   */
  mayReclaimFrom(owner: string, borrower: string, type: AcceleratorTypeId | null): boolean {
    const o = this.entry(owner, type);
    const b = this.entry(borrower, type);
    if (!o || !b || borrowedBy(b) === 0) return false;
    return o.pool === undefined || o.pool.includes(b);
  }

  /** The subject takes `n` devices (a job started; negative: stopped). A reservation it held becomes this use. */
  add(who: QuotaSubject, type: AcceleratorTypeId | null, n: number): void {
    if (!this.active || n === 0 || type === null) return;
    const r = who.id === undefined || this.reserved.size === 0 ? undefined : this.reserved.get(who.id);
    if (r && n > 0) {
      this.reserved.delete(who.id!);
      this.add({ tenant: who.tenant, project: who.project }, r.type, -r.n);
    }
    const e = this.entry(who.tenant, type);
    if (e) e.used += n;
    const p = who.project !== undefined && this.byProject.size > 0 ? lookup(this.byProject, who.project, type) : undefined;
    if (p) p.used += n;
  }

  remove(who: QuotaSubject, type: AcceleratorTypeId | null, n: number): void {
    this.add(who, type, -n);
  }

  private entry(tenant: string, type: AcceleratorTypeId | null): Entry | undefined {
    return !this.active || type === null ? undefined : lookup(this.byTenant, tenant, type);
  }
}

function block(scope: QuotaBlock['scope'], owner: string, e: Entry, need: number): QuotaBlock {
  return { scope, owner, label: e.label, used: e.used, guaranteed: e.q.guaranteedDevices, borrowLimit: e.q.borrowLimitDevices, need };
}
