/**
 * One scheduling cycle: a pure, deterministic function of the snapshot.
 *
 *   cycle(snapshot, policy, now) -> { decisions, pending, priorities }
 *
 * 1. snapshot  — the free-capacity index (the caller's, or built from nodes + running), quota ledger,
 *                reservations, fair share; all changes below are mutate-then-undo on the index.
 * 2. order     — rank every pending job with the order policy (ties: earlier submission, higher user
 *                priority, job id), so the same input always gives the same order.
 * 3. nominate  — walk the queue; per partition at most `queueDepth` full placement attempts. A job that can
 *                never fit, is out of quota, waits for its reservation or its allocation gets its reason
 *                without a placement attempt. Blocked jobs gate the jobs behind them by the backfill mode:
 *                none (strict FIFO: nothing behind the head starts), easy (the head gets a reservation from a
 *                forward simulation on time limits; a job behind may start only if it ends before that time
 *                or avoids the head's nodes), greedy (skip the blocked job).
 * 4. preempt   — a blocked job may free capacity by preemption (reclaim of borrowed quota; priority for
 *                preemptive policies): its preempt decisions are followed by its own start on the freed
 *                capacity. Decisions must be applied in order (the controller stops the victims first).
 * 5. admit     — every job that fits gets a start decision and its capacity is assumed taken, so later jobs
 *                in the same cycle see it.
 * 6. explain   — every job left pending gets a reason and, within `estimateDepth` per partition, an
 *                estimated start by forward simulation. Then the index is rolled back and decisions returned.
 */
import type { JobId } from '../core/ids.ts';
import { Assumptions } from './assume.ts';
import { CapacityIndex } from './capacity.ts';
import { forwardStarts, type Release } from './estimate.ts';
import { explainMessage, type ExplainDetail } from './explain.ts';
import { FairShare } from './fairshare.ts';
import { candidateGroups, feasibility, findPlacement, type PlaceOptions } from './placement.ts';
import type { OrderContext } from './policies/order.ts';
import type { Policy } from './policy.ts';
import { planPreemption } from './preemption.ts';
import { QuotaLedger } from './quotas.ts';
import { Reservations } from './reservations.ts';
import type {
  ClusterSnapshot, CycleResult, Decision, FeasibilityResult, PendingExplanation, PendingJobSnapshot, PriorityBreakdown,
  RunningJobSnapshot, Seconds,
} from './types.ts';

interface Entry {
  job: PendingJobSnapshot;
  rank: number;
  factors: Record<string, number> | undefined;
}

interface PartitionState {
  attempts: number;
  head: PendingJobSnapshot | undefined;
  /** EASY: when the head is guaranteed to start and the nodes it will take. */
  shadow: { time: Seconds; nodes: Set<number> } | null;
  strictBlocked: boolean;
  running: RunningJobSnapshot[];
  /** Jobs started (or capacity held) in this cycle, as releases for forward simulation. */
  extra: Release[];
  waiting: { job: PendingJobSnapshot; slot: number }[];
  /** The worst rank among the partition's running jobs (lazy): a job ranked no better has no victim. */
  worstRunning: number | undefined;
}

const devicesOf = (j: PendingJobSnapshot) => j.request.tasks * j.request.devicesPerTask;

function byRank(a: Entry, b: Entry): number {
  return a.rank - b.rank || a.job.submittedAt - b.job.submittedAt || b.job.priority - a.job.priority
    || (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0);
}

function requestKey(j: PendingJobSnapshot): string {
  const r = j.request;
  return `${j.partition}|${r.tasks}|${r.devicesPerTask}|${r.acceleratorTypes.join(',')}|${r.cpusPerTask}|${r.memoryMbPerTask}|${r.nodes ?? ''}|${r.tasksPerNode ?? ''}`;
}

export function cycle(snapshot: ClusterSnapshot, policy: Policy, now: Seconds): CycleResult {
  // 1. Snapshot.
  const index = snapshot.index ?? CapacityIndex.build(snapshot.nodes, snapshot.running);
  const tx = new Assumptions(index);
  const quota = new QuotaLedger(snapshot.quotas, snapshot.running);
  const reservations = new Reservations(snapshot.reservations, index, now);
  const explainAll = policy.explain === 'all';
  const partitionDevices = new Map<string, number>();
  const ctx: OrderContext & { fairShare?: FairShare } = {
    now, usage: snapshot.usage,
    partitionDevices: (p) => {
      let n = partitionDevices.get(p);
      if (n === undefined) {
        n = 0;
        for (const g of index.groupsOf(p)) n += g.capacityAll;
        partitionDevices.set(p, n);
      }
      return n;
    },
  };
  if (policy.name === 'multifactor') ctx.fairShare = fairShareOf(snapshot);

  // 2. Order.
  const order = policy.order;
  const entries: Entry[] = new Array(snapshot.pending.length);
  for (let i = 0; i < snapshot.pending.length; i++) {
    const job = snapshot.pending[i]!;
    const factors = order.factors && (explainAll || policy.name === 'multifactor') ? order.factors(job, ctx) : undefined;
    const rank = factors?.priority !== undefined ? -factors.priority : order.rank(job, ctx);
    entries[i] = { job, rank, factors };
  }
  entries.sort(byRank);

  const decisions: Decision[] = [];
  const details: (ExplainDetail | null)[] = explainAll ? new Array(entries.length).fill(null) : [];
  const parts = new Map<string, PartitionState>();
  let runningByPartition: Map<string, RunningJobSnapshot[]> | null = null;
  const partition = (name: string): PartitionState => {
    let s = parts.get(name);
    if (!s) {
      if (!runningByPartition) {
        runningByPartition = new Map();
        for (const r of snapshot.running) {
          const l = runningByPartition.get(r.partition);
          if (l) l.push(r); else runningByPartition.set(r.partition, [r]);
        }
      }
      s = { attempts: 0, head: undefined, shadow: null, strictBlocked: false, running: runningByPartition.get(name) ?? [], extra: [], waiting: [], worstRunning: undefined };
      parts.set(name, s);
    }
    return s;
  };
  const feasible = new Map<string, FeasibilityResult>();
  const victims = new Set<JobId>();
  const releasesOf = (s: PartitionState): Release[] => {
    const out: Release[] = [];
    for (const r of s.running) {
      if (!victims.has(r.id)) out.push({ end: r.startedAt + r.request.timeLimitSeconds, placement: r.placement, type: r.acceleratorType });
    }
    for (const e of s.extra) out.push(e);
    return out;
  };

  // 3–5. Nominate, preempt, admit.
  for (let i = 0; i < entries.length; i++) {
    const { job, rank } = entries[i]!;
    const note = (d: ExplainDetail) => { if (explainAll) details[i] = d; };
    const blockedAlloc = job.allocation !== undefined ? snapshot.blockedAllocations?.[job.allocation] : undefined;
    if (blockedAlloc) { note({ reason: blockedAlloc, allocation: job.allocation! }); continue; }
    const fkey = requestKey(job);
    let f = feasible.get(fkey);
    if (!f) { f = feasibility(index, job.partition, job.request); feasible.set(fkey, f); }
    if (!f.ok) { note({ reason: f.reason, message: f.message }); continue; }
    const view = reservations.viewFor(job);
    if (view.unknown) { note({ reason: 'reservation_unknown', job }); continue; }
    if (view.notActive) { note({ reason: 'reservation_not_active', reservation: view.notActive }); continue; }
    const s = partition(job.partition);
    if (s.strictBlocked) {
      if (explainAll) s.waiting.push({ job, slot: i });
      note({ reason: 'priority', behind: s.head });
      continue;
    }

    const need = devicesOf(job);
    const groups = candidateGroups(index, job.partition, job.request);
    let freeAcceptable = 0;
    let upAcceptable = 0;
    let quotaOk = false;
    for (const g of groups) {
      if (quota.allows(job.tenant, g.type, need)) { quotaOk = true; freeAcceptable = Math.max(freeAcceptable, g.freeUp); }
      upAcceptable = Math.max(upAcceptable, g.capacityUp);
    }
    if (!quotaOk) {
      const q = groups.map((g) => quota.quota(job.tenant, g.type)).find((x) => x);
      note({ reason: 'quota', job, used: q ? quota.usedBy(job.tenant, q.acceleratorType) : 0, limit: q ? q.guaranteedDevices + q.borrowLimitDevices : null });
      continue;
    }
    if (upAcceptable < need) { note({ reason: 'nodes_unavailable', job, upDevices: upAcceptable }); continue; }

    const typeAllowed = quota.active ? (t: Parameters<NonNullable<PlaceOptions['typeAllowed']>>[0], n: number) => quota.allows(job.tenant, t, n) : undefined;
    const options: PlaceOptions = { ...view.options, typeAllowed };
    // EASY: a job that would still run at the head's shadow time must keep off the head's nodes.
    const shadow = s.shadow;
    const avoidHead = policy.backfill === 'easy' && shadow !== null && now + job.request.timeLimitSeconds > shadow.time;
    if (avoidHead) options.excludedNodes = union(options.excludedNodes, shadow.nodes);

    let place = null;
    const cheapMiss = freeAcceptable < need;
    const beyondDepth = !cheapMiss && s.attempts >= policy.queueDepth;
    if (!cheapMiss && !beyondDepth) {
      s.attempts++;
      const m = Reservations.mask(tx, view);
      place = findPlacement(index, job.partition, job.request, options);
      tx.rollback(m);
    }
    if (place) {
      tx.take(place.placement, place.type);
      quota.add(job.tenant, place.type, need);
      s.extra.push({ end: now + job.request.timeLimitSeconds, placement: place.placement, type: place.type });
      decisions.push({ kind: 'start', jobId: job.id, placement: place.placement, acceleratorType: place.type });
      continue;
    }

    // Blocked. Try preemption (within the depth), then decide what the block means for the jobs behind.
    const runningRank = (r: RunningJobSnapshot) => (order.runningRank ?? order.rank)(r, ctx);
    const reclaim = policy.preemption.reclaim && quota.active;
    if (policy.preemption.byPriority && !reclaim && s.worstRunning === undefined) {
      s.worstRunning = -Infinity;
      for (const r of s.running) s.worstRunning = Math.max(s.worstRunning, runningRank(r));
    }
    const mayPreempt = reclaim || (policy.preemption.byPriority && rank < s.worstRunning!);
    if (!beyondDepth && mayPreempt && s.running.length > 0) {
      const plan = planPreemption({
        tx, job, jobRank: rank, candidates: s.running.filter((r) => !victims.has(r.id)),
        runningRank, policy, quota, now, options,
      });
      if (plan) {
        for (const v of plan.victims) {
          victims.add(v.id);
          quota.remove(v.tenant, v.acceleratorType, devicesOf(v));
          decisions.push({ kind: 'preempt', jobId: v.id, reason: plan.reason, forJob: job.id });
        }
        // The start follows its preemptions: applied in order, it takes exactly the capacity they free.
        tx.take(plan.place.placement, plan.place.type);
        quota.add(job.tenant, plan.place.type, need);
        s.extra.push({ end: now + job.request.timeLimitSeconds, placement: plan.place.placement, type: plan.place.type });
        decisions.push({ kind: 'start', jobId: job.id, placement: plan.place.placement, acceleratorType: plan.place.type });
        continue;
      }
    }

    const first = s.head === undefined;
    if (first) s.head = job;
    if (policy.backfill === 'none') s.strictBlocked = true;
    if (first && policy.backfill === 'easy') {
      const [est] = forwardStarts(tx, [job], releasesOf(s), now, () => view.options);
      s.shadow = est ? { time: est.time, nodes: new Set(est.place.placement.map((a) => index.nodeIndex.get(a.node)!)) } : null;
    }
    if (!explainAll) continue;
    s.waiting.push({ job, slot: i });
    if (beyondDepth) { note({ reason: 'priority', behind: s.head, depth: policy.queueDepth }); continue; }
    if (avoidHead && !cheapMiss) {
      const m = Reservations.mask(tx, view);
      const without = findPlacement(index, job.partition, job.request, { ...view.options, typeAllowed });
      tx.rollback(m);
      if (without) { note({ reason: 'priority', behind: s.head, backfill: { shadow: shadow!.time } }); continue; }
    }
    if (view.constrained && !cheapMiss && findPlacement(index, job.partition, job.request, { typeAllowed, allowedNodes: view.options.allowedNodes })) {
      note({ reason: 'reservation', job });
      continue;
    }
    note({ reason: 'resources', job, freeDevices: freeAcceptable });
  }

  // 6. Explain.
  const pending: PendingExplanation[] = [];
  const priorities: PriorityBreakdown[] = [];
  if (explainAll) {
    const estimates = new Map<number, Seconds | null>();
    for (const s of parts.values()) {
      const jobs = s.waiting.slice(0, policy.estimateDepth);
      if (jobs.length === 0) continue;
      const est = forwardStarts(tx, jobs.map((w) => w.job), releasesOf(s), now);
      jobs.forEach((w, k) => estimates.set(w.slot, est[k]?.time ?? null));
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      priorities.push({ jobId: e.job.id, priority: -e.rank, factors: e.factors ?? { rank: e.rank } });
      const d = details[i];
      if (!d) continue;
      const { reason, message } = explainMessage(d);
      const est = reason === 'preempting' ? now : (estimates.get(i) ?? null);
      pending.push({ jobId: e.job.id, reason, message, estimatedStart: est });
    }
  }
  tx.rollback(0);
  return { decisions, pending, priorities };
}

function union(a: ReadonlySet<number> | undefined, b: ReadonlySet<number>): ReadonlySet<number> {
  if (!a || a.size === 0) return b;
  const u = new Set(a);
  for (const x of b) u.add(x);
  return u;
}

function fairShareOf(snapshot: ClusterSnapshot): FairShare {
  const tenants = new Set<string>();
  const projects = new Map<string, Set<string>>();
  for (const j of [...snapshot.pending, ...snapshot.running]) {
    tenants.add(j.tenant);
    let p = projects.get(j.tenant);
    if (!p) { p = new Set(); projects.set(j.tenant, p); }
    p.add(j.project);
  }
  const fs = new FairShare(snapshot.usage, tenants);
  for (const [t, p] of projects) fs.setProjects(t, p.size);
  return fs;
}
