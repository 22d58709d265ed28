/**
 * Benchmark runner: `npm run bench -- <name> [<name> …] [key=value …]` runs every bench/<name>*.ts (e.g.
 * `scheduler` → bench/scheduler-*.ts), one after another (never in parallel: timings would disturb each
 * other), each in its own `node --import tsx` process, passing the key=value arguments through.
 * With no name it lists the benchmarks. Each benchmark documents its own parameters and targets.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort();
const args = process.argv.slice(2);
const names = args.filter((a) => !a.includes('='));
const params = args.filter((a) => a.includes('='));
if (names.length === 0) {
  console.log(`usage: npm run bench -- <name> [key=value …]\nbenchmarks:\n${all.map((f) => `  ${f.replace(/\.ts$/, '')}`).join('\n')}`);
  process.exit(0);
}
const chosen = all.filter((f) => names.some((n) => f === `${n}.ts` || f.startsWith(`${n}-`)));
if (chosen.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}; have: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of chosen) {
  console.error(`\n== ${f} ${params.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f), ...params], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
