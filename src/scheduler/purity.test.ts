/**
 * The layering rule for the pure engine (DESIGN.md): src/scheduler and src/simulator do no I/O and import
 * nothing from the layers below them. Scans the source text of every module (tests excluded).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"](node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|worker_threads|cluster|os|readline)['"]/, 'an I/O module'],
  [/import\(\s*['"](node:)?(fs|child_process|net|http|https)['"]\s*\)/, 'a dynamic I/O import'],
  [/\bDate\.now\s*\(/, 'the wall clock (Date.now)'],
  [/\bnew Date\s*\(\s*\)/, 'the wall clock (new Date())'],
  [/\bperformance\.now\s*\(/, 'the wall clock (performance.now)'],
  [/\bMath\.random\s*\(/, 'unseeded randomness (Math.random)'],
  [/\bprocess\.\w+/, 'the process (process.*)'],
  [/\brequire\s*\(/, 'require()'],
  [/from\s+['"][./]*\/(store|controller|executors|services|api|cli)\//, 'a layer below (store/controller/executors/services/api/cli)'],
];

describe('the scheduler and the simulator are pure', () => {
  const all = [...files(join(root, 'scheduler')), ...files(join(root, 'simulator'))];
  it('finds the modules', () => {
    expect(all.length).toBeGreaterThan(10);
  });
  for (const file of all) {
    it(relative(root, file), () => {
      const text = readFileSync(file, 'utf8').replace(/^\s*(\*|\/\/).*$/gm, ''); // comments may mention them
      for (const [re, what] of FORBIDDEN) {
        expect(re.test(text), `${relative(root, file)} uses ${what}`).toBe(false);
      }
    });
  }
  it('the rules catch what they should', () => {
    const bad = ["import { readFileSync } from 'node:fs';", 'const t = Date.now();', 'Math.random()', "import x from '../store/db.ts';", 'process.env.X'];
    for (const b of bad) expect(FORBIDDEN.some(([re]) => re.test(b)), b).toBe(true);
  });
});
