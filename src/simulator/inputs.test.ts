import { describe, expect, it } from 'vitest';
import { phillyVcCluster } from './cluster.ts';
import { recordsCsv, summaryCsv, svgReport, comparisonTable } from './report.ts';
import { syntheticJobs } from './synthetic.ts';
import { parseGenericTrace, parsePhillyTrace, parseVcSizes, requestForDevices } from './trace.ts';
import { simulate } from './engine.ts';
import { makePolicy } from '../scheduler/policy.ts';
import { percentile, jain, bucketise } from './metrics.ts';

const PHILLY = `timestamp,duration,num_gpus,gpu_time,cluster
2017-10-09 07:01:55,66.0,1,66.0,aaaaaa
2017-10-09 06:13:03,2951.0,16,47216.0,bbbbbb
2017-10-09 06:13:03,2951.0,16,47216.0,bbbbbb
2017-10-09 06:00:00,10.0,12,120.0,cccccc
`;

describe('Philly reader', () => {
  it('sorts by submit time (stable), keeps duplicates, shapes gangs, filters VCs', () => {
    const jobs = parsePhillyTrace(PHILLY, { partitionPerVc: true });
    expect(jobs.map((j) => [j.job.id, j.job.submittedAt, j.job.partition])).toEqual([
      ['philly-4', 0, 'cccccc'], ['philly-2', 783, 'bbbbbb'], ['philly-3', 783, 'bbbbbb'], ['philly-1', 3715, 'aaaaaa'],
    ]);
    expect(jobs[1]!.job.request).toMatchObject({ tasks: 2, devicesPerTask: 8, timeLimitSeconds: 2951 });
    expect(jobs[0]!.job.request).toMatchObject({ tasks: 12, devicesPerTask: 1 });
    expect(parsePhillyTrace(PHILLY, { keepVcs: new Set(['aaaaaa']) })).toHaveLength(1);
  });
  it('reads vc sizes and builds one partition per VC', () => {
    const sizes = parseVcSizes('vc,node num\naaaaaa,2\nbbbbbb,3\n');
    const nodes = phillyVcCluster(sizes);
    expect(nodes).toHaveLength(5);
    expect(new Set(nodes.map((n) => n.partition))).toEqual(new Set(['aaaaaa', 'bbbbbb']));
    expect(nodes.every((n) => n.devices.length === 8)).toBe(true);
    expect(() => parseVcSizes('vc,node num\nx,zero\n')).toThrow(/vc-sizes line 2/);
  });
});

describe('generic CSV reader', () => {
  it('accepts aliases, optional columns and explicit limits', () => {
    const jobs = parseGenericTrace('gpus,submit_time,runtime,tenant,time_limit\n4,100,50,acme,60\n1,0,10,,\n');
    expect(jobs.map((j) => [j.job.id, j.job.tenant, j.job.request.timeLimitSeconds])).toEqual([['job-2', 'default', 10], ['job-1', 'acme', 60]]);
  });
  it('says which column is missing or bad', () => {
    expect(() => parseGenericTrace('submit,duration\n1,2\n')).toThrow(/missing column "devices"/);
    expect(() => parseGenericTrace('submit,devices,duration\n1,x,2\n')).toThrow(/line 2: column devices/);
  });
});

describe('synthetic generator', () => {
  it('is deterministic per seed and Philly-shaped', () => {
    const a = syntheticJobs({ seed: 3, jobs: 2000, meanInterarrivalSeconds: 10 });
    const b = syntheticJobs({ seed: 3, jobs: 2000, meanInterarrivalSeconds: 10 });
    const c = syntheticJobs({ seed: 4, jobs: 2000, meanInterarrivalSeconds: 10 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    const ones = a.filter((j) => j.job.request.tasks * j.job.request.devicesPerTask === 1).length / a.length;
    expect(ones).toBeGreaterThan(0.85);
  });
  it('shapes requests as gangs', () => {
    expect(requestForDevices(8, 8, 1)).toMatchObject({ tasks: 1, devicesPerTask: 8 });
    expect(requestForDevices(32, 8, 1)).toMatchObject({ tasks: 4, devicesPerTask: 8 });
  });
});

describe('metrics and reports', () => {
  it('percentiles, Jain, buckets', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(jain([1, 1, 1])).toBe(1);
    expect(jain([1, 0, 0])).toBeCloseTo(1 / 3);
    expect(bucketise([0, 5], [4, 0], 0, 10, 2)).toEqual([[0, 4], [5, 0]]);
  });
  it('writes CSV, a table and an SVG from a run', () => {
    const jobs = parsePhillyTrace(PHILLY);
    const nodes = phillyVcCluster(new Map([['gpu', 4]])).map((n) => ({ ...n, partition: 'gpu' as never }));
    const results = ['fifo', 'las'].map((p) => simulate(jobs, nodes, makePolicy(p)));
    const csv = recordsCsv(results[0]!.records);
    expect(csv.split('\n')[0]).toBe('id,tenant,partition,devices,submit,start,end,duration,jct,queue,boundedSlowdown,preemptions,outcome,reason');
    expect(csv.trim().split('\n')).toHaveLength(5);
    expect(summaryCsv(results.map((r) => r.summary)).trim().split('\n')).toHaveLength(3);
    expect(comparisonTable(results.map((r) => r.summary))).toContain('| metric | fifo | las |');
    const svg = svgReport(results);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
  });
});
