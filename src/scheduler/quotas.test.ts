/**
 * The quota ledger, table-driven: guarantees, borrowing limits, cohorts that lend within lending limits,
 * type groups, project caps and who may reclaim from whom; and through cycle(): a cohort member borrows
 * only what the others lend, the owner reclaims from its cohort's borrower (lowest priority, most recently
 * started first), never from a borrower of another cohort, and the pending reason names the quota.
 */
import { describe, expect, it } from 'vitest';
import { asAcceleratorType, asProjectId } from '../core/ids.ts';
import { cycle } from './cycle.ts';
import { makePolicy } from './policy.ts';
import { QuotaLedger, type QuotaSubject } from './quotas.ts';
import { A100, aCluster, aJob, aQuota, H100 } from './testing.ts';
import type { QuotaSnapshot } from './types.ts';

const H100_PCIE = asAcceleratorType('nvidia-h100-pcie-80gb');
const inCohort = (q: QuotaSnapshot, cohort: string, lend?: number): QuotaSnapshot => ({ ...q, cohort, lendLimitDevices: lend });
const using = (tenant: string, n: number, type = H100) => ({ tenant, project: `${tenant}-main`, acceleratorType: type, request: { tasks: 1, devicesPerTask: n } });

interface Case {
  quotas: QuotaSnapshot[];
  running: ReturnType<typeof using>[];
  /** Who asks, for how many of which type. */
  ask: QuotaSubject & { n: number; type?: typeof H100 };
  wantAllowed: boolean;
  /** Part of the block's message fields when refused. */
  wantBlock?: Record<string, unknown>;
}

const cases: Record<string, Case> = {
  'within the guarantee': { quotas: [aQuota('a', 8)], running: [using('a', 4)], ask: { tenant: 'a', n: 4 }, wantAllowed: true },
  'over the guarantee with no borrowing': { quotas: [aQuota('a', 8)], running: [using('a', 8)], ask: { tenant: 'a', n: 1 }, wantAllowed: false, wantBlock: { used: 8, guaranteed: 8, borrowLimit: 0, need: 1 } },
  'borrowing up to its limit, no cohort': { quotas: [aQuota('a', 8, 4)], running: [using('a', 8)], ask: { tenant: 'a', n: 4 }, wantAllowed: true },
  'past the borrowing limit': { quotas: [aQuota('a', 8, 4)], running: [using('a', 10)], ask: { tenant: 'a', n: 4 }, wantAllowed: false, wantBlock: { used: 10, borrowLimit: 4 } },
  'cohort: borrows what an idle member lends': {
    quotas: [inCohort(aQuota('a', 8, 8), 'c'), inCohort(aQuota('b', 8), 'c')], running: [using('a', 8), using('b', 2)],
    ask: { tenant: 'a', n: 6 }, wantAllowed: true,
  },
  'cohort: no more than the idle member lends': {
    quotas: [inCohort(aQuota('a', 8, 8), 'c'), inCohort(aQuota('b', 8), 'c')], running: [using('a', 8), using('b', 2)],
    ask: { tenant: 'a', n: 7 }, wantAllowed: false, wantBlock: { cohort: { name: 'c', lendable: 6 } },
  },
  'cohort: the lending limit bounds it': {
    quotas: [inCohort(aQuota('a', 8, 8), 'c'), inCohort(aQuota('b', 8), 'c', 2)], running: [using('a', 8)],
    ask: { tenant: 'a', n: 3 }, wantAllowed: false, wantBlock: { cohort: { name: 'c', lendable: 2 } },
  },
  'cohort: what one member borrowed is not lent twice': {
    quotas: [inCohort(aQuota('a', 8, 8), 'c'), inCohort(aQuota('b', 8, 8), 'c'), inCohort(aQuota('d', 8), 'c')],
    running: [using('a', 12), using('d', 0)],
    ask: { tenant: 'b', n: 13 }, wantAllowed: false, wantBlock: { cohort: { name: 'c', lendable: 4 } },
  },
  'unmanaged tenant: no limit': { quotas: [aQuota('a', 8)], running: [], ask: { tenant: 'z', n: 64 }, wantAllowed: true },
  'another type: not covered': { quotas: [aQuota('a', 8)], running: [using('a', 8)], ask: { tenant: 'a', n: 8, type: A100 }, wantAllowed: true },
  'type group: both members count against one quota': {
    quotas: [{ ...aQuota('a', 8), acceleratorTypes: [H100, H100_PCIE], label: 'h100-class' }], running: [using('a', 6, H100_PCIE)],
    ask: { tenant: 'a', n: 4 }, wantAllowed: false, wantBlock: { label: 'h100-class', used: 6 },
  },
  'project cap inside the organization': {
    quotas: [aQuota('a', 16), { ...aQuota('a', 4), project: asProjectId('a-main') }], running: [using('a', 4)],
    ask: { tenant: 'a', project: 'a-main', n: 1 }, wantAllowed: false, wantBlock: { scope: 'project', owner: 'a-main' },
  },
  'another project of the organization is not capped': {
    quotas: [aQuota('a', 16), { ...aQuota('a', 4), project: asProjectId('a-main') }], running: [using('a', 4)],
    ask: { tenant: 'a', project: 'a-other', n: 8 }, wantAllowed: true,
  },
};

describe('QuotaLedger', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const l = new QuotaLedger(c.quotas, c.running);
      const b = l.blocked(c.ask, c.ask.type ?? H100, c.ask.n);
      expect(b === null).toBe(c.wantAllowed);
      if (c.wantBlock) expect(b).toMatchObject(c.wantBlock);
    });
  }

  it('reclaims only from borrowers of the owner\'s cohort', () => {
    const l = new QuotaLedger(
      [inCohort(aQuota('owner', 8), 'c'), inCohort(aQuota('mate', 0, 8), 'c'), inCohort(aQuota('stranger', 0, 8), 'd')],
      [using('mate', 4), using('stranger', 4)],
    );
    expect(l.mayReclaimFrom('owner', 'mate', H100)).toBe(true);
    expect(l.mayReclaimFrom('owner', 'stranger', H100)).toBe(false);
    expect(new QuotaLedger([aQuota('owner', 8), aQuota('x', 0, 8)], [using('x', 2)]).mayReclaimFrom('owner', 'x', H100)).toBe(true);
  });
});

describe('quotas through cycle()', () => {
  const node = aCluster().nodes(1).build(); // 8 × H100
  it('borrows the idle member\'s guarantee, says which quota holds the rest', () => {
    const r = cycle({
      nodes: aCluster().nodes(2).build(), running: [],
      quotas: [inCohort(aQuota('a', 4, 8), 'c'), inCohort(aQuota('b', 4, 0), 'c', 2)],
      pending: [aJob('a1').gpus(4).tenant('a').submittedAt(1).build(), aJob('a2').gpus(2).tenant('a').submittedAt(2).build(), aJob('a3').gpus(1).tenant('a').submittedAt(3).build()],
    }, makePolicy('fifo-backfill'), 10);
    expect(r.decisions.filter((d) => d.kind === 'start').map((d) => d.jobId)).toEqual(['a1', 'a2']);
    expect(r.pending).toEqual([expect.objectContaining({
      jobId: 'a3', reason: 'quota',
      message: "quota of organization 'a' on nvidia-h100-sxm-80gb: guaranteed 4, 6 in use (borrowing limit 8); cohort 'c' has 0 idle to lend; the job needs 1 more (1 device(s) of any accelerator)",
    })]);
  });

  it('reclaims the lowest-priority, most recently started borrowed job of its cohort first', () => {
    const r = cycle({
      nodes: node,
      quotas: [inCohort(aQuota('owner', 8), 'c'), inCohort(aQuota('mate', 0, 8), 'c')],
      running: [
        aJob('old').gpus(4).tenant('mate').runningOn(10, [['n000', [0, 1, 2, 3]]]).buildRunning(),
        aJob('new').gpus(2).tenant('mate').runningOn(20, [['n000', [4, 5]]]).buildRunning(),
        aJob('vip').gpus(2).tenant('mate').priority(5).runningOn(30, [['n000', [6, 7]]]).buildRunning(),
      ],
      pending: [aJob('o').gpus(2).tenant('owner').submittedAt(500).build()],
    }, makePolicy('fifo'), 1000);
    expect(r.decisions).toEqual([
      { kind: 'preempt', jobId: 'new', reason: 'reclaim', forJob: 'o' },
      expect.objectContaining({ kind: 'start', jobId: 'o' }),
    ]);
  });

  it('never reclaims from a borrower of another cohort', () => {
    const r = cycle({
      nodes: node,
      quotas: [inCohort(aQuota('owner', 8), 'c'), inCohort(aQuota('stranger', 0, 8), 'd')],
      running: [aJob('s').gpus(8).tenant('stranger').runningOn(10, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('o').gpus(2).tenant('owner').submittedAt(500).build()],
    }, makePolicy('fifo'), 1000);
    expect(r.decisions).toEqual([]);
  });

  it('keeps the capacity freed for a preempting owner from the borrower it was reclaimed from', () => {
    // Live, the victim's exit comes a tick later; the requeued borrower's job is first in FIFO order.
    const r = cycle({
      nodes: node,
      quotas: [inCohort(aQuota('owner', 8), 'c'), inCohort(aQuota('mate', 0, 8), 'c')],
      running: [aJob('kept').gpus(4).tenant('mate').runningOn(10, [['n000', [0, 1, 2, 3]]]).buildRunning()],
      pending: [
        aJob('requeued').gpus(4).tenant('mate').submittedAt(1).build(),
        { ...aJob('o').gpus(4).type(H100).tenant('owner').submittedAt(500).build(), preempting: true },
      ],
    }, makePolicy('fifo'), 1000);
    expect(r.decisions).toEqual([expect.objectContaining({ kind: 'start', jobId: 'o' })]);
    expect(r.pending.find((p) => p.jobId === 'requeued')?.reason).toBe('quota');
  });

  it('a quota lowered below its use reclaims nothing until an owner within its guarantee needs the capacity', () => {
    const running = [aJob('big').gpus(8).tenant('mate').runningOn(10, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()];
    const quotas = [inCohort(aQuota('owner', 8), 'c'), inCohort(aQuota('mate', 2, 8), 'c')]; // mate was guaranteed 8, now 2
    const idle = cycle({ nodes: node, quotas, running, pending: [aJob('m2').gpus(1).tenant('mate').submittedAt(900).build()] }, makePolicy('fifo'), 1000);
    expect(idle.decisions).toEqual([]);
    const needed = cycle({ nodes: node, quotas, running, pending: [aJob('o').gpus(2).tenant('owner').submittedAt(900).build()] }, makePolicy('fifo'), 1000);
    expect(needed.decisions[0]).toEqual({ kind: 'preempt', jobId: 'big', reason: 'reclaim', forJob: 'o' });
  });
});
