import { describe, expect, it } from 'vitest';
import { CapacityIndex } from './capacity.ts';
import { checkFeasibility, findPlacement } from './placement.ts';
import { A100, aCluster, aJob, H100 } from './testing.ts';

describe('placement', () => {
  interface Case {
    nodes: ReturnType<ReturnType<typeof aCluster>['build']>;
    running?: ReturnType<ReturnType<typeof aJob>['buildRunning']>[];
    job: ReturnType<ReturnType<typeof aJob>['build']>;
    /** Nodes of the placement (in order) and devices taken on each, or null for "does not fit now". */
    want: [string, number][] | null;
  }
  const cases: Record<string, Case> = {
    'a job that fits on one node goes on one node': {
      nodes: aCluster().nodes(2).build(), job: aJob().gpus(8).build(), want: [['n000', 8]],
    },
    'best fit: the node with the fewest free devices that still holds the job': {
      nodes: aCluster().nodes(3).build(),
      running: [
        aJob().gpus(4).runningOn(0, [['n000', [0, 1, 2, 3]]]).buildRunning(),
        aJob().gpus(6).runningOn(0, [['n001', [0, 1, 2, 3, 4, 5]]]).buildRunning(),
      ],
      job: aJob().gpus(2).build(), want: [['n001', 2]],
    },
    'a single-node job waits for one node rather than being split': {
      nodes: aCluster().nodes(2).build(),
      running: [
        aJob().gpus(4).runningOn(0, [['n000', [0, 1, 2, 3]]]).buildRunning(),
        aJob().gpus(4).runningOn(0, [['n001', [0, 1, 2, 3]]]).buildRunning(),
      ],
      job: aJob().gpus(8).build(), want: null,
    },
    'multi-node jobs take whole free nodes': {
      nodes: aCluster().nodes(3).build(),
      running: [aJob().gpus(1).runningOn(0, [['n000', [0]]]).buildRunning()],
      job: aJob().tasks(2, 8).build(), want: [['n001', 8], ['n002', 8]],
    },
    'gang: a job that cannot get all its nodes gets none': {
      nodes: aCluster().nodes(2).build(),
      running: [aJob().gpus(1).runningOn(0, [['n000', [0]]]).buildRunning()],
      job: aJob().tasks(2, 8).build(), want: null,
    },
    'topology: the smallest NVLink domain that holds the job': {
      nodes: aCluster().nodes(6, { labels: (i) => ({ nvlinkDomain: i < 4 ? 'big' : 'small', rack: 'r0' }) }).build(),
      job: aJob().tasks(2, 8).build(), want: [['n004', 8], ['n005', 8]],
    },
    'topology: the same rack before spanning racks': {
      nodes: aCluster().nodes(5, { labels: (i) => ({ rack: i < 2 ? 'r0' : 'r1' }) }).build(),
      job: aJob().tasks(3, 8).build(), want: [['n002', 8], ['n003', 8], ['n004', 8]],
    },
    'acceptable types: the tightest fit across types': {
      nodes: aCluster().nodes(1, { type: H100, prefix: 'h' }).nodes(1, { type: A100, gpus: 4, prefix: 'a' }).build(),
      job: aJob().gpus(4).type(H100, A100).build(), want: [['a001', 4]],
    },
    'CPUs are checked on the node': {
      nodes: aCluster().nodes(1, { cpus: 8 }).build(), job: aJob().gpus(1).cpus(16).build(), want: null,
    },
    'down nodes are not used': {
      nodes: aCluster().nodes(1, { state: 'down' }).nodes(1).build(), job: aJob().gpus(8).build(), want: [['n001', 8]],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const idx = CapacityIndex.build(c.nodes, c.running ?? []);
      const got = findPlacement(idx, c.job.partition, c.job.request);
      expect(got ? got.placement.map((a) => [a.node, a.devices.length]) : null).toEqual(c.want);
    });
  }
});

describe('checkFeasibility (can it ever fit?)', () => {
  const nodes = aCluster().nodes(2).build();
  const cases: Record<string, { job: ReturnType<ReturnType<typeof aJob>['build']>; want: string }> = {
    'fits': { job: aJob().tasks(2, 8).build(), want: 'ok' },
    'larger than its partition': { job: aJob().tasks(3, 8).build(), want: 'partition_too_small' },
    'more devices per task than a node has': { job: aJob().gpus(9).nodes(1).build(), want: 'partition_too_small' },
    'no node has the type': { job: aJob().type(A100).build(), want: 'no_such_accelerator' },
    'no such partition': { job: aJob().partition('nope').build(), want: 'partition_too_small' },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = checkFeasibility(c.job, nodes);
      expect(r.ok ? 'ok' : r.reason).toBe(c.want);
      if (!r.ok) expect(r.message.length).toBeGreaterThan(10);
    });
  }
});
