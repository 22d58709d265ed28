/**
 * One run as a state machine, driven by whoever owns a clock: the real-time issuer (testbed/) or the
 * virtual-time simulation (simulate.ts). It says which query may be issued next and when, records issue
 * and completion times (ns since the run's start), and ends issuing by LoadGen's rules: SingleStream and
 * MultiStream issue one query at a time and stop once the minimum query count and duration are both met
 * (or a maximum is reached); Server issues every planned query at its scheduled time (stopping early only
 * when more than `maxAsyncQueries` are outstanding); Offline issues its one query at the start. Latency
 * is measured from the query's scheduled time, so a late issue counts against the system under test.
 *
 * Every array is sized up front: issuing and completing allocate nothing.
 */
import type { QueryPlan } from './schedule.ts';
import type { EffectiveSettings } from './settings.ts';

export type EndReason = 'completed' | 'max_query_count' | 'max_duration' | 'out_of_queries' | 'too_many_outstanding';

export interface RunRecord {
  settings: EffectiveSettings;
  plan: QueryPlan;
  queriesIssued: number;
  /** Per issued sample, in plan order: completion - scheduled, ns (NaN for a sample never completed). */
  sampleLatencyNs: Float64Array;
  /** Per issued query: last completion - scheduled, ns. */
  queryLatencyNs: Float64Array;
  /** Per issued query: actual issue - scheduled, ns (Server; 0 where the issue is the schedule). */
  issueDelayNs: Float64Array;
  maxLatencyNs: number;
  finalQueryScheduledNs: number;
  finalQueryIssuedNs: number;
  finalQueryAllDoneNs: number;
  endReason: EndReason;
  /** Samples the system under test answered with an error (counted, and excluded from latencies). */
  failedSamples: number;
}

export class LoadRun {
  readonly #s: EffectiveSettings;
  readonly #plan: QueryPlan;
  readonly #scheduled: Float64Array;
  readonly #issued: Float64Array;
  readonly #done: Float64Array;
  readonly #remaining: Uint32Array;
  readonly #sampleLatency: Float64Array;
  #next = 0;
  #outstanding = 0;
  #completedQueries = 0;
  #maxLatency = 0;
  #failed = 0;
  #stopped: EndReason | null = null;
  readonly #sequential: boolean;
  readonly #accuracy: boolean;

  constructor(settings: EffectiveSettings, plan: QueryPlan) {
    this.#s = settings;
    this.#plan = plan;
    this.#scheduled = new Float64Array(plan.count);
    this.#issued = new Float64Array(plan.count);
    this.#done = new Float64Array(plan.count);
    this.#remaining = new Uint32Array(plan.count);
    this.#sampleLatency = new Float64Array(plan.samples.length).fill(Number.NaN);
    this.#sequential = settings.scenario === 'SingleStream' || settings.scenario === 'MultiStream';
    this.#accuracy = settings.mode === 'accuracy';
  }

  get plan(): QueryPlan {
    return this.#plan;
  }

  get settings(): EffectiveSettings {
    return this.#s;
  }

  /** True once nothing more will be issued and every issued query has completed. */
  get finished(): boolean {
    return this.#stopped !== null && this.#outstanding === 0;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  /**
   * When the next query may be issued, ns since the start: its scheduled time (Server, Offline), `now` when
   * the previous query has completed (SingleStream, MultiStream), Infinity while that one is outstanding,
   * and -1 when issuing has ended. Decides the end of issuing as it goes.
   */
  nextDue(nowNs: number): number {
    if (this.#stopped) return -1;
    if (this.#next >= this.#plan.count) return this.#stop(this.#accuracy ? 'completed' : 'out_of_queries');
    if (this.#sequential) return this.#outstanding > 0 ? Infinity : nowNs;
    return this.#s.scenario === 'Offline' ? 0 : this.#plan.scheduledNs[this.#next]!;
  }

  #stop(reason: EndReason): -1 {
    this.#stopped ??= reason;
    return -1;
  }

  /** Issues the next query at `nowNs`; returns its index (its samples are plan.samples[offsets[q] .. offsets[q+1])). */
  issue(nowNs: number): number {
    const q = this.#next++;
    const planned = this.#plan.scheduledNs[q]!;
    this.#scheduled[q] = this.#sequential ? nowNs : this.#s.scenario === 'Offline' ? 0 : planned;
    this.#issued[q] = nowNs;
    this.#remaining[q] = this.#plan.offsets[q + 1]! - this.#plan.offsets[q]!;
    this.#outstanding++;
    if (!this.#accuracy) this.#afterIssue(q + 1, nowNs);
    return q;
  }

  /** LoadGen's end-of-issue checks, made after each query is issued. */
  #afterIssue(issued: number, nowNs: number): void {
    const s = this.#s;
    if (s.scenario === 'Server' && s.maxAsyncQueries !== 0) {
      if (this.#outstanding > s.maxAsyncQueries) this.#stop('too_many_outstanding');
    } else if (issued >= s.minQueryCount && nowNs >= s.targetDurationMs * 1e6) {
      this.#stop('completed');
    }
    if (this.#stopped) return;
    if (s.maxQueryCount !== 0 && issued >= s.maxQueryCount) this.#stop('max_query_count');
    else if (s.maxDurationMs !== 0 && nowNs > s.maxDurationMs * 1e6) this.#stop('max_duration');
  }

  /** Sample `k` of query `q` (k counted within the query) completed at `nowNs`; `ok` false for an error answer. */
  completeSample(q: number, k: number, nowNs: number, ok = true): void {
    const at = this.#plan.offsets[q]! + k;
    if (!(at < this.#plan.offsets[q + 1]!) || this.#remaining[q] === 0 || !Number.isNaN(this.#sampleLatency[at]!)) {
      throw new RangeError(`sample ${k} of query ${q} is not outstanding`);
    }
    const latency = nowNs - this.#scheduled[q]!;
    if (ok) {
      this.#sampleLatency[at] = latency;
      if (latency > this.#maxLatency) this.#maxLatency = latency;
    } else {
      this.#sampleLatency[at] = Number.NEGATIVE_INFINITY;
      this.#failed++;
    }
    const left = this.#remaining[q]! - 1;
    this.#remaining[q] = left;
    if (left === 0) {
      this.#done[q] = nowNs;
      this.#outstanding--;
      this.#completedQueries++;
    }
  }

  /** Every outstanding sample of query `q` completed at `nowNs`. */
  completeQuery(q: number, nowNs: number, ok = true): void {
    for (let k = this.#plan.offsets[q]!, end = this.#plan.offsets[q + 1]!; k < end; k++) {
      if (Number.isNaN(this.#sampleLatency[k]!)) this.completeSample(q, k - this.#plan.offsets[q]!, nowNs, ok);
    }
  }

  /** Ends every outstanding sample as an error at `nowNs` (an answer that never came), and ends issuing. */
  failOutstanding(nowNs: number): void {
    this.#stop('completed');
    for (let q = 0; q < this.#next; q++) if (this.#remaining[q]! > 0) this.completeQuery(q, nowNs, false);
  }

  /** The run's record; call once finished. */
  record(): RunRecord {
    if (!this.finished) throw new Error('the run has not finished: queries are still outstanding or issuing has not ended');
    const n = this.#next;
    const samplesIssued = this.#plan.offsets[n]!;
    const queryLatency = new Float64Array(n);
    const issueDelay = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      queryLatency[q] = this.#done[q]! - this.#scheduled[q]!;
      issueDelay[q] = this.#issued[q]! - this.#scheduled[q]!;
    }
    const last = n - 1;
    return {
      settings: this.#s, plan: this.#plan, queriesIssued: n,
      sampleLatencyNs: this.#sampleLatency.subarray(0, samplesIssued),
      queryLatencyNs: queryLatency, issueDelayNs: issueDelay, maxLatencyNs: this.#maxLatency,
      finalQueryScheduledNs: n > 0 ? this.#plan.scheduledNs[last]! : 0,
      finalQueryIssuedNs: n > 0 ? this.#issued[last]! : 0,
      finalQueryAllDoneNs: n > 0 ? this.#done[last]! : 0,
      endReason: this.#stopped!, failedSamples: this.#failed,
    };
  }
}
