/**
 * The event-driven simulator: a virtual clock that jumps from event to event (arrivals, completions, LAS
 * queue crossings — no fixed time step), and at each instant calls the very same `cycle()` the live
 * controller calls, then applies its decisions the way the controller would:
 *
 *   start    take the placement in the capacity index, run for min(remaining work, time limit);
 *   preempt  release, requeue with the service attained so far, add the modelled checkpoint/restart cost to
 *            the remaining work (policy.restartCost), then cycle again at the same instant.
 *
 * The capacity index is kept alive across cycles (snapshot.index) and changed only by applied decisions,
 * so one cycle costs what it decides, not the size of the cluster. Jobs that can never fit are rejected on
 * arrival with checkFeasibility's reason, as the API does at submit time. Pure: no clock (an optional one
 * is injected for wallSeconds), no randomness, no I/O.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import { CapacityIndex } from '../scheduler/capacity.ts';
import { cycle } from '../scheduler/cycle.ts';
import { DecayedUsage } from '../scheduler/fairshare.ts';
import { MinHeap } from '../scheduler/heap.ts';
import { feasibility } from '../scheduler/placement.ts';
import type { Policy } from '../scheduler/policy.ts';
import type {
  ClusterSnapshot, CycleResult, NodeSnapshot, PendingJobSnapshot, QuotaSnapshot, ReservationSnapshot, RunningJobSnapshot,
} from '../scheduler/types.ts';
import { buildResult, type RunState } from './metrics.ts';
import type { SimJob, SimResult } from './types.ts';

export interface SimEvent {
  kind: 'start' | 'end' | 'preempt';
  time: number;
  jobId: string;
  placement: Placement;
  acceleratorType: AcceleratorTypeId | null;
}

export interface SimulateOptions {
  quotas?: readonly QuotaSnapshot[];
  reservations?: readonly ReservationSnapshot[];
  /** Called now and then with (jobs finished or rejected, total jobs). */
  onProgress?: (done: number, total: number) => void;
  /** Sees every start, end and preemption (tests audit the allocation with it). */
  observe?: (e: SimEvent) => void;
  /** Sees every cycle's result (tests check reservations and estimates with it). */
  observeCycle?: (time: number, result: CycleResult) => void;
  /** Injected wall clock in seconds, for summary.wallSeconds (the simulator itself has none). */
  clock?: () => number;
  /** Cycles at one instant after preemptions, at most (default 8). */
  maxCyclesPerInstant?: number;
}

interface Completion {
  st: RunState;
  epoch: number;
}

const devicesOf = (j: PendingJobSnapshot) => j.request.tasks * j.request.devicesPerTask;

export function simulate(workload: readonly SimJob[], nodes: readonly NodeSnapshot[], policy: Policy, o: SimulateOptions = {}): SimResult {
  const wall0 = o.clock?.();
  const index = new CapacityIndex(nodes);
  index.tracksRunning = true; // every running job goes through trackRunning (its release calendar is complete)
  const totalDevices = nodes.reduce((s, n) => s + n.devices.length, 0);
  const states: RunState[] = new Array(workload.length);
  const byId = new Map<string, RunState>();
  const arrivals = [...workload].sort((a, b) => a.job.submittedAt - b.job.submittedAt);
  for (let i = 0; i < arrivals.length; i++) {
    const w = arrivals[i]!;
    const limit = w.job.request.timeLimitSeconds;
    const st: RunState = {
      sim: w, snap: { ...w.job }, remaining: Math.min(w.duration, limit), timedOut: w.duration > limit, attained: 0,
      preemptions: [], start: null, end: null, epoch: 0, pos: -1, running: null, rejected: undefined,
    };
    states[i] = st;
    if (byId.has(w.job.id)) throw new Error(`workload: job id ${w.job.id} appears twice`);
    byId.set(w.job.id, st);
  }

  const pending: PendingJobSnapshot[] = [];
  const pendingState: RunState[] = [];
  const running: RunningJobSnapshot[] = [];
  const runningState: RunState[] = [];
  const heap = new MinHeap<Completion>();
  const ticks = new MinHeap<null>();
  // Fair share's decayed usage, fed from the simulation's own accounting (devices held, as time advances):
  // the same model the controller feeds from metered usage (scheduler/fairshare.ts).
  const trackUsage = policy.name === 'multifactor';
  const usage = new DecayedUsage(policy.multifactor.halfLifeSeconds);
  const snapshot: ClusterSnapshot = {
    nodes, pending, running, index, quotas: o.quotas, reservations: o.reservations, usage: trackUsage ? usage : undefined,
  };
  const utilT: number[] = [];
  const utilB: number[] = [];
  let busy = 0;
  let busyIntegral = 0;
  let lastT = 0;
  let cycles = 0;
  let decisions = 0;
  let done = 0;

  const setBusy = (t: number, delta: number) => {
    busy += delta;
    if (utilT.length && utilT[utilT.length - 1] === t) utilB[utilB.length - 1] = busy;
    else { utilT.push(t); utilB.push(busy); }
  };
  const removeAt = <T>(arr: T[], sts: RunState[], pos: number) => {
    const last = arr.length - 1;
    if (pos !== last) { arr[pos] = arr[last]!; sts[pos] = sts[last]!; sts[pos]!.pos = pos; }
    arr.pop();
    sts.pop();
  };
  const enqueue = (st: RunState) => { st.pos = pending.length; pending.push(st.snap); pendingState.push(st); };

  const start = (t: number, st: RunState, placement: Placement, type: AcceleratorTypeId | null) => {
    removeAt(pending, pendingState, st.pos);
    const r: RunningJobSnapshot = { ...st.snap, startedAt: t, placement, acceleratorType: type };
    index.trackRunning(r);
    st.running = r;
    st.pos = running.length;
    running.push(r);
    runningState.push(st);
    if (st.start === null) st.start = t;
    const n = devicesOf(st.snap);
    setBusy(t, n);
    if (trackUsage) usage.hold(st.snap.tenant, st.snap.project, n);
    const runFor = Math.min(st.remaining, st.snap.request.timeLimitSeconds);
    heap.push(t + runFor, { st, epoch: st.epoch });
    if (policy.name === 'las' && n > 0) {
      for (const th of policy.lasThresholds) {
        if (th > st.attained) { const at = t + (th - st.attained) / n; if (at < t + runFor) ticks.push(at, null); break; }
      }
    }
    o.observe?.({ kind: 'start', time: t, jobId: st.snap.id, placement, acceleratorType: type });
  };

  const stop = (t: number, st: RunState, kind: 'end' | 'preempt') => {
    const r = st.running!;
    index.untrackRunning(r.id);
    removeAt(running, runningState, st.pos);
    st.running = null;
    const n = devicesOf(st.snap);
    setBusy(t, -n);
    if (trackUsage) usage.hold(st.snap.tenant, st.snap.project, -n);
    const ran = t - r.startedAt;
    st.attained += ran * n;
    st.remaining -= ran;
    st.epoch++;
    o.observe?.({ kind, time: t, jobId: st.snap.id, placement: r.placement, acceleratorType: r.acceleratorType });
    if (kind === 'end') { st.end = t; done++; return; }
    st.remaining += policy.restartCost(n);
    st.preemptions.push(t);
    st.snap = { ...st.snap, attainedDeviceSeconds: st.attained, preemptions: st.preemptions.slice() };
    enqueue(st);
  };

  const maxCycles = o.maxCyclesPerInstant ?? 8;
  let next = 0;
  const progressEvery = Math.max(1000, Math.floor(arrivals.length / 200));
  let sinceProgress = 0;
  for (;;) {
    const ta = next < arrivals.length ? arrivals[next]!.job.submittedAt : Infinity;
    const tc = heap.size ? heap.peekKey()! : Infinity;
    const tt = ticks.size ? ticks.peekKey()! : Infinity;
    const t = Math.min(ta, tc, tt);
    if (t === Infinity) break;
    busyIntegral += busy * (t - lastT);
    if (trackUsage) usage.advance(lastT, t);
    lastT = t;
    while (ticks.size && ticks.peekKey()! <= t) ticks.pop();
    while (heap.size && heap.peekKey()! <= t) {
      const c = heap.pop()!;
      if (c.epoch === c.st.epoch && c.st.running) stop(t, c.st, 'end');
    }
    while (next < arrivals.length && arrivals[next]!.job.submittedAt <= t) {
      const st = states[next++]!;
      const j = st.snap;
      const r = j.request;
      const f = feasibility(index, j.partition, r);
      if (!f.ok) { st.rejected = `${f.reason}: ${f.message}`; done++; continue; }
      enqueue(st);
    }
    for (let k = 0; k < maxCycles && pending.length > 0; k++) {
      const res = cycle(snapshot, policy, t);
      cycles++;
      o.observeCycle?.(t, res);
      let preempted = false;
      for (const d of res.decisions) {
        const st = byId.get(d.jobId)!;
        if (d.kind === 'preempt') { stop(t, st, 'preempt'); preempted = true; }
      }
      for (const d of res.decisions) if (d.kind === 'start') start(t, byId.get(d.jobId)!, d.placement, d.acceleratorType);
      decisions += res.decisions.length;
      if (!preempted) break;
    }
    if (o.onProgress && ++sinceProgress >= progressEvery) { sinceProgress = 0; o.onProgress(done, arrivals.length); }
  }
  o.onProgress?.(done, arrivals.length);
  return buildResult({
    policy: policy.name, states, totalDevices, busyIntegral, utilT, utilB, cycles, decisions,
    wallSeconds: wall0 === undefined ? 0 : o.clock!() - wall0,
  });
}
