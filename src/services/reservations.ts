/**
 * Reservations: whole nodes held for one organization during [startsAt, endsAt) — a class, a demo, a
 * deadline. Only operators make and cancel them; an organization sees its own. Two reservations never hold
 * the same node at the same time. The scheduler does the holding (scheduler/reservations.ts): another
 * organization's job stays off the nodes whenever it would still run inside the window, and a job that
 * names the reservation runs only on them, once the window opens (`reservation_not_active` until then).
 * A job that names a reservation is charged at the reservation multiplier (services/accounting).
 */
import { CheomdanError } from '../core/errors.ts';
import { asNodeName, type NodeName, type ReservationId, type TenantId } from '../core/ids.ts';
import type { ReservationCreate } from '../contract/inventory.ts';
import { inWords } from '../scheduler/index.ts';
import type { ReservationSnapshot } from '../scheduler/types.ts';
import type { JobRecord, ReservationRecord } from '../store/records.ts';
import { assertVisible, requireOperator, tenantScope, type Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';
import type { IdentityService } from './identity.ts';

export type ReservationState = 'upcoming' | 'active' | 'ended' | 'cancelled';

export function reservationState(r: ReservationRecord, now: number): ReservationState {
  if (r.cancelledAt !== null) return 'cancelled';
  if (now >= r.endsAt) return 'ended';
  return now >= r.startsAt ? 'active' : 'upcoming';
}

const iso = (t: number) => new Date(t).toISOString();
const parseInstant = (s: string): number => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);

export class ReservationService {
  /** Reservations not cancelled and not over, as the scheduler sees them. */
  private live: ReservationRecord[] = [];

  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    /** The nodes the cluster has now (a reservation may only name those). */
    private readonly nodeNames: () => readonly string[],
    /** Called after the set of live reservations changed (the controller re-plans). */
    private readonly onChange: () => void = () => {},
    /** Jobs running now (a reservation must not start on nodes they will still hold). */
    private readonly runningJobs: () => readonly JobRecord[] = () => [],
  ) {}

  async load(): Promise<void> {
    const now = this.ctx.clock();
    this.live = (await this.ctx.store.reservations.list({ endingAfter: now })).filter((r) => r.cancelledAt === null);
  }

  /** The scheduler's view (seconds), of reservations not yet over. */
  snapshots(): ReservationSnapshot[] {
    const now = this.ctx.clock();
    return this.live.filter((r) => r.endsAt > now).map((r) => ({
      id: r.id as ReservationId, tenant: r.tenantId, start: r.startsAt / 1000, end: r.endsAt / 1000, nodes: r.nodes,
    }));
  }

  async create(actor: Actor, input: ReservationCreate): Promise<ReservationRecord> {
    requireOperator(actor, 'reserve nodes');
    const tenant = await this.identity.resolveTenant(actor, input.tenant);
    const now = this.ctx.clock();
    const startsAt = parseInstant(input.startsAt);
    const endsAt = parseInstant(input.endsAt);
    if (endsAt <= startsAt) throw new CheomdanError('validation_failed', `endsAt (${input.endsAt}) must be after startsAt (${input.startsAt})`, { errors: [{ path: 'endsAt', message: 'not after startsAt' }] });
    if (endsAt <= now) throw new CheomdanError('validation_failed', `the window ends in the past (${iso(endsAt)}); reserve a window that ends after now`, { errors: [{ path: 'endsAt', message: 'in the past' }] });
    const known = new Set(this.nodeNames());
    const nodes = [...new Set(input.nodes)];
    const unknown = nodes.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new CheomdanError('validation_failed', `no node ${unknown.map((n) => `"${n}"`).join(', ')} in the cluster; see \`cheomdan nodes\``, {
        errors: unknown.map((n) => ({ path: `nodes[${input.nodes.indexOf(n)}]`, message: `unknown node "${n}"` })),
      });
    }
    // As Slurm refuses a reservation that overlaps running jobs (unless told to ignore them): a job still
    // running on a node when the window opens would keep the holder off it.
    const busy = this.runningJobs().filter((j) => (j.placement ?? []).some((p) => nodes.includes(p.node))
      && (j.startedAt ?? now) + j.request.timeLimitSeconds * 1000 > startsAt);
    if (busy.length > 0 && !input.ignoreJobs) {
      const until = Math.max(...busy.map((j) => (j.startedAt ?? now) + j.request.timeLimitSeconds * 1000));
      throw new CheomdanError('conflict', `${busy.length} running job(s) may still hold these nodes when the window opens (${busy.slice(0, 5).map((j) => j.id).join(', ')}${busy.length > 5 ? ', …' : ''}; their time limits run until ${iso(until)}); start the window later, drain the nodes, or pass ignoreJobs: true`, {
        errors: [{ path: 'startsAt', message: 'running jobs overlap the window' }],
      });
    }
    const r: ReservationRecord = {
      id: this.ctx.ids('rsv'), tenantId: tenant.id, name: input.name, nodes: nodes.map(asNodeName) as NodeName[],
      startsAt, endsAt, cancelledAt: null, createdBy: actor.user.id, createdAt: now,
    };
    await this.ctx.store.transaction(async (tx) => {
      await tx.reservations.lockAll(); // the overlap check and the insert, one reservation at a time
      for (const other of await tx.reservations.list({ endingAfter: startsAt })) {
        if (other.cancelledAt !== null || other.startsAt >= endsAt) continue;
        const shared = other.nodes.filter((n) => nodes.includes(n));
        if (shared.length > 0) {
          throw new CheomdanError('conflict', `${shared.join(', ')} ${shared.length > 1 ? 'are' : 'is'} already reserved by ${other.id} ("${other.name}") from ${iso(other.startsAt)} to ${iso(other.endsAt)}; choose other nodes or another window`, {
            errors: [{ path: 'nodes', message: `overlaps reservation ${other.id}` }],
          });
        }
      }
      await tx.reservations.create(r);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'reservation.create', subject: r.id, detail: { tenant: tenant.slug, nodes, startsAt: iso(startsAt), endsAt: iso(endsAt) } });
    });
    await this.load();
    this.onChange();
    return r;
  }

  async get(actor: Actor, id: string): Promise<ReservationRecord> {
    const r = await this.ctx.store.reservations.get(id);
    if (!r) throw new CheomdanError('not_found', `no reservation "${id}"`);
    assertVisible(actor, r.tenantId, 'reservation', id);
    return r;
  }

  /** An organization's reservations, or every one for operators; `current`: only those not over or cancelled. */
  async list(actor: Actor, f: { tenant?: string; current?: boolean } = {}): Promise<ReservationRecord[]> {
    const scope = tenantScope(actor, f.tenant === undefined ? undefined : (await this.identity.resolveTenant(actor, f.tenant)).id);
    const now = this.ctx.clock();
    const all = await this.ctx.store.reservations.list({ ...(scope ? { tenantId: scope as TenantId } : {}), ...(f.current ? { endingAfter: now } : {}) });
    return f.current ? all.filter((r) => r.cancelledAt === null) : all;
  }

  async cancel(actor: Actor, id: string): Promise<ReservationRecord> {
    requireOperator(actor, 'cancel reservations');
    const r = await this.get(actor, id);
    const now = this.ctx.clock();
    const state = reservationState(r, now);
    if (state === 'cancelled' || state === 'ended') throw new CheomdanError('conflict', `reservation ${id} has ${state === 'ended' ? 'ended' : 'been cancelled'} already`);
    await this.ctx.store.transaction(async (tx) => {
      if (!(await tx.reservations.cancel(id, now))) throw new CheomdanError('conflict', `reservation ${id} has been cancelled already`);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'reservation.cancel', subject: id, detail: { name: r.name } });
    });
    await this.load();
    this.onChange();
    return { ...r, cancelledAt: now };
  }

  /**
   * The reservation a submission names: visible to the submitter, of the job's organization, not cancelled
   * or over, holding a node of the job's partition, long enough for the job's time limit (a job in a
   * reservation must end inside it). Returns its id.
   */
  async forJob(actor: Actor, tenantId: string, id: string, partitionOf: (node: string) => string | undefined, partition: string, timeLimitSeconds: number): Promise<ReservationRecord> {
    const r = await this.ctx.store.reservations.get(id);
    if (!r || (!actor.isOperator && r.tenantId !== actor.tenantId)) {
      throw new CheomdanError('not_found', `no reservation "${id}"`, { errors: [{ path: 'reservation', message: 'unknown reservation' }] });
    }
    const bad = (message: string) => new CheomdanError('validation_failed', message, { errors: [{ path: 'reservation', message }] });
    if (r.tenantId !== tenantId) throw bad(`reservation ${id} holds nodes for another organization than this job's`);
    const state = reservationState(r, this.ctx.clock());
    if (state === 'cancelled' || state === 'ended') throw bad(`reservation ${id} has ${state === 'ended' ? `ended (${iso(r.endsAt)})` : 'been cancelled'}`);
    const left = r.endsAt - Math.max(this.ctx.clock(), r.startsAt);
    if (timeLimitSeconds * 1000 > left) {
      throw bad(`the job's time limit (${inWords(timeLimitSeconds)}) is longer than reservation ${id} has${state === 'active' ? ' left' : ''} (${inWords(left / 1000)}); a job in a reservation must end inside it: shorten its time limit`);
    }
    if (!r.nodes.some((n) => partitionOf(n) === partition)) {
      throw bad(`reservation ${id} holds ${r.nodes.join(', ')}, none of them in partition "${partition}"; submit to their partition`);
    }
    return r;
  }
}
