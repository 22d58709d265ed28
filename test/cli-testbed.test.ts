/**
 * `cheomdan testbed serve` and `cheomdan testbed bench` as a person runs them: the reference server
 * spawned, a Server run and an accuracy run against it (text and --json, --out, --user-conf), and the
 * flags and endpoints that must be refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { ROOT } from './helpers/server.ts';

let server: ChildProcess;
let endpoint = '';
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cheomdan-testbed-'));
  server = spawn(process.execPath, [join(ROOT, 'bin', 'cheomdan.js'), 'testbed', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`testbed serve exited ${code}: ${out}`)));
  });
}, 30_000);
afterAll(async () => {
  server?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cheomdan testbed', () => {
  it('serve prints where it listens and which models it serves', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('bench --scenario server: a VALID run, its latency against the bound, and what departs from the rules', async () => {
    const conf = join(dir, 'user.conf');
    await writeFile(conf, 'digits-cnn.Server.target_qps = 200\n*.Server.min_duration = 3000\n*.Server.min_query_count = 800\n');
    const out = join(dir, 'server.json');
    const r = await runCli(['testbed', 'bench', '--endpoint', endpoint, '--model', 'digits-cnn', '--scenario', 'server', '--target-latency', '1s', '--user-conf', conf, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digits-cnn · Server · performance {3}\(MLPerf LoadGen 6\.0 rules\)/);
    expect(r.stdout, r.stdout).toMatch(/Result {5}VALID/); // a loose bound (1 s): the suite runs other benchmarks beside it on 2 cores
    expect(r.stdout).toMatch(/Scheduled QPS {8}200/);
    expect(r.stdout).toMatch(/\(bound 1000 ms at p99\)/);
    expect(r.stdout).toMatch(/Departs from the 6\.0 rules .*minDurationMs is 3000, the rules ask at least 600000; the latency bound is 1000 ms, the rules ask at most 15 ms/);
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report).toMatchObject({ model: 'digits-cnn', scenario: 'Server', valid: true, settings: { serverTargetQps: 200, minDurationMs: 3000, scheduleRngSeed: '16159082839903944936' } });
  }, 30_000);

  it('bench --accuracy --json: the perturbed model fails the 99% rule', async () => {
    const r = await runCli(['--json', 'testbed', 'bench', '--endpoint', endpoint, '--model', 'digits-cnn-perturbed', '--scenario', 'Offline', '--accuracy']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ mode: 'accuracy', valid: false, accuracy: { passed: false, referenceModel: 'digits-cnn' } });
    expect(report.result.samplesCompleted).toBe(599);
  }, 30_000);

  it('refuses bad flags (exit 2) and an endpoint it cannot use (exit 1), saying why', async () => {
    const bad: [string[], RegExp][] = [
      [['--scenario', 'sideways'], /--scenario .* must be one of SingleStream, MultiStream, Server, Offline/],
      [['--scenario', 'server', '--target-latency', '15'], /"15" is not a duration; give a number and a unit: 15ms/],
      [['--scenario', 'server', '--target-qps', '0'], /--target-qps .* must be a number greater than 0/],
      [['--scenario', 'server', '--user-conf', join(dir, 'missing.conf')], /--user-conf .*missing\.conf: no such file/],
    ];
    for (const [flags, want] of bad) {
      const r = await runCli(['testbed', 'bench', '--endpoint', endpoint, '--model', 'digits-cnn', ...flags]);
      expect([r.code, flags.join(' ')]).toEqual([2, flags.join(' ')]);
      expect(r.stderr).toMatch(want);
    }
    const garbled = join(dir, 'garbled.conf');
    await writeFile(garbled, 'digits-cnn.Server.target_qps = fast\n');
    const g = await runCli(['testbed', 'bench', '--endpoint', endpoint, '--model', 'digits-cnn', '--scenario', 'server', '--user-conf', garbled]);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/garbled\.conf:1: value "fast" of digits-cnn\.Server\.target_qps must be an integer or a decimal number/);
    const unknown = await runCli(['testbed', 'bench', '--endpoint', endpoint, '--model', 'resnet50', '--scenario', 'server']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/model "resnet50" is not served: 404/);
  }, 60_000);
});
