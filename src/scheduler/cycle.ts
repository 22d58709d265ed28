/**
 * One scheduling cycle: a pure, deterministic function of the snapshot.
 *
 *   cycle(snapshot, policy, now) -> { decisions, pending, priorities }
 *
 * 1. snapshot  — the free-capacity index (the caller's, or built from nodes + running), quota ledger,
 *                reservations, fair share; all changes below are mutate-then-undo on the index.
 * 2. order     — rank every pending job with the order policy (ties: earlier submission, higher user
 *                priority, job id), so the same input always gives the same order. The queue is walked
 *                lazily (a heap per partition, queue.ts): at most `scanDepth` jobs of each partition are
 *                examined, the rest get a cheap reason without being sorted.
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
import type { AcceleratorTypeId, JobId } from '../core/ids.ts';
import { Assumptions } from './assume.ts';
import { CapacityIndex } from './capacity.ts';
import { forwardStarts, type Release } from './estimate.ts';
import { dependencyHold, explainMessage, type ExplainDetail } from './explain.ts';
import { candidateGroups, feasibility, findPlacement, type PlaceOptions } from './placement.ts';
import { orderContext } from './context.ts';
import { LazyQueue, type Ranked } from './queue.ts';
import type { Policy } from './policy.ts';
import { planPreemption } from './preemption.ts';
import { QuotaLedger, type QuotaBlock } from './quotas.ts';
import { Reservations } from './reservations.ts';
import type {
  ClusterSnapshot, CycleResult, Decision, PendingExplanation, PendingJobSnapshot, PriorityBreakdown,
  RunningJobSnapshot, Seconds,
} from './types.ts';

interface PartitionState {
  attempts: number;
  head: PendingJobSnapshot | undefined;
  /** EASY: when the head is guaranteed to start and the nodes it will take. */
  /** `nodes` null: the head's start is beyond the forward-simulation budget; `time` is a lower bound. */
  shadow: { time: Seconds; nodes: Set<number> | null } | null;
  strictBlocked: boolean;
  runningList: RunningJobSnapshot[] | undefined;
  /** Jobs started (or capacity held) in this cycle, as releases for forward simulation. */
  extra: Release[];
  waiting: { job: PendingJobSnapshot; slot: number }[];
  /** The worst preemption rank among the partition's running jobs (lazy): a job ranked no better has no victim. */
  worstRunning: number | undefined;
  /** A preemption search that failed this cycle: a job ranked no better and no smaller cannot succeed either. */
  preemptFailed: { rank: number; need: number; cpus: number; mem: number; types: string } | undefined;
}

const devicesOf = (j: PendingJobSnapshot) => j.request.tasks * j.request.devicesPerTask;

/** Jobs beyond the scan depth carry their priority only; `priorityBreakdown` gives the factors on demand. */
const BEYOND_DEPTH_MESSAGE = 'waiting behind jobs of higher priority; not examined this cycle (beyond the scan depth)';

/** The pending jobs of partitions where something may start (the whole array when that is all of them). */
function startable(pending: readonly PendingJobSnapshot[], closed: (partition: string) => boolean): readonly PendingJobSnapshot[] {
  const isClosed = new Map<string, boolean>();
  const closedOf = (p: string) => {
    let c = isClosed.get(p);
    if (c === undefined) isClosed.set(p, (c = closed(p)));
    return c;
  };
  let anyClosed = false;
  for (const j of pending) if (closedOf(j.partition)) { anyClosed = true; break; }
  return anyClosed ? pending.filter((j) => !closedOf(j.partition)) : pending;
}

export function cycle(snapshot: ClusterSnapshot, policy: Policy, now: Seconds): CycleResult {
  // 1. Snapshot.
  const index = snapshot.index ?? CapacityIndex.build(snapshot.nodes, snapshot.running);
  const tx = new Assumptions(index);
  const quota = new QuotaLedger(snapshot.quotas, snapshot.running, snapshot.quotas?.length ? snapshot.pending.filter((j) => j.preempting) : []);
  const reservations = new Reservations(snapshot.reservations, index, now);
  const explainAll = policy.explain === 'all';
  const ctx = orderContext(snapshot, index, policy, now);

  // 2. Order: rank everything, sort only the jobs this cycle will examine.
  const order = policy.order;
  // Partitions with a CPU-only job pending: a partition without free devices may still start one.
  const cpuOnly = new Set<string>();
  for (const j of snapshot.pending) if (j.request.devicesPerTask === 0) cpuOnly.add(j.partition);
  const canPreempt = policy.preemption.byPriority || (policy.preemption.reclaim && (snapshot.quotas?.length ?? 0) > 0);
  const noFreeDevices = (p: string) => {
    if (canPreempt || cpuOnly.has(p)) return false;
    for (const g of index.groupsOf(p)) if (g.freeUp > 0) return false;
    return true;
  };
  // Decisions only: the jobs of a partition where nothing can start are not even ranked. A full cluster
  // with a long queue is the usual state of a busy center, and this makes its cycle a scan, not a sort.
  const pendingIn = explainAll ? snapshot.pending : startable(snapshot.pending, noFreeDevices);
  const ranks = new Float64Array(pendingIn.length);
  for (let i = 0; i < pendingIn.length; i++) ranks[i] = order.rank(pendingIn[i]!, ctx);
  const queue = new LazyQueue(pendingIn, ranks);
  const entries: Ranked[] = [];
  const preemptRank = order.preemptRank ?? order.rank;
  const runningRank = order.preemptRank ?? order.runningRank ?? order.rank;
  const runRank = (r: RunningJobSnapshot) => runningRank(r, ctx);
  const reclaim = policy.preemption.reclaim && quota.active;

  const decisions: Decision[] = [];
  const details: (ExplainDetail | null)[] = [];
  const parts = new Map<string, PartitionState>();
  // Running jobs by partition, built only when a partition first needs them (shadow, preemption,
  // estimates); with one partition the snapshot's own list is used as is.
  let runningByPartition: Map<string, RunningJobSnapshot[]> | null = null;
  const runningOf = (name: string): RunningJobSnapshot[] => {
    if (index.groups.size <= 1) return snapshot.running as RunningJobSnapshot[];
    if (!runningByPartition) {
      runningByPartition = new Map();
      for (const r of snapshot.running) {
        const l = runningByPartition.get(r.partition);
        if (l) l.push(r); else runningByPartition.set(r.partition, [r]);
      }
    }
    return runningByPartition.get(name) ?? [];
  };
  const partition = (name: string): PartitionState => {
    let s = parts.get(name);
    if (!s) {
      s = { attempts: 0, head: undefined, shadow: null, strictBlocked: false, runningList: undefined, extra: [], waiting: [], worstRunning: undefined, preemptFailed: undefined };
      parts.set(name, s);
    }
    return s;
  };
  const running = (s: PartitionState, name: string) => (s.runningList ??= runningOf(name));
  const victims = new Set<JobId>();
  const releasesOf = (s: PartitionState, name: string) => (index.tracksRunning
    ? { calendar: index.calendars.get(name), running: [], skip: victims, extra: s.extra }
    : { running: running(s, name), skip: victims, extra: s.extra });
  let slot = 0;
  const note = (d: ExplainDetail) => { if (explainAll) details[slot] = d; };
  let who: PendingJobSnapshot | undefined;
  const typeAllowed = (t: AcceleratorTypeId | null, n: number) => quota.allows(who!, t, n);

  // 3–5. Nominate, preempt, admit.
  for (let e = queue.next(); e !== undefined; e = queue.next()) {
    const { job, rank } = e;
    if (queue.popped(job.partition) >= policy.scanDepth) queue.close(job.partition);
    if (!explainAll) {
      // Decisions only: once nothing more can start in a partition, stop taking its jobs at all. (Past the
      // attempt budget a later job may still preempt its way in, as the explaining cycle would let it.)
      const done = parts.get(job.partition);
      if ((done && (done.strictBlocked || (done.attempts >= policy.queueDepth && !canPreempt))) || noFreeDevices(job.partition)) {
        queue.close(job.partition);
        continue;
      }
    }
    const i = entries.push(e) - 1;
    if (explainAll) details.push(null);
    slot = i;
    who = job;
    const blockedAlloc = job.allocation !== undefined ? snapshot.blockedAllocations?.[job.allocation] : undefined;
    if (blockedAlloc) { note({ reason: blockedAlloc, allocation: job.allocation! }); continue; }
    // Held by its dependency: never a head, so it blocks no one (as Slurm's Dependency jobs).
    const depHold = dependencyHold(job);
    if (depHold) { note(depHold); continue; }
    const f = feasibility(index, job.partition, job.request);
    if (!f.ok) { note({ reason: f.reason, message: f.message }); continue; }
    const view = reservations.viewFor(job);
    if (view.unknown) { note({ reason: 'reservation_unknown', job }); continue; }
    if (view.tooShort) { note({ reason: 'reservation_too_short', reservation: view.tooShort, left: view.tooShort.end - Math.max(now, view.tooShort.start), job }); continue; }
    if (view.notActive) { note({ reason: 'reservation_not_active', reservation: view.notActive, opensIn: view.notActive.start - now }); continue; }
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
    let held: QuotaBlock | null = null;
    for (const g of groups) {
      const b = quota.active ? quota.blocked(job, g.type, need) : null;
      if (b === null) { quotaOk = true; freeAcceptable = Math.max(freeAcceptable, g.freeUp); } else held ??= b;
      upAcceptable = Math.max(upAcceptable, g.capacityUp);
    }
    if (!quotaOk && held) {
      note({ reason: 'quota', job, block: held });
      continue;
    }
    if (upAcceptable < need) { note({ reason: 'nodes_unavailable', job, upDevices: upAcceptable }); continue; }

    const options: PlaceOptions = { ...view.options, typeAllowed: quota.active ? typeAllowed : undefined };
    // EASY: a job that would still run at the head's shadow time must keep off the head's nodes.
    const shadow = s.shadow;
    const avoidHead = policy.backfill === 'easy' && shadow !== null && now + job.request.timeLimitSeconds > shadow.time;
    if (avoidHead && shadow.nodes) options.excludedNodes = union(options.excludedNodes, shadow.nodes);

    let place = null;
    // Beyond the budget the head's nodes are unknown: only jobs that end before its earliest start may go.
    const cheapMiss = freeAcceptable < need || (avoidHead && shadow.nodes === null);
    const beyondDepth = !cheapMiss && s.attempts >= policy.queueDepth;
    if (!cheapMiss && !beyondDepth) {
      s.attempts++;
      const m = Reservations.mask(tx, view);
      place = findPlacement(index, job.partition, job.request, options);
      tx.rollback(m);
    }
    if (place) {
      tx.take(place.placement, place.type);
      quota.add(job, place.type, need);
      s.extra.push({ end: now + job.request.timeLimitSeconds, placement: place.placement, type: place.type });
      decisions.push({ kind: 'start', jobId: job.id, placement: place.placement, acceleratorType: place.type });
      continue;
    }

    // Blocked. Try preemption (within the depth), then decide what the block means for the jobs behind.
    const jobPreemptRank = order.preemptRank ? preemptRank(job, ctx) : rank;
    if (policy.preemption.byPriority && !reclaim && s.worstRunning === undefined) {
      s.worstRunning = -Infinity;
      const cap = order.worstPossibleRank ?? Infinity;
      for (const r of running(s, job.partition)) {
        s.worstRunning = Math.max(s.worstRunning, runRank(r));
        if (s.worstRunning >= cap) break;
      }
    }
    // Memo (only where nothing tenant-specific shapes the search: no quotas, no reservations).
    const types = job.request.acceleratorTypes.join(',');
    const cpus = job.request.tasks * job.request.cpusPerTask;
    const mem = job.request.tasks * job.request.memoryMbPerTask;
    const memo = !quota.active && !reservations.any && job.reservation === undefined;
    const failed = memo ? s.preemptFailed : undefined;
    const mayPreempt = reclaim || (policy.preemption.byPriority && jobPreemptRank < s.worstRunning!
      && !(failed && jobPreemptRank >= failed.rank && need >= failed.need && cpus >= failed.cpus && mem >= failed.mem && types === failed.types));
    if (!beyondDepth && mayPreempt && running(s, job.partition).length > 0) {
      const plan = planPreemption({
        tx, job, jobRank: jobPreemptRank, candidates: victims.size ? running(s, job.partition).filter((r) => !victims.has(r.id)) : running(s, job.partition),
        runningRank: runRank, policy, quota, now, options: { ...options, typeAllowed: undefined },
      });
      if (plan) {
        for (const v of plan.victims) {
          victims.add(v.id);
          quota.remove(v, v.acceleratorType, devicesOf(v));
          decisions.push({ kind: 'preempt', jobId: v.id, reason: plan.reason, forJob: job.id });
        }
        // The start follows its preemptions: applied in order, it takes exactly the capacity they free.
        tx.take(plan.place.placement, plan.place.type);
        quota.add(job, plan.place.type, need);
        s.extra.push({ end: now + job.request.timeLimitSeconds, placement: plan.place.placement, type: plan.place.type });
        decisions.push({ kind: 'start', jobId: job.id, placement: plan.place.placement, acceleratorType: plan.place.type });
        continue;
      }
      if (memo && !reclaim && (!failed || (jobPreemptRank <= failed.rank && need <= failed.need))) s.preemptFailed = { rank: jobPreemptRank, need, cpus, mem, types };
    }

    const first = s.head === undefined;
    if (first) s.head = job;
    if (policy.backfill === 'none') s.strictBlocked = true;
    if (first && policy.backfill === 'easy') {
      const [est] = forwardStarts(tx, [job], releasesOf(s, job.partition), now, () => view.options, policy.forwardReleases);
      s.shadow = !est ? null
        : { time: est.time, nodes: est.place ? new Set(est.place.placement.map((a) => index.nodeIndex.get(a.node)!)) : null };
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
    for (const [name, s] of parts) {
      const jobs = s.waiting.slice(0, policy.estimateDepth);
      if (jobs.length === 0) continue;
      // Reserved nodes stay out of (or, for a job in its reservation, are all of) where it may start.
      const est = forwardStarts(tx, jobs.map((w) => w.job), releasesOf(s, name), now, reservations.any ? (j) => reservations.viewFor(j).options : undefined, policy.forwardReleases);
      jobs.forEach((w, k) => { const e = est[k]; estimates.set(w.slot, e && e.place ? e.time : null); });
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      priorities.push({ jobId: e.job.id, priority: -e.rank, factors: order.factors?.(e.job, ctx) ?? { rank: e.rank } });
      const d = details[i];
      if (!d) continue;
      const { reason, message } = explainMessage(d);
      pending.push({ jobId: e.job.id, reason, message, estimatedStart: estimates.get(i) ?? null });
    }
    // Beyond the scan depth: a cheap reason, the same for all; no priority entry (with a long queue these
    // are most jobs, and the breakdown is given on demand by priorityBreakdown).
    for (const job of queue.remaining()) {
      const blocked = job.allocation !== undefined ? snapshot.blockedAllocations?.[job.allocation] : undefined;
      const depHold = dependencyHold(job);
      if (blocked || depHold) {
        const { reason, message } = explainMessage(depHold ?? { reason: blocked!, allocation: job.allocation! });
        pending.push({ jobId: job.id, reason, message, estimatedStart: null });
      } else {
        pending.push({ jobId: job.id, reason: 'priority', message: BEYOND_DEPTH_MESSAGE, estimatedStart: null });
      }
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
