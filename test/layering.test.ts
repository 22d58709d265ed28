/**
 * The layering rule of DESIGN.md as docs/architecture.md states it, enforced on every source file:
 *   - the layers form one order (ORDER below); a file imports only its own layer and layers before it,
 *     type-only imports included;
 *   - core, scheduler, simulator, loadgen and contract do no I/O (no I/O module, no clock, no randomness,
 *     no environment);
 *   - only the controller (and the composition root, which builds them, and the executors themselves)
 *     import executor implementations; everyone else may see `executors/types.ts` only;
 *   - only services (and the composition root) use blob storage;
 *   - no import cycle anywhere in src/, type-only imports included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');
const ORDER = [
  'core', 'scheduler', 'simulator', 'loadgen', 'contract', 'store', 'blobs', 'executors', 'controller', 'testbed', 'services', 'api', 'server', 'cli',
] as const;
type Layer = (typeof ORDER)[number];
const PURE: readonly Layer[] = ['core', 'scheduler', 'simulator', 'loadgen', 'contract'];
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
          if (ORDER.indexOf(to) > ORDER.indexOf(from)) problems.push(`${from} must not import ${to}, a later layer (${imp.spec})`);
          if (PURE.includes(from) && !PURE.includes(to)) problems.push(`${from} must not import ${to} (${imp.spec})`);
          if (to === 'executors' && !['executors', 'controller', 'server'].includes(from) && !target.endsWith('executors/types.ts')) {
            problems.push(`only the controller may use executor implementations (${imp.spec})`);
          }
          if (to === 'blobs' && !['blobs', 'services', 'server'].includes(from)) problems.push(`only services use blob storage (${imp.spec})`);
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

  it('has no import cycle, type-only imports included', () => {
    const graph = new Map(all.map((f) => [f, imports(readFileSync(f, 'utf8')).filter((i) => i.spec.startsWith('.')).map((i) => resolve(dirname(f), i.spec))]));
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' -> '))).toEqual([]);
  });
});

/** Strongly connected components of more than one file (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
