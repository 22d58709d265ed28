/**
 * Drives a LoadRun in real time against a system under test. Time is `performance.now()` since the run's
 * start, in ns. A query due later than ~1.5 ms is waited for with a timer, then the last stretch by
 * yielding to the event loop (setImmediate, so HTTP answers keep arriving) and, inside the final
 * `spinNs`, by spinning: the timer alone wakes a millisecond late, spinning alone starves the sockets.
 * SingleStream and MultiStream issue the next query from the completion of the previous one.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { LoadRun, type RunRecord } from '../loadgen/run.ts';
import type { QueryPlan } from '../loadgen/schedule.ts';
import type { EffectiveSettings } from '../loadgen/settings.ts';
import type { SystemUnderTest } from './sut/types.ts';

export interface IssuerOptions {
  /** Spin (never yield) when the next query is due within this many ns. Default 20 µs. */
  spinNs?: number;
  /** Use a timer when the next query is due later than this many ns. Default 1.5 ms. */
  timerNs?: number;
  /** Gives up waiting for outstanding answers this long after the last issue, ns (they count as errors). Default 60 s. */
  drainTimeoutNs?: number;
}

export async function runRealtime(settings: EffectiveSettings, plan: QueryPlan, sut: SystemUnderTest, opts: IssuerOptions = {}): Promise<RunRecord> {
  const spinNs = opts.spinNs ?? 20_000;
  const timerNs = opts.timerNs ?? 1_500_000;
  const drainTimeoutNs = opts.drainTimeoutNs ?? 60e9;
  const run = new LoadRun(settings, plan);
  const t0 = performance.now();
  const now = () => (performance.now() - t0) * 1e6;
  let wake: (() => void) | null = null;
  let failure: unknown = null;
  await sut.start((q, k, ok) => {
    try {
      run.completeSample(q, k, now(), ok);
    } catch (e) {
      failure ??= e;
    }
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const waitForCompletion = () => new Promise<void>((resolve) => (wake = resolve));
  const { samples, offsets } = plan;
  for (;;) {
    let t = now();
    const due = run.nextDue(t);
    if (due < 0) break;
    if (due === Infinity) {
      await waitForCompletion();
      continue;
    }
    if (due - t > timerNs) await sleep((due - t - timerNs / 1.5) / 1e6);
    while ((t = now()) < due - spinNs) await immediate();
    while (now() < due) {
      // the last few µs
    }
    const q = run.issue(now());
    sut.issue(q, samples, offsets[q]!, offsets[q + 1]!);
    if (failure) throw failure;
  }
  const deadline = now() + drainTimeoutNs;
  while (!run.finished && now() < deadline) await Promise.race([waitForCompletion(), sleep(50)]);
  if (failure) throw failure;
  if (!run.finished) run.failOutstanding(now()); // what never came back counts as an error answer
  return run.record();
}
