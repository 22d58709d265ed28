/**
 * Latency distributions of test-bed runs as uPlot lines: x the percentile (0–100), y the latency in ms at
 * it (a log scale), one line per run (its 101-point CDF from GET /v1/testbed/compare). The target percentile's bound,
 * when the runs share one, is a dashed line.
 */
import { useEffect, useRef } from 'react';
import type { default as Plot } from 'uplot';

const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];

export function LatencyCdf({ runs, label, bound }: { runs: { name: string; cdfMs: number[] }[]; label: string; bound: number | null }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<Plot | null>(null);

  useEffect(() => {
    let cancelled = false;
    const el = box.current;
    const drawn = runs.filter((r) => r.cdfMs.length === 101);
    if (!el || drawn.length === 0) return;
    (async () => {
      const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
      if (cancelled) return;
      plot.current?.destroy();
      el.textContent = '';
      const css = getComputedStyle(document.documentElement);
      const axis = { stroke: css.getPropertyValue('--muted').trim() || '#666', grid: { stroke: css.getPropertyValue('--border').trim() || '#ddd' } };
      const xs = Array.from({ length: 101 }, (_, i) => i);
      const series = drawn.map((r, i) => ({ label: r.name, stroke: COLOURS[i % COLOURS.length]!, width: 2, value: (_u: unknown, v: number | null) => (v === null ? '—' : `${v.toPrecision(3)} ms`) }));
      const data: (number | null)[][] = [xs, ...drawn.map((r) => r.cdfMs)];
      if (bound !== null) {
        series.push({ label: `${bound} ms`, stroke: '#9ca3af', width: 1, dash: [6, 4] } as never);
        data.push(xs.map(() => bound));
      }
      plot.current = new UPlot({
        width: el.clientWidth || 640,
        height: 260,
        // log10: an Offline run's seconds and a Server run's milliseconds on one plot
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        axes: [{ ...axis, values: (_u: unknown, v: number[]) => v.map((x) => `p${x}`) }, { ...axis, values: (_u: unknown, v: (number | null)[]) => v.map((x) => (x === null ? '' : `${+x.toPrecision(3)} ms`)), size: 80 }],
        series: [{ label: '%', value: (_u: unknown, v: number | null) => (v === null ? '—' : `p${v}`) }, ...series],
      }, data as never, el);
    })();
    return () => { cancelled = true; };
  }, [runs, bound]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return <div ref={box} className="uplot-box" data-testid="latency-cdf" role="img" aria-label={label} />;
}
