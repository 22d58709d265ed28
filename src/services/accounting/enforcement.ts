/**
 * Enforcement: the controller's AccountingHooks (hold at start, settle at end, inside the job's own
 * transactions), the submit-time check, and the scheduler's inputs (the quotas allocations imply,
 * fair-share shares, blocked allocations) from a cache kept in memory. Decayed usage is the controller's
 * (controller/state.ts), fed from metered usage whatever the accounting mode.
 *
 * Modes (docs/accounting.md): `off` (the embedded default) holds, checks and charges nothing — jobs carry no
 * allocation — but still records every attempt's metered usage and what it would cost at the rates in force; `enforce` charges every job to an allocation: refused at submit when the allocation cannot cover
 * time limit × devices × rate, held at start, settled at end. In `enforce`, only the operations tenant may run
 * jobs with no allocation (its jobs are charged to one when it has one). Holds that exist are always settled,
 * whatever the mode, so switching modes never strands SUs in `held`.
 *
 * Crash safety: hold and settle run inside the controller's transaction for the state change; the ledger's
 * idempotency keys (hold:<job>:<attempt>, settle:…, release:…) make a repeat after recovery a no-op.
 *
 * Test hook: CHEOMDAN_TEST_SETTLE_DELAY_MS=N sleeps N ms inside the settlement's transaction, after its
 * entries are written and before the commit, so a crash test can kill -9 the server inside that window.
 */
import { allocationAccount, CENTER_ISSUED, hold as holdPosting, settle as settlePosting } from '../../core/accounting/ledger.ts';
import { chargeFor, rateAt, worstCase, type MeteredInterval, type Rate } from '../../core/accounting/rates.ts';
import { formatSu, type MilliSu } from '../../core/accounting/units.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { AcceleratorTypeId, AllocationId } from '../../core/ids.ts';
import type { ResourceRequest } from '../../core/resources.ts';
import type { AccountingHooks, SnapshotInputs } from '../../controller/hooks.ts';
import type { QuotaSnapshot } from '../../scheduler/types.ts';
import type { JobRecord, ProjectRecord, Store, TenantRecord } from '../../store/index.ts';
import type { AllocationRecord } from '../../store/queries/accounting/index.ts';
import type { ServiceContext } from '../context.ts';
import { OPERATIONS_TENANT } from '../identity.ts';
import { post } from './posting.ts';

export type AccountingMode = 'enforce' | 'off';
export const ACCOUNTING_MODES: readonly AccountingMode[] = ['enforce', 'off'];

export function parseAccountingMode(v: string | undefined): AccountingMode {
  if (v === undefined || v === '') return 'off';
  if ((ACCOUNTING_MODES as readonly string[]).includes(v)) return v as AccountingMode;
  throw new CheomdanError('invalid_config', `accounting mode "${v}" is not valid; use one of: ${ACCOUNTING_MODES.join(', ')} (CHEOMDAN_ACCOUNTING)`);
}

/** The reservation multiplier (thousandths) for a job in a reservation; 1× otherwise or when none is set. */
function multiplier(rates: readonly Rate[], reserved: boolean, at: number): { permille: number; how: string } {
  const r = reserved ? rateAt(rates, 'reservation_multiplier', null, at) : undefined;
  return r && r.value !== 1000 ? { permille: r.value, how: ` × ${r.value / 1000} (reservation)` } : { permille: 1000, how: '' };
}

export const rateOf = (r: { id: number; resource: string; acceleratorType: string | null; value: number; effectiveFrom: number }): Rate =>
  ({ id: r.id, resource: r.resource as Rate['resource'], acceleratorType: r.acceleratorType, value: r.value, effectiveFrom: r.effectiveFrom });

/** Why an allocation cannot take new jobs now, or null. */
export function allocationBlock(a: AllocationRecord, available: MilliSu, now: number): 'allocation_exhausted' | 'allocation_inactive' | null {
  if (a.state !== 'active' || now < a.startsAt || now >= a.endsAt) return 'allocation_inactive';
  if (available <= 0) return 'allocation_exhausted';
  return null;
}

export function describeBlock(a: AllocationRecord, now: number): string {
  if (a.state === 'suspended') return `allocation ${a.id} is suspended${a.stateReason ? ` (${a.stateReason})` : ''}`;
  if (a.state === 'expired' || now >= a.endsAt) return `allocation ${a.id} ended on ${new Date(a.endsAt).toISOString().slice(0, 10)}`;
  if (now < a.startsAt) return `allocation ${a.id} starts on ${new Date(a.startsAt).toISOString().slice(0, 10)}`;
  return `allocation ${a.id} is active`;
}

interface CacheEntry { allocation: AllocationRecord; available: MilliSu }

export class AccountingService implements AccountingHooks {
  private cache = new Map<string, CacheEntry>();
  /** Allocations whose hold was refused, with the balance then: blocked until that balance changes. */
  private readonly refused = new Map<string, MilliSu>();
  private refreshing: Promise<void> | undefined;
  private dirtyIds = new Set<string>();
  private dirtyAll = false;
  private memo: { key: string; value: SnapshotInputs } | undefined;
  private version = 0;

  constructor(private readonly ctx: ServiceContext, readonly mode: AccountingMode) {}

  // --- the controller's hooks ------------------------------------------------------------------------------

  /**
   * Holds the job's worst case against its allocation. Returns the allocation charged (the job's own, or the
   * default one chosen here for a job that had none), null when nothing is charged (accounting off, or the
   * operations tenant with no allocation): the controller keeps it on its in-memory job.
   */
  async hold(tx: Store, job: JobRecord, now: number): Promise<{ allocationId: AllocationId | null }> {
    if (this.mode === 'off') return { allocationId: job.allocationId };
    let allocationId: string | null = job.allocationId;
    if (!allocationId) {
      if (await this.exempt(tx, job.tenantId)) return { allocationId: null };
      // Submitted while accounting was off: charged from now on to the organization's default allocation.
      const usable = (await tx.allocations.list({ tenantId: job.tenantId }))
        .filter((a) => (a.projectId === null || a.projectId === job.projectId) && allocationBlock(a, 1, now) === null && allows(a, job.acceleratorType))
        .sort(byPreference);
      if (!usable[0]) {
        throw new CheomdanError('insufficient_balance', `job ${job.id} is charged to no allocation and its organization has none it can use; it waits until one is granted`, { extra: { reason: 'allocation_inactive' } });
      }
      allocationId = usable[0].id;
      await tx.jobs.update(job.id, { allocationId: allocationId as AllocationId });
    }
    const al = await tx.allocations.lock(allocationId); // serialises holds on one allocation (PostgreSQL)
    if (!al) throw new CheomdanError('insufficient_balance', `allocation ${allocationId} does not exist`, { extra: { reason: 'allocation_inactive' } });
    if (!allows(al, job.acceleratorType)) {
      throw new CheomdanError('insufficient_balance', `allocation ${al.id} allows only ${al.acceleratorTypes.join(', ')}, not ${job.acceleratorType}`, { extra: { reason: 'allocation_inactive' } });
    }
    const available = await tx.ledger.balance(allocationAccount(al.id, 'available'));
    const block = allocationBlock(al, Math.max(available, 1), now);
    if (block) {
      this.markRefused(al.id, available);
      throw new CheomdanError('insufficient_balance', describeBlock(al, now), { extra: { reason: block } });
    }
    const rates = (await tx.rates.list()).map(rateOf);
    const cost = this.startCost(job, rates, now);
    if (cost.unrated) {
      // Not a balance problem: the allocation stays usable for jobs on rated types (nothing marked refused).
      throw new CheomdanError('insufficient_balance', `no rate is set for ${cost.unrated}, so a job on it cannot be charged to allocation ${al.id}; it waits until an operator sets one (\`cheomdan rates set\`)`, {
        extra: { reason: 'allocation_inactive' },
      });
    }
    if (cost.amount > available) {
      this.markRefused(al.id, available);
      throw new CheomdanError('insufficient_balance', `allocation ${al.id} has ${formatSu(available)} available; this job may cost up to ${formatSu(cost.amount)} (${cost.how})`, {
        extra: { reason: 'allocation_exhausted', availableSu: available / 1000, costSu: cost.amount / 1000 },
      });
    }
    // A zero cost (a rate of 0 in force) posts no hold; settle() still records the attempt, from the job's
    // allocation, at the rates in force while it ran.
    if (cost.amount > 0) {
      await post(tx, holdPosting(al.id, cost.amount), {
        idemKey: `hold:${job.id}:${job.attempt}`, at: now, allocationId: al.id, programId: al.programId, tenantId: job.tenantId,
        projectId: job.projectId, jobId: job.id, attempt: job.attempt, acceleratorType: job.acceleratorType, amount: cost.amount,
        actorUserId: job.userId, memo: cost.how,
      });
    }
    this.scheduleRefresh(al.id);
    return { allocationId: al.id as AllocationId };
  }

  /**
   * Settles an attempt: charges its metered usage at the rates in force while it ran, from its hold (the
   * rest released), and records it in the ledger (device time, rates) for reports and fair share. An
   * attempt with no hold that ran is recorded too (accounting enforced): charged to the job's allocation
   * when it has one (a rate of 0 when it started: nothing was held), else — the operations tenant, exempt —
   * recorded with no charge. Idempotent per attempt.
   */
  async settle(tx: Store, job: JobRecord, endedAt: number): Promise<void> {
    const held = await tx.ledger.byKey(`hold:${job.id}:${job.attempt}`);
    if (await tx.ledger.byKey(`settle:${job.id}:${job.attempt}`) || await tx.ledger.byKey(`release:${job.id}:${job.attempt}`)) return;
    const rows = (await tx.usage.listByJob(job.id)).filter((r) => r.attempt === job.attempt);
    if (!held?.allocationId && rows.length === 0) return; // nothing held and nothing ran (a failed start)
    let allocationId: string | null = held?.allocationId ?? null;
    let programId: string | null = held?.programId ?? null;
    if (!allocationId && this.mode === 'enforce') {
      allocationId = job.allocationId ?? (await tx.jobs.get(job.id))?.allocationId ?? null;
      programId = allocationId ? (await tx.allocations.get(allocationId))?.programId ?? null : null;
    }
    // On PostgreSQL, the cache refresh after this settlement waits for this lock, so it reads the balance
    // after the commit (scheduleRefresh).
    if (allocationId) await tx.allocations.lock(allocationId);
    const cpusOn = new Map((job.placement ?? []).map((p) => [p.node as string, p.cpus]));
    const intervals: MeteredInterval[] = rows.map((r) => ({
      acceleratorType: r.acceleratorType, device: r.deviceIdx >= 0, cpus: cpusOn.get(r.node) ?? job.request.cpusPerTask,
      startedAt: r.startedAt, endedAt: Math.max(r.startedAt, r.endedAt ?? endedAt),
    }));
    const rates = (await tx.rates.list()).map(rateOf);
    // A job in a reservation pays the multiplier in force when the attempt started (as its hold did).
    const startedAt = intervals.reduce((t, iv) => Math.min(t, iv.startedAt), job.startedAt ?? endedAt);
    const charge = chargeFor(intervals, rates, multiplier(rates, job.reservationId !== null, startedAt).permille);
    const meta = {
      at: endedAt, allocationId, programId, tenantId: job.tenantId, projectId: job.projectId,
      jobId: job.id, attempt: job.attempt, acceleratorType: job.acceleratorType ?? held?.acceleratorType ?? null,
      actorUserId: job.userId, // the user whose job it was: usage per user
    };
    const unrated = charge.unratedMs > 0 ? `${charge.unratedMs} ms had no rate in force` : '';
    const usage = { idemKey: `settle:${job.id}:${job.attempt}`, deviceMs: charge.deviceMs, cpuMs: charge.cpuMs, rateIds: charge.rateIds };
    if (!allocationId) {
      // No allocation: not charged, but its usage is recorded (reports). With accounting off, metered in
      // service units at the rates in force (usage reports show what the work was worth); the operations
      // tenant, exempt under enforcement, at 0.
      const metered = this.mode === 'off' ? charge.amount : 0;
      const why = this.mode === 'off' ? 'not charged: accounting is off (metered at the rates in force)' : 'not charged: the job has no allocation';
      await tx.ledger.post({
        ...meta, ...usage, kind: 'settle', amount: metered, memo: [why, unrated].filter(Boolean).join('; '),
        entries: [{ account: CENTER_ISSUED, amount: 0 }],
      });
    } else {
      const heldAmount = held?.amount ?? 0;
      const { settle, release } = settlePosting(allocationId, heldAmount, charge.amount);
      const settled = await post(tx, settle, { ...meta, ...usage, amount: charge.amount, memo: unrated });
      // A zero charge still records the attempt (device time and rates) so reports see it.
      if (!settled && charge.amount === 0) {
        await tx.ledger.post({ ...meta, ...usage, kind: 'settle', amount: 0, memo: unrated, entries: [{ account: allocationAccount(allocationId, 'spent'), amount: 0 }, { account: allocationAccount(allocationId, 'held'), amount: 0 }] });
      }
      await post(tx, release, { ...meta, idemKey: `release:${job.id}:${job.attempt}`, amount: heldAmount - Math.min(heldAmount, charge.amount) });
    }
    const delay = Number(process.env.CHEOMDAN_TEST_SETTLE_DELAY_MS ?? 0);
    if (delay > 0) {
      process.stderr.write(`cheomdan: settling ${job.id} attempt ${job.attempt} (test delay ${delay} ms)\n`);
      await new Promise((r) => setTimeout(r, delay));
    }
    if (allocationId) this.scheduleRefresh(allocationId);
  }

  snapshotInputs(now: number): SnapshotInputs {
    if (this.mode === 'off') return {};
    const key = `${this.version}:${Math.floor(now / 1000)}`;
    if (this.memo?.key === key) return this.memo.value;
    const blocked: Record<string, 'allocation_exhausted' | 'allocation_inactive'> = {};
    const quotas = new Map<string, QuotaSnapshot>();
    const shares: Record<string, number> = {};
    for (const { allocation: a, available } of this.cache.values()) {
      const refusedAt = this.refused.get(a.id);
      const block = allocationBlock(a, available, now) ?? (refusedAt !== undefined && refusedAt === available ? 'allocation_exhausted' : null);
      if (block) {
        blocked[a.id] = block;
        continue;
      }
      shares[a.tenantId] = (shares[a.tenantId] ?? 0) + a.fairShareWeight;
      for (const type of a.acceleratorTypes) {
        const k = `${a.tenantId}\u0000${type}`;
        const q = quotas.get(k);
        quotas.set(k, { tenant: a.tenantId as never, acceleratorType: type as AcceleratorTypeId, guaranteedDevices: (q?.guaranteedDevices ?? 0) + a.concurrentLimit, borrowLimitDevices: 0 });
      }
    }
    const value = { quotas: [...quotas.values()], tenantShares: shares, blockedAllocations: blocked };
    this.memo = { key, value };
    return value;
  }

  // --- submit ------------------------------------------------------------------------------------------------

  /**
   * Chooses the allocation a new job is charged to and checks that it can cover the job's worst case.
   * Returns the allocation (null: none, allowed only for the operations tenant or with accounting off) and
   * the request, narrowed to the allocation's accelerator types when the job accepted any type.
   */
  async checkSubmit(project: ProjectRecord, request: ResourceRequest, named: string | undefined, reserved = false): Promise<{ allocationId: string | null; request: ResourceRequest }> {
    const { store } = this.ctx;
    const now = this.ctx.clock();
    if (this.mode === 'off' && named === undefined) return { allocationId: null, request };
    let candidates: AllocationRecord[];
    if (named !== undefined) {
      const al = await store.allocations.get(named);
      if (!al || al.tenantId !== project.tenantId) {
        throw new CheomdanError('not_found', `no allocation "${named}" for this organization; see your allocations with \`cheomdan allocations\``, { errors: [{ path: 'allocation', message: 'unknown allocation' }] });
      }
      if (al.projectId !== null && al.projectId !== project.id) {
        throw new CheomdanError('validation_failed', `allocation ${al.id} belongs to another project; submit to that project or name another allocation`, { errors: [{ path: 'allocation', message: 'belongs to another project' }] });
      }
      candidates = [al];
    } else {
      candidates = (await store.allocations.list({ tenantId: project.tenantId }))
        .filter((a) => a.projectId === null || a.projectId === project.id)
        .sort(byPreference);
      if (candidates.length === 0) {
        if (await this.exempt(store, project.tenantId)) return { allocationId: null, request };
        throw new CheomdanError('insufficient_balance', 'your organization has no allocation to charge this job to; apply under an open program (`cheomdan apply`) or ask an operator for an allocation', {
          extra: { reason: 'allocation_inactive' },
        });
      }
    }
    if (this.mode === 'off') return { allocationId: candidates[0]!.id, request };
    const rates = (await store.rates.list()).map(rateOf);
    let best: { al: AllocationRecord; available: number; cost: ReturnType<AccountingService['submitCost']>; req: ResourceRequest } | undefined;
    const problems: string[] = [];
    for (const al of candidates) {
      if (allocationBlock(al, 1, now) === 'allocation_inactive') {
        problems.push(describeBlock(al, now));
        continue;
      }
      const narrowed = narrow(al, request);
      const req = typeof narrowed === 'string' ? narrowed : narrowToRated(narrowed, rates, now);
      if (typeof req === 'string') {
        problems.push(req);
        continue;
      }
      const available = await store.ledger.balance(allocationAccount(al.id, 'available'));
      const cost = this.submitCost(req, rates, now, reserved);
      if (cost.amount <= available) return { allocationId: al.id, request: req };
      if (!best) best = { al, available, cost, req };
    }
    if (best) {
      throw new CheomdanError('insufficient_balance',
        `allocation ${best.al.id} has ${formatSu(best.available)} available; this job may cost up to ${formatSu(best.cost.amount)} (${best.cost.how}); shorten --time or ask for fewer devices`,
        { extra: { allocation: best.al.id, availableSu: best.available / 1000, costSu: best.cost.amount / 1000 } });
    }
    throw new CheomdanError('insufficient_balance', `no allocation can take this job: ${problems.join('; ')}`, { extra: { reason: 'allocation_inactive' } });
  }

  /** Worst-case cost at submit: time limit × devices × the highest rate among the types the job may get. */
  submitCost(req: ResourceRequest, rates: readonly Rate[], now: number, reserved = false): { amount: MilliSu; how: string } {
    const devices = req.tasks * req.devicesPerTask;
    const hours = (req.timeLimitSeconds / 3600).toLocaleString('en-US', { maximumFractionDigits: 3 });
    const m = multiplier(rates, reserved, now);
    if (devices === 0) {
      const cpus = req.tasks * req.cpusPerTask;
      const r = rateAt(rates, 'cpu', null, now);
      if (!r) throw noRate('CPU-hours');
      return { amount: worstCase(req.timeLimitSeconds, cpus, r.value, m.permille), how: `${hours} h × ${cpus} CPUs × ${formatSu(r.value)}/CPU-hour${m.how}` };
    }
    const types: (string | null)[] = req.acceleratorTypes.length > 0 ? [...req.acceleratorTypes]
      : [null, ...new Set(rates.filter((r) => r.resource === 'device' && r.acceleratorType !== null).map((r) => r.acceleratorType))];
    let rate = -1;
    for (const t of types) {
      const r = rateAt(rates, 'device', t, now);
      if (!r) {
        if (t === null && types.length > 1) continue;
        throw noRate(t === null ? 'devices' : `accelerator type ${t}`);
      }
      rate = Math.max(rate, r.value);
    }
    if (rate < 0) throw noRate('devices');
    return { amount: worstCase(req.timeLimitSeconds, devices, rate, m.permille), how: `${hours} h × ${devices} devices × ${formatSu(rate)}/device-hour${m.how}` };
  }

  /**
   * Cost at start: the placement is known, so is the accelerator type. `unrated` names what has no rate in
   * force (the job cannot be charged: the hold is refused).
   */
  private startCost(job: JobRecord, rates: readonly Rate[], now: number): { amount: MilliSu; how: string; unrated?: string } {
    const devices = (job.placement ?? []).reduce((s, p) => s + p.devices.length, 0);
    const hours = (job.request.timeLimitSeconds / 3600).toLocaleString('en-US', { maximumFractionDigits: 3 });
    const m = multiplier(rates, job.reservationId !== null, now);
    if (devices === 0) {
      const cpus = (job.placement ?? []).reduce((s, p) => s + p.cpus, 0) || job.request.tasks * job.request.cpusPerTask;
      const r = rateAt(rates, 'cpu', null, now);
      if (!r) return { amount: 0, how: '', unrated: 'CPU-hours' };
      return { amount: worstCase(job.request.timeLimitSeconds, cpus, r.value, m.permille), how: `${hours} h × ${cpus} CPUs × ${formatSu(r.value)}/CPU-hour${m.how}` };
    }
    const r = rateAt(rates, 'device', job.acceleratorType, now);
    if (!r) return { amount: 0, how: '', unrated: `accelerator type ${job.acceleratorType ?? '(unknown)'}` };
    return { amount: worstCase(job.request.timeLimitSeconds, devices, r.value, m.permille), how: `${hours} h × ${devices} devices × ${formatSu(r.value)}/device-hour${m.how}` };
  }

  private async exempt(store: Store, tenantId: string): Promise<boolean> {
    const t: TenantRecord | undefined = await store.tenants.get(tenantId as never);
    return t?.slug === OPERATIONS_TENANT;
  }

  // --- the cache ---------------------------------------------------------------------------------------------

  private markRefused(allocationId: string, available: MilliSu): void {
    this.refused.set(allocationId, available);
    this.version++;
  }

  /**
   * Re-reads the balances of `allocationId` (a hold or settlement touched only that one), or everything (an
   * allocation was created or changed state); refreshes coalesce; fair-share usage is re-read at most once a
   * minute. May be called inside the transaction that made the change (hold, settle): the re-read waits
   * until that transaction has ended. On PostgreSQL the refresh reads through its own connection, so it
   * first takes the allocation's row lock, which hold and settle hold until their commit (or rollback); a
   * read before the commit would keep the old balance — e.g. an allocation refused earlier would stay
   * `allocation_exhausted` after a settlement freed SUs. On SQLite reads outside a transaction already wait
   * for it (one connection).
   */
  scheduleRefresh(allocationId?: string | null): void {
    if (allocationId) this.dirtyIds.add(allocationId);
    else this.dirtyAll = true;
    if (this.refreshing) return;
    this.refreshing = (async () => {
      try {
        while (this.dirtyAll || this.dirtyIds.size > 0) {
          await new Promise((r) => setTimeout(r, 0));
          const all = this.dirtyAll;
          const ids = [...this.dirtyIds];
          this.dirtyAll = false;
          this.dirtyIds = new Set();
          await this.afterWriters(ids);
          if (all) await this.refresh();
          else await this.refreshBalances(ids);
        }
      } catch (e) {
        this.ctx.log.error({ err: e }, 'accounting: refreshing the allocation cache failed');
      } finally {
        this.refreshing = undefined;
      }
    })();
  }

  /** Waits until no transaction holds these allocations' row locks (PostgreSQL): their writes are committed. */
  private async afterWriters(ids: readonly string[]): Promise<void> {
    const { store } = this.ctx;
    if (store.dialect !== 'postgres') return;
    for (const id of ids) await store.transaction((tx) => tx.allocations.lock(id)); // one at a time: never holds one lock while waiting for another
  }

  /** Waits for a scheduled refresh (tests, and callers that must see their change in the next cycle). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  /** Reads every allocation and its balances. */
  async refresh(): Promise<void> {
    const { store } = this.ctx;
    const allocations = await store.allocations.list();
    const balances = await store.ledger.balancesOf(allocations.map((a) => allocationAccount(a.id, 'available')));
    const cache = new Map<string, CacheEntry>();
    for (const a of allocations) cache.set(a.id, { allocation: a, available: balances.get(allocationAccount(a.id, 'available')) ?? 0 });
    this.cache = cache;
    this.forgetRefusals();
    this.version++;
  }

  private async refreshBalances(ids: readonly string[]): Promise<void> {
    const balances = await this.ctx.store.ledger.balancesOf(ids.map((id) => allocationAccount(id, 'available')));
    for (const id of ids) {
      const e = this.cache.get(id);
      if (e) this.cache.set(id, { ...e, available: balances.get(allocationAccount(id, 'available')) ?? 0 });
    }
    this.forgetRefusals();
    this.version++;
  }

  /** A refused allocation stays blocked until its balance changes. */
  private forgetRefusals(): void {
    for (const [id, at] of this.refused) if (this.cache.get(id)?.available !== at) this.refused.delete(id);
  }

}

/** The project's own allocations first, then those ending soonest (spend what expires first). */
const byPreference = (a: AllocationRecord, b: AllocationRecord) => Number(b.projectId !== null) - Number(a.projectId !== null) || a.endsAt - b.endsAt;

/** May a job on this accelerator type (null: CPU-only) be charged to the allocation? */
const allows = (a: AllocationRecord, type: string | null) => a.acceleratorTypes.length === 0 || type === null || a.acceleratorTypes.includes(type);

function noRate(what: string): CheomdanError {
  return new CheomdanError('validation_failed', `no rate is set for ${what}, so the job's cost cannot be known; an operator sets one with \`cheomdan rates set\``, {
    errors: [{ path: 'acceleratorTypes', message: `no rate for ${what}` }],
  });
}

/** The request limited to the allocation's accelerator types, or why it cannot be. */
function narrow(al: AllocationRecord, req: ResourceRequest): ResourceRequest | string {
  if (al.acceleratorTypes.length === 0 || req.tasks * req.devicesPerTask === 0) return req;
  if (req.acceleratorTypes.length === 0) return { ...req, acceleratorTypes: al.acceleratorTypes.map((t) => t as AcceleratorTypeId) };
  const ok = req.acceleratorTypes.filter((t) => al.acceleratorTypes.includes(t));
  if (ok.length === 0) return `allocation ${al.id} allows only ${al.acceleratorTypes.join(', ')}`;
  return { ...req, acceleratorTypes: ok };
}

/**
 * A job that accepts any accelerator type, with no type-less device rate in force, is limited to the types
 * that have a rate: placed on one without, it could not be charged (its start would be refused).
 */
function narrowToRated(req: ResourceRequest, rates: readonly Rate[], now: number): ResourceRequest {
  if (req.tasks * req.devicesPerTask === 0 || req.acceleratorTypes.length > 0 || rateAt(rates, 'device', null, now)) return req;
  const rated = [...new Set(rates.filter((r) => r.resource === 'device' && r.acceleratorType !== null && r.effectiveFrom <= now).map((r) => r.acceleratorType!))];
  return rated.length > 0 ? { ...req, acceleratorTypes: rated.map((t) => t as AcceleratorTypeId) } : req;
}
