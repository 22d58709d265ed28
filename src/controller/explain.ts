/**
 * Step 4 of a tick, explain: persist each pending job's reason and estimated start when they changed (an
 * estimate only when it moved by more than ESTIMATE_SLACK_MS), a 'reason' event when the reason changed,
 * at most EXPLAIN_WRITES_PER_TICK per tick.
 */
import type { PendingExplanation } from '../scheduler/types.ts';
import type { StepContext } from './options.ts';

/**
 * Pending explanations persisted per tick. 48 updates + events take 2–5 ms on SQLite here (128 took up to
 * 30 ms on a busy server); a burst of thousands of submissions is explained over many ticks instead of in
 * one long transaction that every submission would queue behind (bench/RESULTS.md, API submissions).
 */
export const EXPLAIN_WRITES_PER_TICK = 48;

/** Persist a changed estimate only when it moved by more than this (ms), to keep writes down. */
export const ESTIMATE_SLACK_MS = 30_000;

/** The explanations that differ from what was last persisted, at most `limit`. Pure. */
export function changedExplanations(
  pending: readonly PendingExplanation[], explained: ReadonlyMap<string, PendingExplanation>, limit = EXPLAIN_WRITES_PER_TICK,
): PendingExplanation[] {
  const changed: PendingExplanation[] = [];
  for (const p of pending) {
    const before = explained.get(p.jobId);
    const estMs = p.estimatedStart === null ? null : Math.round(p.estimatedStart * 1000);
    const beforeMs = before?.estimatedStart == null ? null : Math.round(before.estimatedStart * 1000);
    const estMoved = (estMs === null) !== (beforeMs === null) || (estMs !== null && beforeMs !== null && Math.abs(estMs - beforeMs) > ESTIMATE_SLACK_MS);
    if (!before || before.reason !== p.reason || before.message !== p.message || estMoved) changed.push(p);
    // Bounded per tick: the transaction holds the (single SQLite) connection, and submissions wait behind
    // it. The rest are written by the next ticks (they stay unexplained in memory until then).
    if (changed.length >= limit) break;
  }
  return changed;
}

export async function explain(c: StepContext, pending: readonly PendingExplanation[]): Promise<void> {
  const { o, state } = c;
  const changed = changedExplanations(pending, state.explained);
  if (changed.length === 0) return;
  const now = o.clock();
  await o.store.transaction(async (tx) => {
    for (const p of changed) {
      const job = state.pending.get(p.jobId);
      if (!job) continue;
      const estimatedStart = p.estimatedStart === null ? null : Math.round(p.estimatedStart * 1000);
      const ok = await tx.jobs.update(p.jobId, { pendingReason: p.reason, pendingMessage: p.message, estimatedStart }, { expectState: 'pending' });
      if (!ok) continue;
      const prev = state.explained.get(p.jobId);
      if (!prev || prev.reason !== p.reason) {
        await tx.events.append({ jobId: p.jobId, at: now, kind: 'reason', fromState: null, toState: null, message: `${p.reason}: ${p.message}` });
      }
      state.pending.set({ ...job, pendingReason: p.reason, pendingMessage: p.message, estimatedStart });
    }
  });
  for (const p of changed) if (state.pending.has(p.jobId)) state.explained.set(p.jobId, p);
}
