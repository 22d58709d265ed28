/**
 * Allocations, rates, the ledger view, outputs and progress reports.
 *
 * An allocation's state: `active` ⇄ `suspended` (an operator, with a reason) → `expired` (its end passed and
 * no job holds SUs, or an operator reclaimed it). `exhausted` and `not_started` are derived for display
 * (available ≤ 0; before its start). Each change records who, when and why in the audit log.
 *
 * Rules: only operators create allocations and rates, suspend, adjust, release tranches, expire, accept
 * reports; a tenant sees only its own allocations, ledger, outputs and reports (another tenant's look
 * missing). Rates are append-only: a new rate takes effect at `effectiveFrom` (never in the past), so a
 * rate change never rewrites past charges.
 */
import { findAcceleratorType, ACCELERATOR_CATALOG } from '../../core/accelerators.ts';
import * as L from '../../core/accounting/ledger.ts';
import { monthOf, storageCharge, storedStorageCharge } from '../../core/accounting/rates.ts';

/** What storage charges count (AllocationService). */
export type StorageBasis = 'stored' | 'granted';
import { formatSu, suToMilli } from '../../core/accounting/units.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asTenantId, type UserId } from '../../core/ids.ts';
import type { AllocationAdjust, AllocationCreate, OutputCreate, RateCreate, ReportCreate } from '../../contract/accounting.ts';
import type { Store } from '../../store/index.ts';
import type {
  AllocationRecord, AllocationReportRecord, LedgerTxnRecord, OutputRecord, RateRecord, ReportDue, Tranche,
} from '../../store/queries/accounting/index.ts';
import { assertVisible, requireOperator, type Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import type { IdentityService } from '../identity.ts';
import { rateOf, type AccountingService } from './enforcement.ts';
import { post } from './posting.ts';

const DAY = 86_400_000;
const MONTH = 30 * DAY;

export interface AllocationView { allocation: AllocationRecord; balance: L.AllocationBalance }

/** The acceptance of an accelerator type name: a catalog id or a short name; returns the catalog id. */
export function acceleratorId(name: string, path: string): string {
  const t = findAcceleratorType(name);
  if (!t) {
    throw new CheomdanError('unknown_accelerator_type', `unknown accelerator type "${name}"; known: ${ACCELERATOR_CATALOG.map((a) => a.id).join(', ')}`, {
      errors: [{ path, message: `unknown accelerator type "${name}"` }],
    });
  }
  return t.id;
}

export const parseInstant = (s: string): number => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);

/** Tranches: `firstPct` % at award, the rest in one tranche released when a progress report is accepted. */
export function tranchesFor(totalMsu: number, firstPct: number, at: number): Tranche[] {
  const first = Math.floor((totalMsu * firstPct) / 100);
  const out: Tranche[] = [{ amountMsu: first, condition: 'award', releasedAt: at }];
  if (totalMsu - first > 0) out.push({ amountMsu: totalMsu - first, condition: 'progress_report', releasedAt: null });
  return out;
}

export function scheduleFor(startsAt: number, endsAt: number, months: readonly number[]): ReportDue[] {
  const due: ReportDue[] = months.map((m) => ({ kind: 'progress' as const, dueAt: startsAt + m * MONTH })).filter((d) => d.dueAt < endsAt);
  due.push({ kind: 'final', dueAt: endsAt + MONTH });
  return due;
}

export class AllocationService {
  /** Per allocation, the end of the last whole month whose storage charge this process saw committed. */
  private readonly storageChargedUntil = new Map<string, number>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    private readonly enforcement: AccountingService,
    /**
     * What storage charges count: 'stored' (default) — the bytes the organization's datasets store, averaged
     * over the month and split among its allocations that grant storage by their grants; 'granted' — the
     * grant itself, stored or not (reserved capacity).
     */
    private readonly storageBasis: StorageBasis = 'stored',
  ) {}

  // --- allocations -------------------------------------------------------------------------------------------

  async create(actor: Actor, input: AllocationCreate): Promise<AllocationView> {
    requireOperator(actor, 'create allocations');
    const tenant = await this.identity.resolveTenant(actor, input.tenant);
    const project = input.project !== undefined ? await this.projectOf(tenant.id, input.project) : null;
    const program = input.program !== undefined ? await this.ctx.store.programs.get(input.program) : undefined;
    if (input.program !== undefined && !program) throw new CheomdanError('not_found', `no program "${input.program}"`, { errors: [{ path: 'program', message: 'unknown program' }] });
    const now = this.ctx.clock();
    const startsAt = input.startsAt !== undefined ? parseInstant(input.startsAt) : now;
    const endsAt = parseInstant(input.endsAt);
    if (endsAt <= startsAt) throw new CheomdanError('validation_failed', 'endsAt must be after startsAt', { errors: [{ path: 'endsAt', message: 'before the start' }] });
    const amount = suToMilli(input.serviceUnits, 'serviceUnits');
    if (amount <= 0) throw new CheomdanError('validation_failed', 'an allocation needs more than 0 SU', { errors: [{ path: 'serviceUnits', message: 'must be > 0' }] });
    const al: AllocationRecord = {
      id: this.ctx.ids('al'), tenantId: tenant.id, projectId: project?.id ?? null, programId: program?.id ?? null, applicationId: null,
      name: input.name, awardedMsu: amount, acceleratorTypes: [...new Set(input.acceleratorTypes.map((t, i) => acceleratorId(t, `acceleratorTypes[${i}]`)))],
      concurrentLimit: input.concurrentLimit, startsAt, endsAt, tranches: tranchesFor(amount, input.firstTranchePct, now),
      reportSchedule: scheduleFor(startsAt, endsAt, input.progressReportMonths), discountPct: input.discountPct,
      fairShareWeight: input.fairShareWeight, storageGb: Math.round((input.storageTb ?? 0) * 1000), state: 'active', stateReason: null,
      createdBy: actor.user.id, createdAt: now, updatedAt: now,
    };
    await this.ctx.store.transaction(async (tx) => {
      if (program) {
        await tx.programs.lock(program.id);
        const remaining = await tx.ledger.balance(L.programBudget(program.id));
        if (amount > remaining) throw new CheomdanError('conflict', `program ${program.slug} has ${formatSu(remaining)} left; this allocation asks for ${formatSu(amount)}`, { errors: [{ path: 'serviceUnits', message: 'more than the program has left' }] });
      }
      await this.award(tx, al, actor.user.id, now);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'allocation.create', subject: al.id, detail: { tenant: tenant.slug, serviceUnits: amount / 1000, program: program?.slug ?? null } });
    });
    this.enforcement.scheduleRefresh();
    return this.view(al);
  }

  /** Inserts the allocation and posts its award and first tranche (inside the caller's transaction). */
  async award(tx: Store, al: AllocationRecord, by: string, now: number): Promise<void> {
    await tx.allocations.create(al);
    const meta = { at: now, allocationId: al.id, programId: al.programId, tenantId: al.tenantId, projectId: al.projectId, actorUserId: by };
    await post(tx, L.award(al.id, al.programId, al.awardedMsu), { ...meta, memo: `award of ${formatSu(al.awardedMsu)}` });
    for (const t of al.tranches) {
      if (t.condition === 'award') await post(tx, L.releaseTranche(al.id, t.amountMsu), { ...meta, memo: 'tranche released at award' });
    }
  }

  async list(actor: Actor, f: { tenant?: string | undefined; program?: string | undefined } = {}): Promise<AllocationView[]> {
    let tenantId: string | undefined;
    if (!actor.isOperator) {
      if (!actor.tenantId) return [];
      tenantId = actor.tenantId;
      if (f.tenant !== undefined && f.tenant !== tenantId) {
        const t = await this.identity.resolveTenant(actor, f.tenant); // not_found for another tenant
        tenantId = t.id;
      }
    } else if (f.tenant !== undefined) {
      tenantId = (await this.identity.resolveTenant(actor, f.tenant)).id;
    }
    const programId = f.program !== undefined ? (await this.ctx.store.programs.get(f.program))?.id ?? '-' : undefined;
    const list = await this.ctx.store.allocations.list({ ...(tenantId ? { tenantId } : {}), ...(programId ? { programId } : {}) });
    const balances = await this.ctx.store.ledger.balancesOf(L.allocationAccounts(list.map((a) => a.id)));
    return list.map((a) => ({ allocation: a, balance: L.allocationBalance(a.id, balances) }));
  }

  async get(actor: Actor, id: string): Promise<AllocationView> {
    const a = await this.ctx.store.allocations.get(id);
    if (!a) throw new CheomdanError('not_found', `no allocation "${id}"`);
    assertVisible(actor, a.tenantId, 'allocation', id);
    return this.view(a);
  }

  async view(a: AllocationRecord, store: Store = this.ctx.store): Promise<AllocationView> {
    return { allocation: a, balance: L.allocationBalance(a.id, await store.ledger.balancesOf(L.allocationAccounts([a.id]))) };
  }

  async suspend(actor: Actor, id: string, reason: string): Promise<AllocationView> {
    return this.transition(actor, id, 'suspend', ['active'], (a) => ({ ...a, state: 'suspended', stateReason: reason }), reason);
  }

  async resume(actor: Actor, id: string): Promise<AllocationView> {
    return this.transition(actor, id, 'resume', ['suspended'], (a) => ({ ...a, state: 'active', stateReason: null }), null);
  }

  /**
   * Expires an allocation now (an operator reclaiming it) — what is left available or committed moves to
   * `expired`. Refused while jobs hold SUs on it: suspend it, and expire once they end.
   */
  async expire(actor: Actor, id: string, reason: string): Promise<AllocationView> {
    requireOperator(actor, 'expire allocations');
    const now = this.ctx.clock();
    const a = await this.ctx.store.transaction(async (tx) => {
      const al = await tx.allocations.lock(id);
      if (!al) throw new CheomdanError('not_found', `no allocation "${id}"`);
      return this.expireIn(tx, al, now, actor.user.id, reason);
    });
    this.enforcement.scheduleRefresh();
    return this.view(a);
  }

  private async expireIn(tx: Store, al: AllocationRecord, now: number, by: string | null, reason: string): Promise<AllocationRecord> {
    if (al.state === 'expired') throw new CheomdanError('conflict', `allocation ${al.id} has expired already`);
    await this.chargeStorageIn(tx, al, now, true);
    const b = L.allocationBalance(al.id, await tx.ledger.balancesOf(L.allocationAccounts([al.id])));
    if (b.held > 0) {
      throw new CheomdanError('conflict', `jobs hold ${formatSu(b.held)} on allocation ${al.id}; suspend it and expire it once they end`);
    }
    await post(tx, L.expire(al.id, b.available, b.committed), {
      idemKey: `expiry:${al.id}`, at: now, allocationId: al.id, programId: al.programId, tenantId: al.tenantId, actorUserId: by, memo: reason,
    });
    const next: AllocationRecord = { ...al, state: 'expired', stateReason: reason, updatedAt: now };
    await tx.allocations.update(next);
    await tx.audit.append({ at: now, actorUserId: by as UserId | null, action: 'allocation.expire', subject: al.id, detail: { reason, expiredSu: (Math.max(0, b.available) + b.committed) / 1000 } });
    return next;
  }

  /**
   * Storage charges due on `al` up to `until`: each calendar month (UTC) of its period once that month has
   * ended, one settle transaction per month keyed by it (so a repeated sweep or a restart charges nothing
   * twice), at the storage rates in force during the month. `final` (the allocation expires now) also
   * charges the month in progress, up to `until`.
   */
  private async chargeStorageIn(tx: Store, al: AllocationRecord, until: number, final: boolean): Promise<{ posted: number; through: number | null }> {
    let posted = 0;
    let through: number | null = null;
    if (al.storageGb <= 0) return { posted, through };
    const stop = Math.min(until, al.endsAt);
    const rates = (await tx.rates.list()).map(rateOf);
    // Months charged already (in this process) are skipped without a query; after a restart the keys do it.
    const first = Math.max(al.startsAt, this.storageChargedUntil.get(al.id) ?? -Infinity);
    for (let m = monthOf(first); m.start < stop; m = monthOf(m.end)) {
      const to = Math.min(m.end, al.endsAt, until);
      if (!final && to < Math.min(m.end, al.endsAt)) break; // the month (or the period's last part) is not over
      const from = Math.max(m.start, al.startsAt);
      let c: { amount: number; unratedMs: number; rateIds: number[] };
      let what: string;
      if (this.storageBasis === 'stored') {
        const peers = (await tx.allocations.list({ tenantId: al.tenantId })).filter((a) => a.storageGb > 0 && a.startsAt < to && a.endsAt > from);
        const whole = peers.reduce((sum, a) => sum + a.storageGb, 0) || al.storageGb;
        const stored = storedStorageCharge(await tx.datasets.chunks.series(asTenantId(al.tenantId), from, to), from, to, rates, { part: al.storageGb, whole });
        c = stored;
        what = `storage ${(stored.averageBytes / 1e12).toFixed(3)} TB stored on average${whole > al.storageGb ? ` (this allocation's ${al.storageGb} of ${whole} GB granted)` : ''}, of ${al.storageGb / 1000} TB granted`;
      } else {
        c = storageCharge(al.storageGb, from, to, rates);
        what = `storage ${al.storageGb / 1000} TB`;
      }
      if (c.amount === 0 && c.unratedMs > 0) {
        this.ctx.log.warn({ allocation: al.id, month: m.key }, 'storage: no storage rate was in force; nothing charged for this month (`cheomdan rates set --resource storage`)');
      }
      posted += (await post(tx, L.chargeStorage(al.id, c.amount), {
        // dated inside the month it pays for (reports group by the month of `at`)
        idemKey: `storage:${al.id}:${m.key}`, at: to - 1, allocationId: al.id, programId: al.programId, tenantId: al.tenantId,
        projectId: al.projectId, acceleratorType: 'storage', rateIds: c.rateIds,
        memo: `${what}, ${m.key}${to < m.end ? ` to ${new Date(to).toISOString()}` : ''}${c.unratedMs > 0 ? `; ${Math.round(c.unratedMs / 3_600_000)} h without a storage rate` : ''}`,
      })) === null ? 0 : 1;
      if (to === m.end) through = m.end;
    }
    return { posted, through };
  }

  /**
   * Charges the storage of every allocation for the months that have ended, and expires every allocation
   * whose end has passed and on which no job holds SUs; returns how many expired.
   */
  async sweep(now = this.ctx.clock()): Promise<number> {
    let n = 0;
    let charged = 0;
    for (const a of await this.ctx.store.allocations.list()) {
      if (a.state !== 'expired' && a.storageGb > 0) {
        const r = await this.ctx.store.transaction(async (tx) => {
          const al = await tx.allocations.lock(a.id);
          return al && al.state !== 'expired' ? this.chargeStorageIn(tx, al, now, false) : { posted: 0, through: null };
        });
        charged += r.posted;
        if (r.through !== null) this.storageChargedUntil.set(a.id, r.through); // committed: skip those months next time
      }
      if (a.state === 'expired' || a.endsAt > now) continue;
      try {
        await this.ctx.store.transaction(async (tx) => {
          const al = await tx.allocations.lock(a.id);
          if (al && al.state !== 'expired') await this.expireIn(tx, al, now, null, 'the allocation period ended');
        });
        n++;
      } catch (e) {
        if (!(e instanceof CheomdanError && e.code === 'conflict')) throw e; // jobs still hold SUs: next sweep
      }
    }
    if (n > 0 || charged > 0) this.enforcement.scheduleRefresh();
    return n;
  }

  async adjust(actor: Actor, id: string, input: AllocationAdjust): Promise<AllocationView> {
    requireOperator(actor, 'adjust allocations');
    const amount = suToMilli(input.serviceUnits, 'serviceUnits');
    const now = this.ctx.clock();
    const a = await this.ctx.store.transaction(async (tx) => {
      const al = await tx.allocations.lock(id);
      if (!al) throw new CheomdanError('not_found', `no allocation "${id}"`);
      if (al.state === 'expired') throw new CheomdanError('conflict', `allocation ${id} has expired; create a new one`);
      const available = await tx.ledger.balance(L.allocationAccount(id, 'available'));
      if (amount < 0 && -amount > available) {
        throw new CheomdanError('conflict', `allocation ${id} has ${formatSu(available)} available; cannot take back ${formatSu(-amount)}`, { errors: [{ path: 'serviceUnits', message: 'more than is available' }] });
      }
      await post(tx, L.adjust(id, amount), { at: now, allocationId: id, programId: al.programId, tenantId: al.tenantId, actorUserId: actor.user.id, amount, memo: input.reason });
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'allocation.adjust', subject: id, detail: { serviceUnits: amount / 1000, reason: input.reason } });
      return al;
    });
    this.enforcement.scheduleRefresh(id);
    return this.view(a);
  }

  /** Releases the next unreleased tranche (an operator, or an accepted progress report). */
  async releaseTranche(actor: Actor, id: string, why: string): Promise<AllocationView> {
    requireOperator(actor, 'release tranches');
    const now = this.ctx.clock();
    const a = await this.ctx.store.transaction((tx) => this.releaseIn(tx, id, now, actor.user.id, why));
    this.enforcement.scheduleRefresh(id);
    return this.view(a);
  }

  private async releaseIn(tx: Store, id: string, now: number, by: string, why: string): Promise<AllocationRecord> {
    const al = await tx.allocations.lock(id);
    if (!al) throw new CheomdanError('not_found', `no allocation "${id}"`);
    if (al.state === 'expired') throw new CheomdanError('conflict', `allocation ${id} has expired`);
    const i = al.tranches.findIndex((t) => t.releasedAt === null);
    if (i < 0) throw new CheomdanError('conflict', `allocation ${id} has no tranche left to release`);
    const t = al.tranches[i]!;
    await post(tx, L.releaseTranche(id, t.amountMsu), { idemKey: `tranche:${id}:${i}`, at: now, allocationId: id, programId: al.programId, tenantId: al.tenantId, actorUserId: by, memo: why });
    const next = { ...al, tranches: al.tranches.map((x, j) => (j === i ? { ...x, releasedAt: now } : x)), updatedAt: now };
    await tx.allocations.update(next);
    await tx.audit.append({ at: now, actorUserId: by as UserId, action: 'allocation.tranche', subject: id, detail: { serviceUnits: t.amountMsu / 1000, why } });
    return next;
  }

  private async transition(actor: Actor, id: string, verb: string, from: readonly string[], to: (a: AllocationRecord) => AllocationRecord, reason: string | null): Promise<AllocationView> {
    requireOperator(actor, `${verb} allocations`);
    const now = this.ctx.clock();
    const a = await this.ctx.store.transaction(async (tx) => {
      const al = await tx.allocations.lock(id);
      if (!al) throw new CheomdanError('not_found', `no allocation "${id}"`);
      if (!from.includes(al.state)) throw new CheomdanError('conflict', `allocation ${id} is ${al.state}; only a ${from.join(' or ')} allocation can be ${verb === 'suspend' ? 'suspended' : 'resumed'}`);
      const next = { ...to(al), updatedAt: now };
      await tx.allocations.update(next);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: `allocation.${verb}`, subject: id, detail: { reason } });
      return next;
    });
    this.enforcement.scheduleRefresh();
    return this.view(a);
  }

  private async projectOf(tenantId: string, idOrSlug: string) {
    const p = (await this.ctx.store.projects.get(idOrSlug as never)) ?? (await this.ctx.store.projects.getBySlug(asTenantId(tenantId), idOrSlug));
    if (!p || p.tenantId !== tenantId) throw new CheomdanError('validation_failed', `no project "${idOrSlug}" in that organization`, { errors: [{ path: 'project', message: 'unknown project' }] });
    return p;
  }

  // --- ledger ------------------------------------------------------------------------------------------------

  async ledger(actor: Actor, f: { allocation?: string | undefined; job?: string | undefined; kind?: string | undefined; afterId?: number | undefined; limit: number }): Promise<LedgerTxnRecord[]> {
    if (f.allocation !== undefined) await this.get(actor, f.allocation);
    if (f.kind !== undefined && !(L.LEDGER_KINDS as readonly string[]).includes(f.kind)) {
      throw new CheomdanError('validation_failed', `unknown ledger kind "${f.kind}"; use one of: ${L.LEDGER_KINDS.join(', ')}`, { errors: [{ path: 'kind', message: 'unknown kind' }] });
    }
    return this.ctx.store.ledger.list({
      ...(f.allocation !== undefined ? { allocationId: f.allocation } : {}),
      ...(f.job !== undefined ? { jobId: f.job } : {}),
      ...(f.kind !== undefined ? { kinds: [f.kind] } : {}),
      ...(!actor.isOperator ? { tenantId: actor.tenantId ?? '-' } : {}),
      ...(f.afterId !== undefined ? { afterId: f.afterId } : {}),
      limit: f.limit,
    });
  }

  // --- rates -------------------------------------------------------------------------------------------------

  async createRate(actor: Actor, input: RateCreate): Promise<RateRecord> {
    requireOperator(actor, 'set rates');
    const now = this.ctx.clock();
    const effectiveFrom = input.effectiveFrom !== undefined ? parseInstant(input.effectiveFrom) : now;
    if (effectiveFrom < now - 60_000) {
      throw new CheomdanError('validation_failed', 'a rate cannot take effect in the past (past charges keep the rates they were made at); leave effectiveFrom out for now', { errors: [{ path: 'effectiveFrom', message: 'in the past' }] });
    }
    let value: number;
    if (input.resource === 'reservation_multiplier') {
      if (input.multiplier === undefined) throw new CheomdanError('validation_failed', 'a reservation_multiplier rate needs "multiplier" (e.g. 1.5)', { errors: [{ path: 'multiplier', message: 'required' }] });
      value = Math.round(input.multiplier * 1000);
    } else {
      if (input.serviceUnitsPerHour === undefined) throw new CheomdanError('validation_failed', `a ${input.resource} rate needs "serviceUnitsPerHour"`, { errors: [{ path: 'serviceUnitsPerHour', message: 'required' }] });
      value = suToMilli(input.serviceUnitsPerHour, 'serviceUnitsPerHour');
    }
    if (input.acceleratorType !== undefined && input.resource !== 'device') {
      throw new CheomdanError('validation_failed', 'only device rates name an accelerator type', { errors: [{ path: 'acceleratorType', message: 'only for resource "device"' }] });
    }
    const type = input.acceleratorType !== undefined ? acceleratorId(input.acceleratorType, 'acceleratorType') : null;
    const rate = await this.ctx.store.transaction(async (tx) => {
      const r = await tx.rates.create({ resource: input.resource, acceleratorType: type, value, effectiveFrom, note: input.note, createdBy: actor.user.id });
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'rate.create', subject: `rate:${r.id}`, detail: { resource: r.resource, acceleratorType: type, value, effectiveFrom } });
      return r;
    });
    return rate;
  }

  listRates(): Promise<RateRecord[]> {
    return this.ctx.store.rates.list();
  }

  // --- outputs and progress reports -------------------------------------------------------------------------

  async addOutput(actor: Actor, allocationId: string, input: OutputCreate): Promise<OutputRecord> {
    const { allocation } = await this.get(actor, allocationId);
    this.requireOwnerOrOperator(actor, 'report outputs');
    const o: OutputRecord = {
      id: this.ctx.ids('out'), allocationId, tenantId: allocation.tenantId, kind: input.kind, title: input.title,
      reference: input.reference ?? null, reportedBy: actor.user.id, reportedAt: this.ctx.clock(),
    };
    return this.ctx.store.outputs.create(o);
  }

  async outputs(actor: Actor, allocationId: string): Promise<OutputRecord[]> {
    await this.get(actor, allocationId);
    return this.ctx.store.outputs.list({ allocationIds: [allocationId] });
  }

  async fileReport(actor: Actor, allocationId: string, input: ReportCreate): Promise<AllocationReportRecord> {
    const { allocation } = await this.get(actor, allocationId);
    this.requireOwnerOrOperator(actor, 'file progress reports');
    const r: AllocationReportRecord = {
      id: this.ctx.ids('rpt'), allocationId, tenantId: allocation.tenantId, kind: input.kind, text: input.text, state: 'submitted',
      submittedBy: actor.user.id, submittedAt: this.ctx.clock(), reviewedBy: null, reviewedAt: null, reviewNote: null,
    };
    return this.ctx.store.allocationReports.create(r);
  }

  async reports(actor: Actor, allocationId: string): Promise<AllocationReportRecord[]> {
    await this.get(actor, allocationId);
    return this.ctx.store.allocationReports.list({ allocationIds: [allocationId] });
  }

  /** Accepting a progress report releases the next tranche waiting for one, in the same transaction. */
  async reviewReport(actor: Actor, allocationId: string, reportId: string, decision: 'accept' | 'reject', note: string | undefined): Promise<AllocationReportRecord> {
    requireOperator(actor, 'accept or reject reports');
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      const r = await tx.allocationReports.get(reportId);
      if (!r || r.allocationId !== allocationId) throw new CheomdanError('not_found', `no report "${reportId}" on allocation ${allocationId}`);
      const ok = await tx.allocationReports.review(reportId, decision === 'accept' ? 'accepted' : 'rejected', actor.user.id, now, note ?? null);
      if (!ok) throw new CheomdanError('conflict', `report ${reportId} was ${r.state} already`);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: `report.${decision}`, subject: reportId, detail: { allocation: allocationId, note: note ?? null } });
      if (decision === 'accept' && r.kind === 'progress') {
        const al = await tx.allocations.get(allocationId);
        if (al && al.state !== 'expired' && al.tranches.some((t) => t.releasedAt === null && t.condition === 'progress_report')) {
          await this.releaseIn(tx, allocationId, now, actor.user.id, `progress report ${reportId} accepted`);
        }
      }
    });
    this.enforcement.scheduleRefresh(allocationId);
    return (await this.ctx.store.allocationReports.get(reportId))!;
  }

  private requireOwnerOrOperator(actor: Actor, what: string): void {
    if (!actor.isOperator && actor.user.role !== 'owner') throw new CheomdanError('forbidden', `only the organization's owners and operators can ${what}`);
  }
}
