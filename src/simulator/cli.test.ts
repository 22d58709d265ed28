/** `cheomdan simulate` end to end in-process: real files in a temp dir, commander parsing, JSON and reports. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimulate } from '../cli/commands/simulate.ts';

function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const program = new Command('cheomdan').option('--json').exitOverride();
  registerSimulate(program, { io: { stdout, stderr } });
  program.parse(['node', 'cheomdan', ...args]);
  return { out: () => out, err: () => err };
}

describe('cheomdan simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cheomdan-sim-'));
  writeFileSync(join(dir, 'cluster.yaml'), 'nodeGroups:\n  - { prefix: g, count: 2, partition: gpu, cpus: 64, memoryGb: 512, devices: { type: nvidia-h100-sxm-80gb, count: 8 } }\n');
  writeFileSync(join(dir, 'jobs.csv'), 'submit,devices,duration,tenant\n0,8,100,a\n0,8,100,b\n0,16,10,a\n5,1,5,b\n0,32,5,c\n');

  it('prints one JSON object per policy with the required fields', () => {
    const r = run(['simulate', '--trace', join(dir, 'jobs.csv'), '--cluster', join(dir, 'cluster.yaml'), '--policy', 'fifo', '--policy', 'sjf', '--json']);
    const lines = r.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.policy)).toEqual(['fifo', 'sjf']);
    for (const l of lines) {
      for (const k of ['policy', 'jobs', 'avgJctSeconds', 'p50JctSeconds', 'p99JctSeconds', 'avgQueueSeconds', 'makespanSeconds', 'utilization', 'wallSeconds']) {
        expect(l).toHaveProperty(k);
      }
      expect(l.jobs).toBe(5);
      expect(l.rejected).toBe(1); // 32 devices on a 16-device cluster
    }
  });

  it('writes the reports with --out', () => {
    const out = join(dir, 'out');
    const r = run(['simulate', '--trace', join(dir, 'jobs.csv'), '--cluster', join(dir, 'cluster.yaml'), '--policy', 'las', '--out', out]);
    expect(r.out()).toContain('| metric | las |');
    for (const f of ['summary.json', 'summary.csv', 'comparison.md', 'jobs-las.csv', 'utilization.csv', 'utilization.json', 'report.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'jobs-las.csv'), 'utf8')).toContain('partition_too_small');
  });

  it('says which file it cannot read', () => {
    expect(() => run(['simulate', '--trace', join(dir, 'nope.csv'), '--cluster', join(dir, 'cluster.yaml')])).toThrow(/--trace .*nope.csv: cannot read it \(ENOENT\)/);
  });

  it('fails fast on an unknown policy, naming the valid ones', () => {
    expect(() => run(['simulate', '--trace', join(dir, 'jobs.csv'), '--cluster', join(dir, 'cluster.yaml'), '--policy', 'fcfs'])).toThrow(/valid policies: fifo, fifo-backfill/);
  });
});
