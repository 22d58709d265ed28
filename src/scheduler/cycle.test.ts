import { describe, expect, it } from 'vitest';
import { cycle } from './cycle.ts';
import { makePolicy, type PolicyConfig } from './policy.ts';
import { aCluster, aJob, aQuota, aReservation } from './testing.ts';
import type { ClusterSnapshot, CycleResult, PendingReason } from './types.ts';

interface Case {
  snapshot: ClusterSnapshot;
  policy: PolicyConfig | string;
  now?: number;
  /** Jobs started in this cycle, in decision order. */
  wantStarted: string[];
  /** Jobs preempted (victim -> for whom). */
  wantPreempted?: Record<string, string>;
  /** Reasons of jobs left pending. */
  wantReasons?: Record<string, PendingReason>;
}

const started = (r: CycleResult) => r.decisions.filter((d) => d.kind === 'start').map((d) => d.jobId as string);
const reasons = (r: CycleResult) => Object.fromEntries(r.pending.map((p) => [p.jobId, p.reason]));

const two = aCluster().nodes(2).build();

const cases: Record<string, Case> = {
  'fifo: strict head-of-line blocking': {
    policy: 'fifo',
    snapshot: {
      nodes: two,
      running: [aJob('r').gpus(8).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('big').tasks(2, 8).submittedAt(1).build(), aJob('small').gpus(1).submittedAt(2).build()],
    },
    wantStarted: [], wantReasons: { big: 'resources', small: 'priority' },
  },
  'fifo-backfill: a short job that ends before the head\'s reservation starts now': {
    policy: 'fifo-backfill', now: 10,
    snapshot: {
      nodes: two,
      running: [aJob('r').gpus(8).limit(1000).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [
        aJob('big').tasks(2, 8).submittedAt(1).build(),
        aJob('short').gpus(8).limit(500).submittedAt(2).build(),
        aJob('long').gpus(8).limit(5000).submittedAt(3).build(),
      ],
    },
    wantStarted: ['short'], wantReasons: { big: 'resources', long: 'resources' },
  },
  'fifo-backfill: a long job may start on nodes the head will not take': {
    policy: 'fifo-backfill', now: 10,
    snapshot: {
      nodes: aCluster().nodes(3).build(),
      running: [aJob('r').gpus(8).limit(1000).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('big').tasks(3, 8).submittedAt(1).build(), aJob('long').gpus(4).limit(1e6).submittedAt(2).build()],
    },
    wantStarted: [], wantReasons: { big: 'resources', long: 'priority' },
  },
  'partitions are independent queues': {
    policy: 'fifo',
    snapshot: {
      nodes: aCluster().nodes(1, { partition: 'a', prefix: 'a' }).nodes(1, { partition: 'b', prefix: 'b' }).build(),
      running: [],
      pending: [aJob('a1').tasks(2, 8).partition('a').submittedAt(1).build(), aJob('b1').gpus(8).partition('b').submittedAt(2).build()],
    },
    wantStarted: ['b1'], wantReasons: { a1: 'partition_too_small' },
  },
  'quota: never exceeded except by declared borrowing': {
    policy: 'fifo-backfill',
    snapshot: {
      nodes: two, running: [], quotas: [aQuota('acme', 4, 2)],
      pending: [
        aJob('a1').gpus(4).tenant('acme').submittedAt(1).build(),
        aJob('a2').gpus(2).tenant('acme').submittedAt(2).build(),
        aJob('a3').gpus(1).tenant('acme').submittedAt(3).build(),
        aJob('o1').gpus(8).tenant('other').submittedAt(4).build(),
      ],
    },
    wantStarted: ['a1', 'a2', 'o1'], wantReasons: { a3: 'quota' },
  },
  'reclaim: the owner under its guarantee preempts a borrower': {
    policy: 'fifo', now: 1000,
    snapshot: {
      nodes: aCluster().nodes(1).build(), quotas: [aQuota('owner', 8, 0), aQuota('borrower', 0, 8)],
      running: [aJob('b').gpus(8).tenant('borrower').runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('o').gpus(4).tenant('owner').submittedAt(500).build()],
    },
    wantStarted: ['o'], wantPreempted: { b: 'o' }, wantReasons: {},
  },
  'reservation: other tenants keep off held nodes during the window': {
    policy: 'fifo-backfill', now: 0,
    snapshot: {
      nodes: two, running: [], reservations: [aReservation('class', 'uni', 100, 200, ['n000'])],
      pending: [
        aJob('x').gpus(8).tenant('other').limit(1000).submittedAt(1).build(),
        aJob('y').gpus(8).tenant('other').limit(1000).submittedAt(2).build(),
        aJob('z').gpus(8).tenant('other').limit(50).submittedAt(3).build(),
      ],
    },
    wantStarted: ['x', 'z'], wantReasons: { y: 'reservation' },
  },
  "reservation: the owner's jobs that do not name it keep off too": {
    policy: 'fifo-backfill', now: 0,
    snapshot: {
      nodes: two, running: [], reservations: [aReservation('class', 'uni', 100, 200, ['n000'])],
      pending: [
        aJob('a').gpus(8).tenant('uni').limit(1000).submittedAt(1).build(),
        aJob('b').gpus(8).tenant('uni').limit(1000).submittedAt(2).build(),
      ],
    },
    wantStarted: ['a'], wantReasons: { b: 'reservation' },
  },
  'reservation: a job that names a future reservation waits for it': {
    policy: 'fifo-backfill', now: 0,
    snapshot: {
      nodes: two, running: [], reservations: [aReservation('class', 'uni', 100, 200, ['n000'])],
      pending: [aJob('s').gpus(1).tenant('uni').reservation('class').limit(50).build()],
    },
    wantStarted: [], wantReasons: { s: 'reservation_not_active' },
  },
  'reservation: a job must end inside its reservation': {
    policy: 'fifo-backfill', now: 150,
    snapshot: {
      nodes: two, running: [], reservations: [aReservation('class', 'uni', 100, 200, ['n000'])],
      pending: [aJob('long').gpus(1).tenant('uni').reservation('class').limit(100).build(), aJob('fits').gpus(1).tenant('uni').reservation('class').limit(50).build()],
    },
    wantStarted: ['fits'], wantReasons: { long: 'reservation_too_short' },
  },
  'reservation: an upcoming one shorter than the time limit never holds the job': {
    policy: 'fifo-backfill', now: 0,
    snapshot: {
      nodes: two, running: [], reservations: [aReservation('class', 'uni', 100, 200, ['n000'])],
      pending: [aJob('s').gpus(1).tenant('uni').reservation('class').limit(101).build()],
    },
    wantStarted: [], wantReasons: { s: 'reservation_too_short' },
  },
  'las: a new job preempts one with much more attained service': {
    policy: 'las', now: 100_000,
    snapshot: {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('old').gpus(8).attained(0).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('new').gpus(8).submittedAt(99_000).build()],
    },
    wantStarted: ['new'], wantPreempted: { old: 'new' }, wantReasons: {},
  },
  'las starvation guard: a preempted job that waited long enough goes back to the first queue': {
    policy: { order: 'las', las: { starvationFactor: 2 } }, now: 100_000,
    snapshot: {
      nodes: aCluster().nodes(1).build(), running: [],
      pending: [
        aJob('starved').gpus(8).attained(8 * 4000).preemptedAt(80_000).submittedAt(1000).build(),
        aJob('fresh').gpus(8).submittedAt(99_000).build(),
      ],
    },
    wantStarted: ['starved'], wantReasons: { fresh: 'resources' },
  },
  'las without the guard: the fresh job (first queue) goes first': {
    policy: 'las', now: 100_000,
    snapshot: {
      nodes: aCluster().nodes(1).build(), running: [],
      pending: [
        aJob('starved').gpus(8).attained(8 * 4000).preemptedAt(80_000).submittedAt(1000).build(),
        aJob('fresh').gpus(8).submittedAt(99_000).build(),
      ],
    },
    wantStarted: ['fresh'], wantReasons: { starved: 'resources' },
  },
  'preemption is bounded per window': {
    policy: 'las', now: 100_000,
    snapshot: {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('old').gpus(8).preemptedAt(99_000, 99_100, 99_200).runningOn(99_300, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).attained(1e6).buildRunning()],
      pending: [aJob('new').gpus(8).submittedAt(99_000).build()],
    },
    wantStarted: [], wantReasons: { new: 'resources' },
  },
  'srtf: preempts a job with more remaining time': {
    policy: 'srtf', now: 100,
    snapshot: {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('long').gpus(8).duration(10_000).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('short').gpus(8).duration(50).submittedAt(90).build()],
    },
    wantStarted: ['short'], wantPreempted: { long: 'short' },
  },
  'sjf: shortest first': {
    policy: 'sjf',
    snapshot: {
      nodes: aCluster().nodes(1).build(), running: [],
      pending: [aJob('l').gpus(8).duration(100).submittedAt(1).build(), aJob('s').gpus(8).duration(10).submittedAt(2).build()],
    },
    wantStarted: ['s'], wantReasons: { l: 'resources' },
  },
  'multifactor: fair share puts the lighter tenant first': {
    policy: 'multifactor', now: 10,
    snapshot: {
      nodes: aCluster().nodes(1).build(), running: [],
      usage: { byTenant: { heavy: 1e6, light: 10 }, byProject: {} },
      pending: [aJob('h').gpus(8).tenant('heavy').submittedAt(1).build(), aJob('l').gpus(8).tenant('light').submittedAt(2).build()],
    },
    wantStarted: ['l'], wantReasons: { h: 'resources' },
  },
  'multifactor with preemption by priority: a high-QOS job preempts a low one': {
    policy: { order: 'multifactor', preemption: { byPriority: true } }, now: 1000,
    snapshot: {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('low').gpus(8).qos('low').runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('high').gpus(8).qos('high').submittedAt(900).build()],
    },
    wantStarted: ['high'], wantPreempted: { low: 'high' }, wantReasons: {},
  },
  'multifactor without preemption: the high-QOS job waits': {
    policy: 'multifactor', now: 1000,
    snapshot: {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('low').gpus(8).qos('low').runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('high').gpus(8).qos('high').submittedAt(900).build()],
    },
    wantStarted: [], wantReasons: { high: 'resources' },
  },
  'allocation exhausted': {
    policy: 'fifo',
    snapshot: {
      nodes: two, running: [], blockedAllocations: { al1: 'allocation_exhausted' },
      pending: [{ ...aJob('j').build(), allocation: 'al1' as never }],
    },
    wantStarted: [], wantReasons: { j: 'allocation_exhausted' },
  },
  'a dependency holds a job, and it blocks no one behind it': {
    policy: 'fifo',
    snapshot: {
      nodes: two, running: [],
      pending: [
        { ...aJob('waits').gpus(8).submittedAt(1).build(), dependency: { state: 'pending', spec: 'afterok:job_a' } },
        { ...aJob('never').gpus(8).submittedAt(2).build(), dependency: { state: 'never', spec: 'afterok:job_b' } },
        aJob('free').gpus(8).submittedAt(3).build(),
      ],
    },
    wantStarted: ['free'], wantReasons: { waits: 'dependency', never: 'dependency_never_satisfied' },
  },
  'down nodes: would fit if they were up': {
    policy: 'fifo',
    snapshot: { nodes: aCluster().nodes(1, { state: 'down' }).build(), running: [], pending: [aJob('j').gpus(8).build()] },
    wantStarted: [], wantReasons: { j: 'nodes_unavailable' },
  },
};

describe('cycle', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = cycle(c.snapshot, makePolicy(c.policy), c.now ?? 0);
      expect(started(r)).toEqual(c.wantStarted);
      const pre = Object.fromEntries(r.decisions.filter((d) => d.kind === 'preempt').map((d) => [d.jobId, d.forJob]));
      expect(pre).toEqual(c.wantPreempted ?? {});
      if (c.wantReasons) expect(reasons(r)).toEqual(c.wantReasons);
      // Every pending job gets exactly one explanation with a message.
      const startedOrPending = new Set([...started(r), ...r.pending.map((p) => p.jobId)]);
      expect(startedOrPending.size).toBe(c.snapshot.pending.length);
      for (const p of r.pending) expect(p.message).not.toBe('');
    });
  }

  it('makes the same decisions without explanations, for every case and policy', () => {
    const policies = ['fifo', 'fifo-backfill', 'sjf', 'srtf', 'las', 'multifactor'];
    const decide = (snap: ClusterSnapshot, order: string, explain: 'all' | 'none', now: number) =>
      cycle(snap, makePolicy({ order: order as PolicyConfig['order'], explain }), now).decisions;
    for (const c of Object.values(cases)) {
      const order = typeof c.policy === 'string' ? c.policy : c.policy.order;
      for (const o of new Set([order, ...policies])) {
        const policy = typeof c.policy === 'string' || o !== order ? { order: o } : c.policy;
        const both = (['all', 'none'] as const).map((explain) => cycle(c.snapshot, makePolicy({ ...policy, explain } as PolicyConfig), c.now ?? 0).decisions);
        expect(both[1]).toEqual(both[0]);
      }
    }
    // A full partition beside an open one (the decisions-only cycle skips the full one's jobs), and a
    // CPU-only job in a partition without free devices (it may still start).
    const nodes = aCluster().nodes(1, { partition: 'full' }).nodes(2, { partition: 'open' }).nodes(1, { partition: 'cpu', gpus: 0 }).build();
    const running = [aJob('r').partition('full').gpus(8).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()];
    let k = 0;
    const pending = Array.from({ length: 60 }, (_, i) => aJob(`p${i}`)
      .partition(['full', 'open', 'cpu'][i % 3]!).gpus(i % 3 === 2 ? 0 : 1 + ((i * 7) % 8)).limit(100 + ((i * 37) % 900))
      .submittedAt(k++).priority(i % 5).build());
    // Past the attempt budget, a job may still preempt (found by a review: decisions-only mode had stopped).
    const preemptSnap = {
      nodes: aCluster().nodes(1).build(),
      running: [aJob('r1').gpus(6).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5]]]).buildRunning()],
      pending: [aJob('j1').gpus(1).priority(10).submittedAt(1).build(), aJob('j2').gpus(4).priority(5).submittedAt(2).build()],
    };
    for (const order of ['multifactor', 'las'] as const) {
      const both = (['all', 'none'] as const).map((explain) => cycle(preemptSnap, makePolicy({ order, queueDepth: 1, preemption: { byPriority: true }, explain }), 1000).decisions);
      expect(both[0]!.map((d) => d.jobId)).toEqual(['j1', 'r1', 'j2']);
      expect(both[1]).toEqual(both[0]);
    }
    for (const o of policies) {
      const snap = { nodes, running, pending };
      expect(decide(snap, o, 'none', 50)).toEqual(decide(snap, o, 'all', 50));
      expect(decide(snap, o, 'none', 50).length).toBeGreaterThan(0);
    }
  });

  it('estimates the start of a blocked job from time limits', () => {
    const r = cycle({
      nodes: aCluster().nodes(1).build(),
      running: [aJob('r').gpus(8).limit(1000).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      pending: [aJob('a').gpus(8).limit(300).submittedAt(1).build(), aJob('b').gpus(8).submittedAt(2).build()],
    }, makePolicy('fifo'), 10);
    expect(r.pending.map((p) => [p.jobId, p.estimatedStart])).toEqual([['a', 1000], ['b', 1300]]);
  });

  it("estimates a reservation job's start on the reservation's nodes only", () => {
    const r = cycle({
      nodes: aCluster().nodes(2).build(),
      running: [aJob('long').gpus(8).limit(100_000).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()],
      reservations: [aReservation('class', 'uni', 0, 200_000, ['n000'])],
      pending: [aJob('mine').gpus(8).tenant('uni').reservation('class').limit(1000).build()],
    }, makePolicy('fifo'), 10);
    // n001 is free, but the job may only use n000, busy until t = 100,000
    expect(r.pending.map((p) => [p.jobId, p.estimatedStart])).toEqual([['mine', 100_000]]);
  });

  it('gives jobs beyond the queue depth a cheap reason', () => {
    const pending = Array.from({ length: 10 }, (_, i) => aJob(`j${i}`).gpus(4).limit(100 + i).submittedAt(i).build());
    const r = cycle({ nodes: aCluster().nodes(1).build(), running: [], pending }, makePolicy({ order: 'sjf', queueDepth: 3 }), 0);
    expect(started(r)).toEqual(['j0', 'j1']);
    expect(r.pending).toHaveLength(8);
  });

  it('leaves a caller-supplied index unchanged', async () => {
    const { CapacityIndex } = await import('./capacity.ts');
    const nodes = aCluster().nodes(2).build();
    const running = [aJob('r').gpus(8).runningOn(0, [['n000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()];
    const index = CapacityIndex.build(nodes, running);
    const before = JSON.stringify([index.free, index.cpuFree, index.memFree]);
    cycle({ nodes, running, index, pending: [aJob('a').gpus(8).build(), aJob('b').tasks(2, 8).build()] }, makePolicy('fifo-backfill'), 0);
    expect(JSON.stringify([index.free, index.cpuFree, index.memFree])).toBe(before);
  });

  it('rejects an unknown policy naming the valid ones', () => {
    expect(() => makePolicy('fcfs')).toThrow(/valid policies: fifo, fifo-backfill, sjf, srtf, las, multifactor/);
    expect(() => makePolicy({ order: 'fifo', backfill: 'maybe' as never })).toThrow(/backfill/);
  });

  it('keeps the multifactor breakdown', () => {
    const r = cycle({ nodes: two, running: [], pending: [aJob('a').qos('high').build()] }, makePolicy('multifactor'), 0);
    expect(Object.keys(r.priorities[0]!.factors)).toEqual(expect.arrayContaining(['age', 'fairShare', 'jobSize', 'qos', 'priority']));
  });
});

describe('release calendar', () => {
  it('gives the same decisions and estimates as scanning the running jobs', async () => {
    const { CapacityIndex } = await import('./capacity.ts');
    const nodes = aCluster().nodes(4).build();
    const running = [0, 1, 2, 3].flatMap((n) => [
      aJob(`r${n}a`).gpus(4).limit(100 * (n + 1)).runningOn(0, [[`n00${n}`, [0, 1, 2, 3]]]).buildRunning(),
      aJob(`r${n}b`).gpus(2).limit(50 * (n + 3)).runningOn(10, [[`n00${n}`, [4, 5]]]).buildRunning(),
    ]);
    const pending = [
      aJob('big').tasks(2, 8).submittedAt(1).build(), aJob('mid').gpus(6).submittedAt(2).limit(30).build(),
      aJob('s').gpus(2).submittedAt(3).limit(20).build(), aJob('l').gpus(8).submittedAt(4).build(),
    ];
    const scanned = new CapacityIndex(nodes);
    for (const r of running) scanned.allocate(r.placement, r.acceleratorType);
    const withCalendar = CapacityIndex.build(nodes, running);
    for (const order of ['fifo', 'fifo-backfill', 'las'] as const) {
      const a = cycle({ nodes, running, pending, index: scanned }, makePolicy(order), 60);
      const b = cycle({ nodes, running, pending, index: withCalendar }, makePolicy(order), 60);
      expect(b).toEqual(a);
      expect(a.pending.some((p) => p.estimatedStart !== null)).toBe(true);
    }
  });

  it('adds and removes in any order', async () => {
    const { ReleaseCalendar } = await import('./calendar.ts');
    const cal = new ReleaseCalendar();
    const hs = [50, 10, 30, 20, 40].map((end, i) => cal.add({ id: `j${i}`, end, placement: [], type: null }));
    cal.remove(hs[2]!);
    cal.remove(hs[1]!);
    const { t, size } = cal.copy(0);
    expect(Array.from(t.subarray(0, size)).sort((x, y) => x - y)).toEqual([20, 40, 50]);
    expect(t[0]).toBe(20);
  });
});

describe('scan depth', () => {
  it('is per partition: a backlog in one partition does not hide another partition\'s jobs', () => {
    const nodes = aCluster().nodes(1, { partition: 'a', prefix: 'a' }).nodes(1, { partition: 'b', prefix: 'b' }).build();
    const running = [aJob('ra').gpus(8).partition('a').runningOn(0, [['a000', [0, 1, 2, 3, 4, 5, 6, 7]]]).buildRunning()];
    const backlog = Array.from({ length: 20 }, (_, i) => aJob(`a${i}`).gpus(8).partition('a').submittedAt(i).build());
    const late = aJob('b-late').gpus(8).partition('b').submittedAt(100).build();
    const r = cycle({ nodes, running, pending: [...backlog, late] }, makePolicy({ order: 'fifo', scanDepth: 5 }), 200);
    expect(started(r)).toEqual(['b-late']);
    expect(r.pending).toHaveLength(20);
  });
});
