/**
 * Quotas and cohorts (docs/scheduler.md, "Quotas"): an operator sets, per organization (or one of its
 * projects) and accelerator type or type group, a guaranteed number of devices, a borrowing limit, a lending
 * limit and the cohort whose members lend to each other. Organizations see their own. Every change is
 * audited and reaches the scheduler at its next cycle (the controller is woken).
 *
 * Allocations imply a quota: with accounting enforced, an active allocation guarantees its concurrent limit
 * of each of its accelerator types to its organization, with no borrowing and no cohort
 * (services/accounting/enforcement.ts). An explicit quota on any of those types replaces the implied one.
 *
 * Rules checked here, each refused with the field and the fix: the resource is a catalog type or a type
 * group; the guarantee fits the cluster's capacity of those types; the lending limit is within the
 * guarantee; the cohort exists; a project quota names a project of the organization, lends nothing and has
 * no cohort; a quota that borrows in a cohort needs a member of that cohort guaranteed the same resource.
 */
import { ACCELERATOR_CATALOG, typesNamed, TYPE_GROUPS } from '../core/accelerators.ts';
import { CheomdanError } from '../core/errors.ts';
import type { AcceleratorTypeId, ProjectId, TenantId } from '../core/ids.ts';
import type { CohortCreate, QuotaSet } from '../contract/quotas.ts';
import type { QuotaSnapshot } from '../scheduler/types.ts';
import type { CohortRecord, JobRecord, QuotaRecord } from '../store/records.ts';
import { assertVisible, requireOperator, tenantScope, type Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';
import type { IdentityService } from './identity.ts';

export interface QuotaView extends QuotaRecord {
  acceleratorTypes: readonly AcceleratorTypeId[];
  inUse: number;
  borrowed: number;
  source: 'explicit' | 'allocation';
}

export interface QuotaPlatform {
  /** Devices of each accelerator type in the cluster now. */
  devicesByType(): Readonly<Record<string, number>>;
  /** Jobs holding devices now. */
  runningJobs(): readonly JobRecord[];
  /** Quotas allocations imply (enforcement on), in the scheduler's terms. */
  implied(now: number): readonly QuotaSnapshot[];
  /** The quotas changed: schedule a cycle. */
  onChange(): void;
}

const field = (path: string, message: string) => ({ errors: [{ path, message }] });

export class QuotaService {
  private explicit: QuotaRecord[] = [];

  constructor(private readonly ctx: ServiceContext, private readonly identity: IdentityService, private readonly platform: QuotaPlatform) {}

  async load(): Promise<void> {
    this.explicit = await this.ctx.store.quotas.list();
  }

  /** The scheduler's quotas: the explicit ones, and those allocations imply on types no explicit one covers. */
  snapshots(now: number): QuotaSnapshot[] {
    return [...this.explicit.map(toSnapshot), ...this.impliedUncovered(now)];
  }

  /** The quotas allocations imply, less those on a type an explicit organization quota covers. */
  private impliedUncovered(now: number): readonly QuotaSnapshot[] {
    const covered = new Set(this.explicit.filter((q) => q.projectId === null).flatMap((q) => (typesNamed(q.resource) ?? []).map((t) => `${q.tenantId}\u0000${t}`)));
    return this.platform.implied(now).filter((q) => !covered.has(`${q.tenant}\u0000${q.acceleratorType}`));
  }

  async set(actor: Actor, input: QuotaSet): Promise<QuotaView> {
    requireOperator(actor, 'set quotas');
    const tenant = await this.identity.resolveTenant(actor, input.tenant);
    const borrowLimit = input.borrowLimit === undefined ? 0 : input.borrowLimit;
    const lendLimit = input.lendLimit ?? null;
    const cohort = input.cohort ?? null;
    const types = typesNamed(input.resource);
    if (!types) {
      throw new CheomdanError('validation_failed', `"${input.resource}" is neither an accelerator type of the catalog nor a type group; use one of: ${[...Object.keys(TYPE_GROUPS), ...ACCELERATOR_CATALOG.map((t) => t.id)].join(', ')} (\`cheomdan accelerators\`)`, field('resource', 'unknown accelerator type or group'));
    }
    let projectId: ProjectId | null = null;
    if (input.project !== undefined) {
      if (cohort !== null) throw new CheomdanError('validation_failed', `a project's quota is a cap inside its organization's and lends nothing: set the cohort on the organization's quota (omit --project)`, field('cohort', 'not allowed on a project quota'));
      const p = (await this.ctx.store.projects.get(input.project as ProjectId)) ?? (await this.ctx.store.projects.getBySlug(tenant.id, input.project));
      if (!p || p.tenantId !== tenant.id) throw new CheomdanError('validation_failed', `organization ${tenant.slug} has no project "${input.project}"; see its projects with \`cheomdan projects --tenant ${tenant.slug}\``, field('project', 'unknown project'));
      projectId = p.id;
    }
    const capacity = types.reduce((s, t) => s + (this.platform.devicesByType()[t] ?? 0), 0);
    if (input.guaranteed > capacity) {
      throw new CheomdanError('validation_failed', `the cluster has ${capacity} device(s) of ${input.resource}; a guarantee of ${input.guaranteed} could never be honoured — guarantee at most ${capacity}`, field('guaranteed', `over the cluster's ${capacity}`));
    }
    if (lendLimit !== null && lendLimit > input.guaranteed) {
      throw new CheomdanError('validation_failed', `the lending limit (${lendLimit}) is more than the guarantee (${input.guaranteed}); a quota lends only its idle guarantee`, field('lendLimit', 'over the guarantee'));
    }
    if (cohort !== null) {
      if (!(await this.ctx.store.cohorts.get(cohort))) throw new CheomdanError('validation_failed', `no cohort "${cohort}"; create it first (\`cheomdan quotas cohort-create ${cohort}\`) or see them with \`cheomdan quotas cohorts\``, field('cohort', 'unknown cohort'));
      const lenders = (await this.ctx.store.quotas.list({ cohort })).filter((q) => q.resource === input.resource && q.guaranteed > 0 && !(q.tenantId === tenant.id && q.projectId === projectId));
      if (borrowLimit !== 0 && lenders.length === 0) {
        throw new CheomdanError('validation_failed', `cohort "${cohort}" has no member guaranteed ${input.resource}, so there is nothing to borrow; set the lenders' quotas first, or set borrowLimit 0`, field('borrowLimit', `cohort ${cohort} has no ${input.resource}`));
      }
    }
    const now = this.ctx.clock();
    const before = this.explicit.find((q) => q.tenantId === tenant.id && q.projectId === projectId && q.resource === input.resource);
    const saved = await this.ctx.store.transaction(async (tx) => {
      const q = await tx.quotas.put({
        id: before?.id ?? this.ctx.ids('quo'), tenantId: tenant.id, projectId, resource: input.resource, guaranteed: input.guaranteed,
        borrowLimit, lendLimit, cohort, updatedBy: actor.user.id, createdAt: before?.createdAt ?? now, updatedAt: now,
      });
      await tx.audit.append({
        at: now, actorUserId: actor.user.id, action: 'quota.set', subject: q.id,
        detail: { tenant: tenant.slug, project: input.project ?? null, resource: input.resource, before: before ? limitsOf(before) : null, after: limitsOf(q) },
      });
      return q;
    });
    await this.load();
    this.platform.onChange();
    return this.view(saved);
  }

  async get(actor: Actor, id: string): Promise<QuotaView> {
    const q = await this.ctx.store.quotas.get(id);
    if (!q) throw new CheomdanError('not_found', `no quota "${id}"`);
    assertVisible(actor, q.tenantId, 'quota', id);
    return this.view(q);
  }

  /** Quotas of the actor's organization (operators: all, or one organization's), implied ones included. */
  async list(actor: Actor, f: { tenant?: string } = {}): Promise<QuotaView[]> {
    const scope = tenantScope(actor, f.tenant === undefined ? undefined : (await this.identity.resolveTenant(actor, f.tenant)).id);
    const mine = <T extends { tenantId: string }>(x: T) => scope === null || x.tenantId === scope;
    const explicit = this.explicit.filter(mine).map((q) => this.view(q));
    const now = this.ctx.clock();
    const implied = this.impliedUncovered(now).map((q): QuotaView => this.view({
      id: `implied:${q.tenant}:${q.acceleratorType}`, tenantId: q.tenant, projectId: null, resource: q.acceleratorType, guaranteed: q.guaranteedDevices,
      borrowLimit: q.borrowLimitDevices, lendLimit: null, cohort: null, updatedBy: null, createdAt: now, updatedAt: now,
    }, 'allocation')).filter(mine);
    return [...explicit, ...implied];
  }

  async remove(actor: Actor, id: string): Promise<void> {
    requireOperator(actor, 'remove quotas');
    const q = await this.get(actor, id);
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      if (!(await tx.quotas.delete(id))) throw new CheomdanError('not_found', `no quota "${id}"`);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'quota.remove', subject: id, detail: { tenant: q.tenantId, resource: q.resource, before: limitsOf(q) } });
    });
    await this.load();
    this.platform.onChange();
  }

  // --- cohorts -------------------------------------------------------------------------------------------

  async createCohort(actor: Actor, input: CohortCreate): Promise<CohortRecord> {
    requireOperator(actor, 'create cohorts');
    if (await this.ctx.store.cohorts.get(input.name)) throw new CheomdanError('conflict', `cohort "${input.name}" exists already`, field('name', 'taken'));
    const now = this.ctx.clock();
    const c: CohortRecord = { name: input.name, description: input.description ?? '', createdBy: actor.user.id, createdAt: now };
    await this.ctx.store.transaction(async (tx) => {
      await tx.cohorts.create(c);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'cohort.create', subject: c.name, detail: { description: c.description } });
    });
    return c;
  }

  async cohorts(): Promise<(CohortRecord & { members: number })[]> {
    return (await this.ctx.store.cohorts.list()).map((c) => ({ ...c, members: this.explicit.filter((q) => q.cohort === c.name).length }));
  }

  async removeCohort(actor: Actor, name: string): Promise<void> {
    requireOperator(actor, 'remove cohorts');
    if (!(await this.ctx.store.cohorts.get(name))) throw new CheomdanError('not_found', `no cohort "${name}"`);
    const members = this.explicit.filter((q) => q.cohort === name);
    if (members.length > 0) throw new CheomdanError('conflict', `cohort "${name}" still has ${members.length} quota(s) (${members.slice(0, 5).map((q) => q.id).join(', ')}); move or remove them first`);
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      await tx.cohorts.delete(name);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'cohort.remove', subject: name, detail: {} });
    });
  }

  private view(q: QuotaRecord, source: QuotaView['source'] = 'explicit'): QuotaView {
    const types = typesNamed(q.resource) ?? [];
    let inUse = 0;
    for (const j of this.platform.runningJobs()) {
      if (j.tenantId !== q.tenantId || (q.projectId !== null && j.projectId !== q.projectId)) continue;
      if (j.acceleratorType === null || !types.includes(j.acceleratorType as AcceleratorTypeId)) continue;
      for (const p of j.placement ?? []) inUse += p.devices.length;
    }
    return { ...q, acceleratorTypes: types, inUse, borrowed: Math.max(0, inUse - q.guaranteed), source };
  }
}

function toSnapshot(q: QuotaRecord): QuotaSnapshot {
  const types = typesNamed(q.resource) ?? [q.resource as AcceleratorTypeId];
  return {
    tenant: q.tenantId as TenantId, project: q.projectId ?? undefined, acceleratorType: types[0]!, acceleratorTypes: types, label: q.resource,
    guaranteedDevices: q.guaranteed, borrowLimitDevices: q.borrowLimit ?? Number.POSITIVE_INFINITY,
    lendLimitDevices: q.lendLimit ?? undefined, cohort: q.cohort ?? undefined,
  };
}

const limitsOf = (q: QuotaRecord) => ({ guaranteed: q.guaranteed, borrowLimit: q.borrowLimit, lendLimit: q.lendLimit, cohort: q.cohort });

