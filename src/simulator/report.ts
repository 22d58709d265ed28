/**
 * Reports from simulation results, as strings (the caller writes them): per-job CSV, summary CSV, a
 * side-by-side table when several policies ran, and an SVG with utilisation over time and the JCT
 * distribution (CDF, log time axis) of every policy.
 */
import type { JobRecord, SimResult, Summary } from './types.ts';

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function recordsCsv(records: readonly JobRecord[], policy?: string): string {
  const cols: (keyof JobRecord)[] = ['id', 'tenant', 'partition', 'devices', 'submit', 'start', 'end', 'duration', 'jct', 'queue', 'boundedSlowdown', 'preemptions', 'outcome', 'reason'];
  const head = (policy !== undefined ? ['policy'] : []).concat(cols).join(',');
  const out = [head];
  for (const r of records) out.push((policy !== undefined ? [policy] : []).concat(cols.map((c) => csvCell(r[c]))).join(','));
  return out.join('\n') + '\n';
}

/** Device utilisation over time (time-bucket averages), one row per policy and bucket. */
export function utilizationCsv(results: readonly SimResult[]): string {
  const out = ['policy,time,busyDevices,utilization'];
  for (const r of results) {
    for (const [t, b] of r.utilization) out.push(`${csvCell(r.summary.policy)},${t},${b.toFixed(2)},${(r.totalDevices ? b / r.totalDevices : 0).toFixed(4)}`);
  }
  return out.join('\n') + '\n';
}

export const SUMMARY_COLUMNS = [
  'policy', 'jobs', 'completed', 'rejected', 'unfinished', 'avgJctSeconds', 'p50JctSeconds', 'p99JctSeconds',
  'avgQueueSeconds', 'p50QueueSeconds', 'p99QueueSeconds', 'avgBoundedSlowdown', 'makespanSeconds', 'utilization',
  'preemptions', 'fairnessJain', 'cycles', 'decisions', 'wallSeconds',
] as const satisfies readonly (keyof Summary)[];

export function summaryCsv(summaries: readonly Summary[]): string {
  return [SUMMARY_COLUMNS.join(','), ...summaries.map((s) => SUMMARY_COLUMNS.map((c) => csvCell(s[c])).join(','))].join('\n') + '\n';
}

const fmt = (v: number, digits = 0) => (Number.isInteger(v) && digits === 0 ? String(v) : v.toFixed(digits));

/** A Markdown table, one column per policy. */
export function comparisonTable(summaries: readonly Summary[]): string {
  const rows: [string, (s: Summary) => string][] = [
    ['jobs completed', (s) => `${s.completed}/${s.jobs}`],
    ['avg JCT (s)', (s) => fmt(s.avgJctSeconds, 0)],
    ['p50 JCT (s)', (s) => fmt(s.p50JctSeconds, 0)],
    ['p99 JCT (s)', (s) => fmt(s.p99JctSeconds, 0)],
    ['avg queueing (s)', (s) => fmt(s.avgQueueSeconds, 0)],
    ['p99 queueing (s)', (s) => fmt(s.p99QueueSeconds, 0)],
    ['avg bounded slowdown', (s) => fmt(s.avgBoundedSlowdown, 2)],
    ['makespan (s)', (s) => fmt(s.makespanSeconds, 0)],
    ['utilisation', (s) => `${(s.utilization * 100).toFixed(1)}%`],
    ['preemptions', (s) => String(s.preemptions)],
    ['fairness (Jain, tenants)', (s) => s.fairnessJain.toFixed(3)],
    ['wall (s)', (s) => s.wallSeconds.toFixed(2)],
  ];
  const head = `| metric | ${summaries.map((s) => s.policy).join(' | ')} |`;
  const sep = `|---|${summaries.map(() => '---:').join('|')}|`;
  return [head, sep, ...rows.map(([n, f]) => `| ${n} | ${summaries.map(f).join(' | ')} |`)].join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Two panels: utilisation (%) over time, and the JCT CDF on a log axis; one colour per policy. */
export function svgReport(results: readonly SimResult[], title = 'Cheomdan simulation'): string {
  const W = 900;
  const H = 300;
  const m = { l: 60, r: 20, t: 30, b: 40 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const parts: string[] = [];
  const tMax = Math.max(1, ...results.map((r) => r.utilization.at(-1)?.[0] ?? 0));
  const tMin = Math.min(...results.map((r) => r.utilization[0]?.[0] ?? 0));
  parts.push(`<g transform="translate(${m.l},${m.t})"><text x="0" y="-10" font-size="14">${esc(title)} — device utilisation over time</text>`);
  parts.push(axes(pw, ph, `time (days from first submit)`, 'busy devices %'));
  for (let d = 0; d <= 4; d++) {
    const y = ph - (ph * d) / 4;
    parts.push(`<text x="-8" y="${y + 4}" font-size="10" text-anchor="end">${d * 25}</text>`);
  }
  const days = (tMax - tMin) / 86400;
  for (let d = 0; d <= 5; d++) {
    parts.push(`<text x="${(pw * d) / 5}" y="${ph + 14}" font-size="10" text-anchor="middle">${((days * d) / 5).toFixed(0)}</text>`);
  }
  results.forEach((r, i) => {
    const pts = r.utilization.map(([t, b]) => `${(((t - tMin) / Math.max(1, tMax - tMin)) * pw).toFixed(1)},${(ph - (b / Math.max(1, r.totalDevices)) * ph).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1" points="${pts.join(' ')}"/>`);
  });
  parts.push(legend(results.map((r) => r.summary.policy), pw));
  parts.push('</g>');

  const y0 = H + m.t;
  const lo = 0;
  const hi = Math.ceil(Math.log10(Math.max(10, ...results.map((r) => r.summary.p99JctSeconds * 10))));
  parts.push(`<g transform="translate(${m.l},${y0 + m.t})"><text x="0" y="-10" font-size="14">JCT distribution (CDF)</text>`);
  parts.push(axes(pw, ph, 'job completion time (s, log scale)', 'fraction of jobs'));
  for (let e = lo; e <= hi; e++) parts.push(`<text x="${(pw * (e - lo)) / (hi - lo)}" y="${ph + 14}" font-size="10" text-anchor="middle">1e${e}</text>`);
  for (let d = 0; d <= 4; d++) parts.push(`<text x="-8" y="${ph - (ph * d) / 4 + 4}" font-size="10" text-anchor="end">${(d / 4).toFixed(2)}</text>`);
  results.forEach((r, i) => {
    const jcts = Float64Array.from(r.records.filter((x) => x.jct !== null).map((x) => x.jct!)).sort();
    const n = jcts.length;
    const pts: string[] = [];
    const step = Math.max(1, Math.floor(n / 500));
    for (let k = 0; k < n; k += step) {
      const x = ((Math.log10(Math.max(1, jcts[k]!)) - lo) / (hi - lo)) * pw;
      pts.push(`${x.toFixed(1)},${(ph - ((k + 1) / n) * ph).toFixed(1)}`);
    }
    if (n) pts.push(`${(((Math.log10(Math.max(1, jcts[n - 1]!)) - lo) / (hi - lo)) * pw).toFixed(1)},0`);
    parts.push(`<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
  });
  parts.push(legend(results.map((r) => r.summary.policy), pw));
  parts.push('</g>');
  const total = 2 * H + m.t;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" viewBox="0 0 ${W} ${total}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function axes(w: number, h: number, xLabel: string, yLabel: string): string {
  return `<rect x="0" y="0" width="${w}" height="${h}" fill="none" stroke="#999"/>`
    + `<text x="${w / 2}" y="${h + 30}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`
    + `<text transform="translate(-45,${h / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(yLabel)}</text>`;
}

function legend(names: readonly string[], w: number): string {
  return names.map((n, i) => `<g transform="translate(${w - 120},${10 + i * 14})"><rect width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="14" y="9" font-size="11">${esc(n)}</text></g>`).join('');
}
