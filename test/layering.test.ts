/**
 * The layering rule of DESIGN.md, enforced: core, scheduler, simulator and contract do no I/O and import
 * nothing from the layers below them; services never import api (or cli); only the controller (and the
 * executors themselves) import executor implementations — everyone else may see `executors/types.ts` only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');
const ORDER = ['core', 'scheduler', 'simulator', 'contract', 'store', 'controller', 'executors', 'services', 'api', 'cli'] as const;
type Layer = (typeof ORDER)[number];
const PURE: readonly Layer[] = ['core', 'scheduler', 'simulator', 'contract'];
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|worker_threads|cluster|tls)$|^(pg|better-sqlite3|kysely|fastify|pino)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

interface Import { spec: string; typeOnly: boolean }
function imports(text: string): Import[] {
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push({ spec: (m[3] ?? m[4])!, typeOnly: Boolean(m[2]) });
  return out;
}

const layerOf = (file: string): Layer | undefined => relative(SRC, file).split('/')[0] as Layer;

describe('layering', () => {
  const all = files(SRC);
  it('finds the source tree', () => expect(all.length).toBeGreaterThan(20));

  for (const file of all) {
    const from = layerOf(file);
    if (!from || !ORDER.includes(from)) continue;
    const rel = relative(SRC, file);
    it(`${rel} respects the layers`, () => {
      const text = readFileSync(file, 'utf8');
      const problems: string[] = [];
      for (const imp of imports(text)) {
        if (imp.spec.startsWith('.')) {
          const target = relative(SRC, resolve(dirname(file), imp.spec));
          const to = target.split('/')[0] as Layer;
          if (!ORDER.includes(to)) continue;
          if (PURE.includes(from) && ORDER.indexOf(to) > ORDER.indexOf(from) && !imp.typeOnly) {
            problems.push(`${from} must not import ${to} (${imp.spec})`);
          }
          if (PURE.includes(from) && !PURE.includes(to)) problems.push(`${from} must not import ${to} (${imp.spec})`);
          if (from === 'services' && (to === 'api' || to === 'cli')) problems.push(`services must not import ${to} (${imp.spec})`);
          if (to === 'executors' && from !== 'executors' && from !== 'controller' && !target.endsWith('executors/types.ts')) {
            problems.push(`only the controller may use executor implementations (${imp.spec})`);
          }
        } else if (PURE.includes(from) && IO_MODULES.test(imp.spec) && !imp.typeOnly) {
          problems.push(`${from} must do no I/O, but imports ${imp.spec}`);
        }
      }
      if (PURE.includes(from)) {
        if (/\bDate\.now\(|\bnew Date\(\)|\bMath\.random\(|\bprocess\.(env|hrtime|exit)/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) {
          problems.push(`${from} must take time, randomness and environment as inputs`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
