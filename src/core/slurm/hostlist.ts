/**
 * Slurm hostlists: `gpu-[001-003,007]` for gpu-001, gpu-002, gpu-003, gpu-007, as SLURM_JOB_NODELIST,
 * squeue's NODELIST and `scontrol show hostnames` write them. Pure.
 *
 * Expanding: comma-separated items, each a name with zero or more bracketed range lists
 * (`rack[1-2]-n[01-02]` is the product: rack1-n01, rack1-n02, rack2-n01, rack2-n02). A range keeps the
 * width of its first bound (`[008-010]` → 008, 009, 010).
 * Compressing: names are sorted and deduplicated (Slurm sorts a job's node list) and grouped on the last
 * run of digits at their end: the same prefix and the same width (a zero-padded number has the width of its
 * digits; unpadded numbers of any length go together, so n9 and n10 give n[9-10], and n01 with n10 gives
 * n[01,10]). A group of one name is written without brackets (`gpu-001`), as Slurm does.
 */

const ACCEPTS = 'Slurm accepts names separated by commas, with bracketed ranges such as gpu-[001-003,007]';

/** Expands a hostlist into names, in the order written. */
export function expandHostlist(text: string): string[] | { error: string } {
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text.trim()) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (depth < 0 || depth > 1) return { error: `"${text}": unbalanced brackets; ${ACCEPTS}` };
    if (c === ',' && depth === 0) {
      items.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) return { error: `"${text}": unbalanced brackets; ${ACCEPTS}` };
  items.push(cur);
  const out: string[] = [];
  for (const item of items) {
    if (item === '') continue;
    const r = expandItem(item);
    if ('error' in r) return { error: `"${text}": ${r.error}; ${ACCEPTS}` };
    out.push(...r.names);
  }
  return out;
}

function expandItem(item: string): { names: string[] } | { error: string } {
  const open = item.indexOf('[');
  if (open === -1) return { names: [item] };
  const close = item.indexOf(']', open);
  const prefix = item.slice(0, open);
  const rest = expandItem(item.slice(close + 1));
  if ('error' in rest) return rest;
  const numbers: string[] = [];
  for (const piece of item.slice(open + 1, close).split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
    if (!m) return { error: `"[${item.slice(open + 1, close)}]" holds "${piece}", not a number or a range LOW-HIGH` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { error: `the range "${piece}" ends before it starts` };
    if (hi - lo > 1_000_000) return { error: `the range "${piece}" is too large` };
    const width = (m[1] as string).length;
    for (let n = lo; n <= hi; n++) numbers.push(String(n).padStart(width, '0'));
  }
  return { names: numbers.flatMap((n) => rest.names.map((r) => `${prefix}${n}${r}`)) };
}

interface Parsed {
  name: string;
  prefix: string;
  digits: string;
}

/** Compresses names into Slurm's hostlist syntax, sorted and deduplicated (see the module header). */
export function compressHostlist(names: readonly string[]): string {
  const unique = [...new Set(names)];
  const parsed: Parsed[] = unique.map((name) => {
    const m = /^(.*?)(\d+)$/.exec(name);
    return m ? { name, prefix: m[1] as string, digits: m[2] as string } : { name, prefix: name, digits: '' };
  });
  // Group: same prefix and compatible width. Padded numbers are keyed by width; unpadded ones join the
  // padded group of their own length if there is one, else the prefix's unpadded group.
  const padded = (d: string) => d.length > 1 && d.startsWith('0');
  const paddedWidths = new Map<string, Set<number>>();
  for (const p of parsed) {
    if (p.digits !== '' && padded(p.digits)) {
      const set = paddedWidths.get(p.prefix) ?? new Set<number>();
      set.add(p.digits.length);
      paddedWidths.set(p.prefix, set);
    }
  }
  const groups = new Map<string, { prefix: string; width: number; numbers: number[] }>();
  const plain: string[] = [];
  for (const p of parsed) {
    if (p.digits === '') {
      plain.push(p.name);
      continue;
    }
    const width = padded(p.digits) || paddedWidths.get(p.prefix)?.has(p.digits.length) ? p.digits.length : 0;
    const key = `${p.prefix}\u0000${width}`;
    const g = groups.get(key) ?? { prefix: p.prefix, width, numbers: [] };
    g.numbers.push(Number(p.digits));
    groups.set(key, g);
  }
  const parts: { sortKey: string; first: number; text: string }[] = plain.map((n) => ({ sortKey: n, first: -1, text: n }));
  for (const g of groups.values()) {
    g.numbers.sort((a, b) => a - b);
    const fmt = (n: number) => String(n).padStart(g.width, '0');
    if (g.numbers.length === 1) {
      parts.push({ sortKey: g.prefix, first: g.numbers[0] as number, text: `${g.prefix}${fmt(g.numbers[0] as number)}` });
      continue;
    }
    const ranges: string[] = [];
    let lo = g.numbers[0] as number;
    let prev = lo;
    for (const n of [...g.numbers.slice(1), Number.NaN]) {
      if (n === prev + 1) {
        prev = n;
        continue;
      }
      ranges.push(lo === prev ? fmt(lo) : `${fmt(lo)}-${fmt(prev)}`);
      lo = n;
      prev = n;
    }
    parts.push({ sortKey: g.prefix, first: g.numbers[0] as number, text: `${g.prefix}[${ranges.join(',')}]` });
  }
  parts.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.first - b.first));
  return parts.map((p) => p.text).join(',');
}
