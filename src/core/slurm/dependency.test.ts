import { describe, expect, it } from 'vitest';
import {
  dependencyJobIds, dependencyState, findDependencyCycle, formatDependencySpec, parseDependencySpec,
  type DependencyJobView, type DependencySpec, type DependencyState,
} from './dependency.ts';

const parse = (text: string): DependencySpec => {
  const r = parseDependencySpec(text);
  if ('error' in r) throw new Error(r.error);
  return r;
};

describe('parseDependencySpec', () => {
  const good: Record<string, { text: string; want: DependencySpec }> = {
    'afterok with a list': {
      text: 'afterok:job_a:job_b',
      want: { combine: 'all', clauses: [{ type: 'afterok', targets: [{ jobId: 'job_a' }, { jobId: 'job_b' }] }] },
    },
    'after with delays': {
      text: 'after:job_a+10:job_b',
      want: { combine: 'all', clauses: [{ type: 'after', targets: [{ jobId: 'job_a', delayMinutes: 10 }, { jobId: 'job_b' }] }] },
    },
    'all of several clauses': {
      text: 'afterany:job_a,afternotok:job_b,singleton',
      want: {
        combine: 'all',
        clauses: [
          { type: 'afterany', targets: [{ jobId: 'job_a' }] },
          { type: 'afternotok', targets: [{ jobId: 'job_b' }] },
          { type: 'singleton', targets: [] },
        ],
      },
    },
    'any of two': {
      text: 'afterok:1234?aftercorr:1235_7',
      want: {
        combine: 'any',
        clauses: [{ type: 'afterok', targets: [{ jobId: '1234' }] }, { type: 'aftercorr', targets: [{ jobId: '1235_7' }] }],
      },
    },
  };
  for (const [name, c] of Object.entries(good)) {
    it(name, () => {
      expect(parse(c.text)).toEqual(c.want);
      expect(formatDependencySpec(parse(c.text))).toBe(c.text);
    });
  }

  const bad: Record<string, { text: string; want: string }> = {
    'mixing , and ?': { text: 'afterok:a,afterany:b?singleton', want: 'cannot be mixed' },
    'an unknown type': { text: 'afterfoo:a', want: '"afterfoo" is not a dependency type' },
    'no job': { text: 'afterok', want: 'names no job' },
    'an empty job id': { text: 'afterok:a::b', want: 'names no job' },
    'a delay on afterok': { text: 'afterok:a+5', want: 'only for after' },
    'singleton with a job': { text: 'singleton:a', want: '"singleton" is not a dependency type' },
    'burst buffers': { text: 'afterburstbuffer:a', want: 'burst buffers' },
    'a bad id': { text: 'afterok:a b', want: '"a b" is not a job id' },
    'empty': { text: '', want: 'nothing given' },
  };
  for (const [name, c] of Object.entries(bad)) {
    it(`refuses ${name}`, () => {
      const r = parseDependencySpec(c.text);
      expect('error' in r && r.error).toContain(c.want);
      expect('error' in r && r.error).toContain('--dependency=');
      expect('error' in r && r.error).toContain('Slurm accepts');
    });
  }

  it('lists the jobs named, once', () => {
    expect(dependencyJobIds(parse('afterok:a:b,afterany:a,singleton'))).toEqual(['a', 'b']);
  });
});

describe('dependencyState', () => {
  const MIN = 60_000;
  const jobs: Record<string, DependencyJobView> = {
    pending: { state: 'pending' },
    running: { state: 'running', startedAt: 1000 * MIN },
    ok: { state: 'succeeded', startedAt: 900 * MIN, endedAt: 950 * MIN },
    failed: { state: 'failed', startedAt: 900 * MIN, endedAt: 950 * MIN },
    timeout: { state: 'timed_out', startedAt: 900 * MIN, endedAt: 950 * MIN },
    cancelledEarly: { state: 'cancelled', endedAt: 990 * MIN },
    preempted: { state: 'preempted', startedAt: 800 * MIN },
  };
  const now = 1005 * MIN;
  interface Case {
    spec: string;
    want: DependencyState;
    singletonBlocked?: boolean;
    tasks?: Record<string, DependencyJobView>;
  }
  const cases: Record<string, Case> = {
    'afterok on a success': { spec: 'afterok:ok', want: 'satisfied' },
    'afterok on a running job': { spec: 'afterok:running', want: 'pending' },
    'afterok on a failure can never be satisfied': { spec: 'afterok:failed', want: 'never' },
    'afterok on a time-out': { spec: 'afterok:timeout', want: 'never' },
    'afterok on a preempted job waits': { spec: 'afterok:preempted', want: 'pending' },
    'afternotok on a failure': { spec: 'afternotok:failed', want: 'satisfied' },
    'afternotok on a cancelled job': { spec: 'afternotok:cancelledEarly', want: 'satisfied' },
    'afternotok on a success': { spec: 'afternotok:ok', want: 'never' },
    'afterany on any end': { spec: 'afterany:ok:failed:timeout:cancelledEarly', want: 'satisfied' },
    'afterany on a running job': { spec: 'afterany:ok:running', want: 'pending' },
    'after a started job': { spec: 'after:running', want: 'satisfied' },
    'after a pending job': { spec: 'after:pending', want: 'pending' },
    'after with a delay not yet passed': { spec: 'after:running+10', want: 'pending' },
    'after with a delay passed': { spec: 'after:running+5', want: 'satisfied' },
    'after a job cancelled before it ran': { spec: 'after:cancelledEarly', want: 'satisfied' },
    'an unknown (purged) job counts as satisfied': { spec: 'afterok:gone', want: 'satisfied' },
    'all: one never makes never': { spec: 'afterok:ok,afterok:failed', want: 'never' },
    'all: one pending makes pending': { spec: 'afterok:ok,afterany:running', want: 'pending' },
    'any: one satisfied is enough': { spec: 'afterok:failed?afterok:ok', want: 'satisfied' },
    'any: pending while one can still be satisfied': { spec: 'afterok:failed?afterok:running', want: 'pending' },
    'any: never when none can': { spec: 'afterok:failed?afternotok:ok', want: 'never' },
    'singleton blocked': { spec: 'singleton', want: 'pending', singletonBlocked: true },
    'singleton free': { spec: 'singleton', want: 'satisfied', singletonBlocked: false },
    'aftercorr uses the corresponding task': { spec: 'aftercorr:arr', want: 'never', tasks: { arr: jobs.failed as DependencyJobView } },
    'aftercorr without a task uses the whole job': { spec: 'aftercorr:ok', want: 'satisfied' },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const got = dependencyState(parse(c.spec), {
        now,
        job: (id) => jobs[id] ?? (id === 'arr' ? { state: 'running', startedAt: 0 } : undefined),
        correspondingTask: (id) => c.tasks?.[id],
        singletonBlocked: () => c.singletonBlocked ?? false,
      });
      expect(got).toBe(c.want);
    });
  }
});

describe('findDependencyCycle', () => {
  const graph: Record<string, string[]> = { new: ['a'], a: ['b'], b: ['new'], c: ['c'], d: ['a'] };
  const edges = (id: string) => graph[id] ?? [];
  it('finds the path back to the job', () => expect(findDependencyCycle('new', edges)).toEqual(['new', 'a', 'b', 'new']));
  it('a job depending on itself', () => expect(findDependencyCycle('c', edges)).toEqual(['c', 'c']));
  it('no cycle', () => expect(findDependencyCycle('x', (id) => (id === 'x' ? ['d'] : id === 'd' ? ['e'] : []))).toBeUndefined());
});
