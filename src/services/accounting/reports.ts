/**
 * Reports: usage (per tenant, project, program, allocation, month, accelerator type), capacity utilisation,
 * allocations at risk (spending far below or above their pace, exhausted, suspended), outputs per allocation
 * (the program's KPIs) and progress/final reports against their schedule. Everything a tenant asks for is
 * limited to its own organization; utilisation is for operators.
 */
import { allocationAccounts, allocationBalance } from '../../core/accounting/ledger.ts';
import { groupUsage, pace, scheduleStatus, type ChargeFact, type Dimension } from '../../core/accounting/report.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { AllocationRecord } from '../../store/queries/accounting/index.ts';
import { requireOperator, type Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import type { IdentityService } from '../identity.ts';
import { parseInstant } from './allocations.ts';

export interface UsageArgs { from?: string | undefined; to?: string | undefined; groupBy: readonly Dimension[]; tenant?: string | undefined; program?: string | undefined }

export class ReportService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    /** Devices per accelerator type in the inventory (for utilisation). */
    private readonly devicesByType: () => Record<string, number>,
  ) {}

  async usage(actor: Actor, a: UsageArgs) {
    const from = a.from !== undefined ? parseInstant(a.from) : undefined;
    const to = a.to !== undefined ? parseInstant(a.to) : undefined;
    if (from !== undefined && to !== undefined && to <= from) throw new CheomdanError('validation_failed', '"to" must be after "from"', { errors: [{ path: 'to', message: 'before from' }] });
    const tenantId = await this.scope(actor, a.tenant);
    const programId = a.program !== undefined ? await this.programId(a.program) : undefined;
    const txns = await this.ctx.store.ledger.list({
      kinds: ['settle'], ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
      ...(tenantId ? { tenantId } : {}), ...(programId ? { programId } : {}),
    });
    const facts: ChargeFact[] = txns.map((t) => ({
      at: t.at, tenant: t.tenantId, project: t.projectId, user: t.actorUserId, program: t.programId, allocation: t.allocationId,
      acceleratorType: t.acceleratorType, amount: t.amount, deviceMs: t.deviceMs, cpuMs: t.cpuMs,
    }));
    return { from: from ?? null, to: to ?? null, groupBy: a.groupBy, ...groupUsage(facts, a.groupBy) };
  }

  /** Device-hours used against device-hours available, per accelerator type, over [from, to). */
  async utilisation(actor: Actor, a: { from?: string | undefined; to?: string | undefined }) {
    requireOperator(actor, 'see capacity utilisation');
    const now = this.ctx.clock();
    const to = a.to !== undefined ? parseInstant(a.to) : now;
    const from = a.from !== undefined ? parseInstant(a.from) : to - 30 * 86_400_000;
    if (to <= from) throw new CheomdanError('validation_failed', '"to" must be after "from"', { errors: [{ path: 'to', message: 'before from' }] });
    const used = await this.ctx.store.usage.sumDeviceSeconds({ from, to, now });
    const hours = (to - from) / 3_600_000;
    const devices = this.devicesByType();
    const rows = Object.keys({ ...devices, ...used.byAcceleratorType }).sort().map((type) => {
      const usedHours = (used.byAcceleratorType[type] ?? 0) / 3600;
      const available = (devices[type] ?? 0) * hours;
      return { acceleratorType: type, devices: devices[type] ?? 0, usedDeviceHours: round(usedHours, 6), availableDeviceHours: round(available, 6), utilisation: available > 0 ? round(usedHours / available, 4) : null };
    });
    return { from, to, rows };
  }

  /** Allocations spending far off their pace, exhausted or suspended — the monthly usage check. */
  async atRisk(actor: Actor, a: { program?: string | undefined } = {}) {
    const now = this.ctx.clock();
    const list = await this.allocations(actor, a.program);
    const balances = await this.ctx.store.ledger.balancesOf(allocationAccounts(list.map((a) => a.id)));
    const out = [];
    for (const al of list) {
      if (al.state === 'expired') continue;
      const b = allocationBalance(al.id, balances);
      const p = pace(al, b.spent + b.held, now);
      const reasons: string[] = [];
      if (p.verdict === 'underspending') reasons.push(`spent ${pct(p.spentShare)} of the award after ${pct(p.elapsed)} of its period`);
      if (p.verdict === 'overspending') reasons.push(`spent ${pct(p.spentShare)} of the award after only ${pct(p.elapsed)} of its period; it will run out early`);
      if (b.available <= 0 && al.state === 'active') reasons.push('exhausted: nothing available');
      if (al.state === 'suspended') reasons.push(`suspended${al.stateReason ? `: ${al.stateReason}` : ''}`);
      if (reasons.length > 0) {
        out.push({ allocation: al.id, tenant: al.tenantId, program: al.programId, verdict: p.verdict, elapsed: round(p.elapsed, 4), spentShare: round(p.spentShare, 4), availableSu: b.available / 1000, reasons });
      }
    }
    return out;
  }

  /** Outputs per allocation (papers, models, datasets…), with counts per kind: the program's KPIs. */
  async outputs(actor: Actor, a: { program?: string | undefined } = {}) {
    const list = await this.allocations(actor, a.program);
    const outputs = await this.ctx.store.outputs.list({ allocationIds: list.map((x) => x.id) });
    return list.map((al) => {
      const mine = outputs.filter((o) => o.allocationId === al.id);
      const counts: Record<string, number> = {};
      for (const o of mine) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
      return { allocation: al.id, tenant: al.tenantId, program: al.programId, counts, outputs: mine.map((o) => ({ kind: o.kind, title: o.title, reference: o.reference })) };
    });
  }

  /** Progress and final reports against each allocation's schedule. */
  async schedule(actor: Actor, a: { program?: string | undefined } = {}) {
    const now = this.ctx.clock();
    const list = await this.allocations(actor, a.program);
    const filed = await this.ctx.store.allocationReports.list({ allocationIds: list.map((x) => x.id) });
    return list.flatMap((al) => scheduleStatus(al.reportSchedule, filed.filter((r) => r.allocationId === al.id), now)
      .map((s) => ({ allocation: al.id, tenant: al.tenantId, program: al.programId, ...s })));
  }

  private async allocations(actor: Actor, program: string | undefined): Promise<AllocationRecord[]> {
    const tenantId = await this.scope(actor, undefined);
    const programId = program !== undefined ? await this.programId(program) : undefined;
    return this.ctx.store.allocations.list({ ...(tenantId ? { tenantId } : {}), ...(programId ? { programId } : {}) });
  }

  /** The tenant a report is limited to: a tenant user's own; an operator's choice (or all). */
  private async scope(actor: Actor, tenant: string | undefined): Promise<string | undefined> {
    if (actor.isOperator) return tenant !== undefined ? (await this.identity.resolveTenant(actor, tenant)).id : undefined;
    if (!actor.tenantId) throw new CheomdanError('forbidden', 'you belong to no organization');
    if (tenant !== undefined) return (await this.identity.resolveTenant(actor, tenant)).id; // not_found for others
    return actor.tenantId;
  }

  private async programId(idOrSlug: string): Promise<string> {
    const p = await this.ctx.store.programs.get(idOrSlug);
    if (!p) throw new CheomdanError('not_found', `no program "${idOrSlug}"`);
    return p.id;
  }
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (x: number) => `${Math.round(x * 100)}%`;
