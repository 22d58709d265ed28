/**
 * The reference inference server on this machine's CPU (issue 12): the accuracy check of the reference
 * model and of its perturbed copy, and the Server scenario (digits-cnn rules: p99 ≤ 15 ms) with the peak-QPS
 * search. The server runs as its own process (`cheomdan testbed serve`), as it would on a node.
 *
 *   node --import tsx bench/testbed-reference.ts [duration=10] [start=500]
 *
 * `duration` is the minimum run length in seconds (the rules ask 600; shorter runs are listed as departures).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runBenchmark } from '../src/testbed/benchmark.ts';
import { loadTensorLibrary } from '../src/testbed/qsl.ts';

const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`${k}=`))?.slice(k.length + 1) ?? d;
const duration = Number(arg('duration', '10'));
const start = Number(arg('start', '500'));
const root = join(import.meta.dirname, '..');
const server = spawn(process.execPath, [join(root, 'bin/cheomdan.js'), 'testbed', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const endpoint = await new Promise<string>((resolve) => {
  let out = '';
  server.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
});
const qsl = loadTensorLibrary(join(root, 'models/digits-validation'));
try {
  for (const model of ['digits-cnn', 'digits-cnn-perturbed']) {
    const r = await runBenchmark({ endpoint, model, scenario: 'Offline', mode: 'accuracy', qsl });
    console.log(`accuracy ${model}: ${r.accuracy!.message} → ${r.valid ? 'VALID' : 'INVALID'}`);
  }
  const peak = await runBenchmark({
    endpoint, model: 'digits-cnn', scenario: 'Server', mode: 'performance', qsl, findPeak: true,
    overrides: { minDurationMs: duration * 1000, serverTargetQps: start },
  });
  const p = peak.result.sampleLatency.percentilesNs;
  console.log(`Server peak (p99 ≤ 15 ms, ${duration} s runs): ${peak.peak!.peakQps} QPS VALID; tried ${peak.peak!.tried.map((t) => `${+t.qps.toFixed(1)}${t.valid ? '✓' : '✗'}`).join(' ')}`);
  console.log(`  at the peak: p50 ${(p['0.5']! / 1e6).toFixed(2)} ms, p99 ${(p['0.99']! / 1e6).toFixed(2)} ms, ${peak.result.queriesIssued} queries; departures: ${peak.departures.join('; ')}`);
} finally {
  server.kill('SIGTERM');
}
