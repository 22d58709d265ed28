/**
 * Programs (calls for applications), applications and reviews.
 *
 * An application's life (each transition one function that checks where it comes from):
 *
 *   draft ──submit──▶ submitted ──score (first review)──▶ under_review
 *     │                  │  │                                 │  │
 *     │                  │  └──────────approve / reject───────┼──┴──▶ approved (an allocation is awarded) | rejected
 *     └──withdraw──▶ withdrawn ◀──────withdraw────────────────┘
 *
 * Rules: only operators create programs and assign reviewers; a tenant's owner applies for the tenant; only
 * reviewers assigned to the program score, once per reviewer (a new score replaces theirs) and on every
 * criterion; operators decide (approve — possibly for less than asked — or reject, always with a reason).
 * Submission checks the window, eligibility (tenant kind, sector, declared region) and the per-tenant cap;
 * approval checks the program's remaining budget, the cap and the sector's share. Every decision is in the
 * audit log with who, when and why, and on the application itself.
 */
import * as L from '../../core/accounting/ledger.ts';
import { formatSu, suToMilli } from '../../core/accounting/units.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asProjectId, asTenantId, asUserId, type UserId } from '../../core/ids.ts';
import type { ApplicationApprove, ApplicationCreate, ProgramCreate, ReviewCreate } from '../../contract/accounting.ts';
import type { Store, TenantRecord } from '../../store/index.ts';
import type { AllocationRecord, ApplicationRecord, ApplicationState, ProgramRecord, ReviewRecord } from '../../store/queries/accounting/index.ts';
import { requireOperator, type Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import type { IdentityService } from '../identity.ts';
import { acceleratorId, parseInstant, scheduleFor, tranchesFor, type AllocationService } from './allocations.ts';
import type { AccountingService } from './enforcement.ts';
import { post } from './posting.ts';

const DAY = 86_400_000;

export interface ProgramView { program: ProgramRecord; remainingMsu: number; reviewers?: string[] }

/** The weighted score of one review (0–10): Σ score × weight / Σ weight. */
export function weightedScore(p: ProgramRecord, scores: Record<string, number>): number {
  let num = 0;
  let den = 0;
  for (const c of p.criteria) {
    num += (scores[c.key] ?? 0) * c.weight;
    den += c.weight;
  }
  return den === 0 ? 0 : Math.round((num / den) * 100) / 100;
}

export class ProgramService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    private readonly allocations: AllocationService,
    private readonly enforcement: AccountingService,
  ) {}

  // --- programs ------------------------------------------------------------------------------------------------

  async create(actor: Actor, input: ProgramCreate): Promise<ProgramView> {
    requireOperator(actor, 'create programs');
    const now = this.ctx.clock();
    const budget = suToMilli(input.budget, 'budget');
    if (budget <= 0) throw new CheomdanError('validation_failed', 'a program needs a budget above 0 SU', { errors: [{ path: 'budget', message: 'must be > 0' }] });
    const p: ProgramRecord = {
      id: this.ctx.ids('prg'), slug: input.slug, name: input.name, description: input.description,
      opensAt: parseInstant(input.opensAt), closesAt: parseInstant(input.closesAt), budgetMsu: budget,
      tenantCapMsu: input.tenantCap !== undefined ? suToMilli(input.tenantCap, 'tenantCap') : null,
      eligibility: input.eligibility, sectorShares: input.sectorShares as Record<string, number>, criteria: input.criteria,
      allocationTerms: input.allocationTerms, createdBy: actor.user.id, createdAt: now,
    };
    await this.ctx.store.transaction(async (tx) => {
      await tx.programs.create(p);
      await post(tx, L.fundProgram(p.id, budget), { at: now, programId: p.id, actorUserId: actor.user.id, memo: `budget of program ${p.slug}` });
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'program.create', subject: p.id, detail: { slug: p.slug, budgetSu: budget / 1000 } });
    });
    return { program: p, remainingMsu: budget, reviewers: [] };
  }

  async list(): Promise<ProgramView[]> {
    const programs = await this.ctx.store.programs.list();
    const b = await this.ctx.store.ledger.balances('program:');
    return programs.map((p) => ({ program: p, remainingMsu: b.get(L.programBudget(p.id)) ?? 0 }));
  }

  async get(actor: Actor, idOrSlug: string): Promise<ProgramView> {
    const p = await this.program(idOrSlug);
    const remainingMsu = await this.ctx.store.ledger.balance(L.programBudget(p.id));
    const reviewers = actor.isOperator ? await this.ctx.store.programs.reviewers(p.id) : undefined;
    return { program: p, remainingMsu, ...(reviewers ? { reviewers } : {}) };
  }

  async addReviewer(actor: Actor, idOrSlug: string, user: string): Promise<ProgramView> {
    requireOperator(actor, 'assign reviewers');
    const p = await this.program(idOrSlug);
    const u = (await this.ctx.store.users.get(asUserId(user))) ?? (await this.ctx.store.users.getByEmail(user.toLowerCase()));
    if (!u || u.disabledAt !== null) throw new CheomdanError('validation_failed', `no user "${user}"`, { errors: [{ path: 'user', message: 'unknown user' }] });
    const now = this.ctx.clock();
    await this.ctx.store.transaction(async (tx) => {
      await tx.programs.addReviewer(p.id, u.id);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'program.reviewer', subject: p.id, detail: { reviewer: u.id } });
    });
    return this.get(actor, p.id);
  }

  private async program(idOrSlug: string): Promise<ProgramRecord> {
    const p = await this.ctx.store.programs.get(idOrSlug);
    if (!p) throw new CheomdanError('not_found', `no program "${idOrSlug}"; list them with \`cheomdan programs\``);
    return p;
  }

  // --- applications ----------------------------------------------------------------------------------------------

  async apply(actor: Actor, input: ApplicationCreate): Promise<ApplicationRecord> {
    if (actor.isOperator || !actor.tenantId || actor.user.role !== 'owner') {
      throw new CheomdanError('forbidden', "only an organization's owner can apply for an allocation");
    }
    const p = await this.program(input.program);
    let projectId: string | null = null;
    if (input.project !== undefined) projectId = (await this.identity.resolveProject(actor, input.project)).id;
    const now = this.ctx.clock();
    const requested = suToMilli(input.serviceUnits, 'serviceUnits');
    if (requested <= 0) throw new CheomdanError('validation_failed', 'ask for more than 0 SU', { errors: [{ path: 'serviceUnits', message: 'must be > 0' }] });
    const a: ApplicationRecord = {
      id: this.ctx.ids('app'), programId: p.id, tenantId: actor.tenantId, projectId, title: input.title, description: input.description,
      request: { accelerators: input.accelerators.map((x, i) => ({ type: acceleratorId(x.type, `accelerators[${i}].type`), count: x.count })), durationDays: input.durationDays },
      requestedMsu: requested, expectedOutputs: input.expectedOutputs, region: input.region ?? null, state: 'draft',
      submittedAt: null, decidedAt: null, decidedBy: null, decisionReason: null, approvedMsu: null, allocationId: null,
      createdBy: actor.user.id, createdAt: now, updatedAt: now,
    };
    if (input.submit) await this.checkSubmittable(p, a, now);
    const stored = await this.ctx.store.transaction(async (tx) => {
      const created = await tx.applications.create(input.submit ? { ...a, state: 'submitted', submittedAt: now } : a);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: input.submit ? 'application.submit' : 'application.create', subject: a.id, detail: { program: p.slug, serviceUnits: requested / 1000 } });
      return created;
    });
    return stored;
  }

  async submit(actor: Actor, id: string): Promise<ApplicationRecord> {
    const a = await this.getOwn(actor, id);
    const p = await this.program(a.programId);
    const now = this.ctx.clock();
    await this.checkSubmittable(p, a, now);
    return this.move(actor, a, ['draft'], { state: 'submitted', submittedAt: now }, 'submit', null);
  }

  async withdraw(actor: Actor, id: string): Promise<ApplicationRecord> {
    const a = await this.getOwn(actor, id);
    return this.move(actor, a, ['draft', 'submitted', 'under_review'], { state: 'withdrawn' }, 'withdraw', null);
  }

  async score(actor: Actor, id: string, input: ReviewCreate): Promise<ApplicationRecord> {
    const a = await this.ctx.store.applications.get(id);
    const reviewerOf = await this.ctx.store.programs.reviewedBy(actor.user.id);
    if (!a || (!reviewerOf.includes(a.programId) && !actor.isOperator && a.tenantId !== actor.tenantId)) throw new CheomdanError('not_found', `no application "${id}"`);
    if (!reviewerOf.includes(a.programId)) throw new CheomdanError('forbidden', "only reviewers assigned to the application's program can score it; an operator assigns them");
    if (a.tenantId === actor.tenantId) throw new CheomdanError('forbidden', "reviewers cannot score their own organization's application");
    const p = await this.program(a.programId);
    const problems = [];
    for (const c of p.criteria) if (input.scores[c.key] === undefined) problems.push({ path: `scores.${c.key}`, message: `missing a score for "${c.name}" (0–10)` });
    for (const k of Object.keys(input.scores)) if (!p.criteria.some((c) => c.key === k)) problems.push({ path: `scores.${k}`, message: `no criterion "${k}"; the criteria are ${p.criteria.map((c) => c.key).join(', ')}` });
    if (problems.length > 0) throw new CheomdanError('validation_failed', `score every criterion of the program, and only those: ${problems.map((x) => x.message).join('; ')}`, { errors: problems });
    const now = this.ctx.clock();
    const review: ReviewRecord = { applicationId: id, reviewerId: actor.user.id, scores: input.scores, comment: input.comment, createdAt: now };
    await this.ctx.store.transaction(async (tx) => {
      // Checked and written in this transaction: the application may have been withdrawn, rejected or approved
      // since it was read above. The guarded update (on the state read here) fails if it changes before the
      // commit; on PostgreSQL it also waits for a concurrent decision's transaction to end.
      const cur = await tx.applications.get(id);
      if (!cur || (cur.state !== 'submitted' && cur.state !== 'under_review')) {
        throw new CheomdanError('conflict', `application ${id} is ${cur?.state ?? 'gone'}; only submitted applications are scored`);
      }
      if (!(await tx.applications.update({ ...cur, state: 'under_review', updatedAt: now }, cur.state))) {
        throw new CheomdanError('conflict', `application ${id} changed meanwhile; read it again`);
      }
      await tx.reviews.upsert(review);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'application.score', subject: id, detail: { scores: input.scores, weighted: weightedScore(p, input.scores) } });
    });
    return (await this.ctx.store.applications.get(id))!;
  }

  async approve(actor: Actor, id: string, input: ApplicationApprove): Promise<{ application: ApplicationRecord; allocation: AllocationRecord }> {
    requireOperator(actor, 'approve applications');
    const a = await this.ctx.store.applications.get(id);
    if (!a) throw new CheomdanError('not_found', `no application "${id}"`);
    const p = await this.program(a.programId);
    const tenant = (await this.ctx.store.tenants.get(asTenantId(a.tenantId)))!;
    const amount = input.serviceUnits !== undefined ? suToMilli(input.serviceUnits, 'serviceUnits') : a.requestedMsu;
    if (amount <= 0 || amount > a.requestedMsu) {
      throw new CheomdanError('validation_failed', `approve between 0.001 SU and what was asked (${formatSu(a.requestedMsu)})`, { errors: [{ path: 'serviceUnits', message: 'out of range' }] });
    }
    const now = this.ctx.clock();
    const startsAt = input.startsAt !== undefined ? parseInstant(input.startsAt) : now;
    const endsAt = startsAt + a.request.durationDays * DAY;
    const al: AllocationRecord = {
      id: this.ctx.ids('al'), tenantId: a.tenantId, projectId: a.projectId, programId: p.id, applicationId: a.id,
      name: `${p.name}: ${a.title}`, awardedMsu: amount, acceleratorTypes: [...new Set(a.request.accelerators.map((x) => x.type))],
      concurrentLimit: input.concurrentLimit ?? a.request.accelerators.reduce((s, x) => s + x.count, 0), startsAt, endsAt,
      tranches: tranchesFor(amount, p.allocationTerms.firstTranchePct, now), reportSchedule: scheduleFor(startsAt, endsAt, p.allocationTerms.progressReportMonths),
      discountPct: p.allocationTerms.discountPct, fairShareWeight: input.fairShareWeight ?? 1,
      storageGb: Math.round((input.storageTb ?? 0) * 1000), state: 'active', stateReason: null,
      createdBy: actor.user.id, createdAt: now, updatedAt: now,
    };
    const decided = await this.ctx.store.transaction(async (tx) => {
      await this.checkAward(tx, p, tenant, amount);
      const next: ApplicationRecord = { ...a, state: 'approved', decidedAt: now, decidedBy: actor.user.id, decisionReason: input.reason, approvedMsu: amount, allocationId: al.id, updatedAt: now };
      if (a.state !== 'submitted' && a.state !== 'under_review') throw new CheomdanError('conflict', `application ${id} is ${a.state}; only submitted or reviewed applications can be approved`);
      if (!(await tx.applications.update(next, a.state))) throw new CheomdanError('conflict', `application ${id} changed meanwhile; read it again`);
      await this.allocations.award(tx, al, actor.user.id, now);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'application.approve', subject: id, detail: { serviceUnits: amount / 1000, asked: a.requestedMsu / 1000, reason: input.reason, allocation: al.id } });
      return next;
    });
    this.enforcement.scheduleRefresh();
    return { application: decided, allocation: al };
  }

  async reject(actor: Actor, id: string, reason: string): Promise<ApplicationRecord> {
    requireOperator(actor, 'reject applications');
    const a = await this.ctx.store.applications.get(id);
    if (!a) throw new CheomdanError('not_found', `no application "${id}"`);
    return this.move(actor, a, ['submitted', 'under_review'], { state: 'rejected', decidedAt: this.ctx.clock(), decidedBy: actor.user.id, decisionReason: reason }, 'reject', reason);
  }

  /** Applications the actor may see: operators all; reviewers their programs'; a tenant its own. */
  async listApplications(actor: Actor, f: { program?: string | undefined; state?: string | undefined } = {}): Promise<ApplicationRecord[]> {
    const programId = f.program !== undefined ? (await this.program(f.program)).id : undefined;
    let list: ApplicationRecord[];
    if (actor.isOperator) list = await this.ctx.store.applications.list(programId ? { programId } : {});
    else {
      const own = actor.tenantId ? await this.ctx.store.applications.list({ tenantId: actor.tenantId }) : [];
      const reviewing = await this.ctx.store.applications.list({ programIds: await this.ctx.store.programs.reviewedBy(actor.user.id) });
      const seen = new Map([...own, ...reviewing.filter((a) => a.state !== 'draft')].map((a) => [a.id, a]));
      list = [...seen.values()].filter((a) => programId === undefined || a.programId === programId);
    }
    return f.state !== undefined ? list.filter((a) => a.state === f.state) : list;
  }

  async getApplication(actor: Actor, id: string): Promise<{ application: ApplicationRecord; program: ProgramRecord; reviews: ReviewRecord[] | null }> {
    const a = await this.ctx.store.applications.get(id);
    const reviewer = a ? (await this.ctx.store.programs.reviewedBy(actor.user.id)).includes(a.programId) && a.state !== 'draft' : false;
    if (!a || (!actor.isOperator && !reviewer && a.tenantId !== actor.tenantId)) throw new CheomdanError('not_found', `no application "${id}"`);
    const program = await this.program(a.programId);
    const reviews = actor.isOperator || reviewer ? await this.ctx.store.reviews.list(id) : null;
    return { application: a, program, reviews };
  }

  // --- internals ---------------------------------------------------------------------------------------------------

  private async getOwn(actor: Actor, id: string): Promise<ApplicationRecord> {
    const a = await this.ctx.store.applications.get(id);
    if (!a || a.tenantId !== actor.tenantId) throw new CheomdanError('not_found', `no application "${id}"`);
    if (actor.user.role !== 'owner') throw new CheomdanError('forbidden', "only the organization's owners can submit or withdraw applications");
    return a;
  }

  private async move(actor: Actor, a: ApplicationRecord, from: readonly ApplicationState[], patch: Partial<ApplicationRecord>, verb: string, reason: string | null): Promise<ApplicationRecord> {
    if (!from.includes(a.state)) {
      throw new CheomdanError('conflict', `application ${a.id} is ${a.state}; it can be ${verb === 'submit' ? 'submitted' : verb + (verb.endsWith('w') ? 'n' : 'ed')} only when ${from.join(' or ')}`);
    }
    const now = this.ctx.clock();
    const next = { ...a, ...patch, updatedAt: now };
    await this.ctx.store.transaction(async (tx) => {
      if (!(await tx.applications.update(next, a.state))) throw new CheomdanError('conflict', `application ${a.id} changed meanwhile; read it again`);
      await tx.audit.append({ at: now, actorUserId: actor.user.id as UserId, action: `application.${verb}`, subject: a.id, detail: { from: a.state, to: next.state, reason } });
    });
    return next;
  }

  private async checkSubmittable(p: ProgramRecord, a: ApplicationRecord, now: number): Promise<void> {
    if (now < p.opensAt) throw new CheomdanError('conflict', `program ${p.slug} opens on ${new Date(p.opensAt).toISOString()}; submit then (your draft is kept)`);
    if (now >= p.closesAt) throw new CheomdanError('conflict', `program ${p.slug} closed on ${new Date(p.closesAt).toISOString()}`);
    const t = (await this.ctx.store.tenants.get(asTenantId(a.tenantId)))!;
    const e = p.eligibility;
    const problems = [];
    if (e.tenantKinds.length > 0 && !e.tenantKinds.includes(t.kind)) problems.push({ path: 'tenant', message: `program ${p.slug} is open to ${e.tenantKinds.join(', ')}; your organization is a ${t.kind}` });
    if (e.sectors.length > 0 && !e.sectors.includes(t.sector)) problems.push({ path: 'tenant', message: `program ${p.slug} is open to the sectors ${e.sectors.join(', ')}; yours is ${t.sector}` });
    if (e.regions.length > 0 && (a.region === null || !e.regions.includes(a.region))) problems.push({ path: 'region', message: `program ${p.slug} is open to the regions ${e.regions.join(', ')}; give "region"` });
    if (p.tenantCapMsu !== null && a.requestedMsu > p.tenantCapMsu) problems.push({ path: 'serviceUnits', message: `program ${p.slug} awards at most ${formatSu(p.tenantCapMsu)} per organization` });
    if (problems.length > 0) throw new CheomdanError('validation_failed', `not eligible: ${problems.map((x) => x.message).join('; ')}`, { errors: problems });
    if (a.projectId !== null && !(await this.ctx.store.projects.get(asProjectId(a.projectId)))) throw new CheomdanError('validation_failed', 'the project is gone');
  }

  /** Budget left, the per-tenant cap and the sector's share, inside the approving transaction. */
  private async checkAward(tx: Store, p: ProgramRecord, tenant: TenantRecord, amount: number): Promise<void> {
    await tx.programs.lock(p.id); // concurrent approvals under one program are serialised (PostgreSQL)
    const remaining = await tx.ledger.balance(L.programBudget(p.id));
    if (amount > remaining) throw new CheomdanError('conflict', `program ${p.slug} has ${formatSu(remaining)} left to award; approve for less`, { errors: [{ path: 'serviceUnits', message: 'more than the budget left' }] });
    const awarded = await tx.allocations.list({ programId: p.id });
    if (p.tenantCapMsu !== null) {
      const mine = awarded.filter((x) => x.tenantId === tenant.id).reduce((s, x) => s + x.awardedMsu, 0);
      if (mine + amount > p.tenantCapMsu) throw new CheomdanError('conflict', `${tenant.slug} already has ${formatSu(mine)} under ${p.slug}; the cap per organization is ${formatSu(p.tenantCapMsu)}`, { errors: [{ path: 'serviceUnits', message: 'over the per-organization cap' }] });
    }
    const share = p.sectorShares[tenant.sector];
    if (share !== undefined) {
      const cap = Math.floor((p.budgetMsu * share) / 100);
      const tenants = new Map((await tx.tenants.list()).map((t) => [t.id as string, t]));
      const inSector = awarded.filter((x) => tenants.get(x.tenantId)?.sector === tenant.sector).reduce((s, x) => s + x.awardedMsu, 0);
      if (inSector + amount > cap) throw new CheomdanError('conflict', `the ${tenant.sector} sector's share of ${p.slug} is ${share}% (${formatSu(cap)}); ${formatSu(inSector)} is awarded already`, { errors: [{ path: 'serviceUnits', message: "over the sector's share" }] });
    }
  }
}
