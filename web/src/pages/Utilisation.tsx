/**
 * Utilisation over time: the share of each accelerator type's devices in use, as a uPlot line chart.
 * The server keeps no utilisation history yet, so samples are collected in this tab (on every capacity
 * refresh: live job changes and every 5 s) and kept for the session: the newest 8,640 samples (12 h at 5 s).
 * uPlot is loaded on demand so the dashboard and jobs pages do not pay for it.
 */
import { useEffect, useRef, useState } from 'react';
import type { Capacity } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';

interface Sample {
  at: number; // seconds since the epoch
  pct: Record<string, number>;
}

const MAX_SAMPLES = 24 * 360;
const samples: Sample[] = [];
const types = new Set<string>();
const listeners = new Set<() => void>();

export function recordSample(c: Capacity): void {
  const pct: Record<string, number> = {};
  for (const r of c.rows) {
    types.add(r.acceleratorType);
    pct[r.acceleratorType] = r.devices > 0 ? (100 * r.devicesAllocated) / r.devices : 0;
  }
  const at = Date.now() / 1000;
  const last = samples[samples.length - 1];
  // Several refreshes in the same second: keep the newest.
  if (last && at - last.at < 1) samples[samples.length - 1] = { at, pct };
  else samples.push({ at, pct });
  if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
  for (const l of listeners) l();
}

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];

export function UtilisationChart() {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [version, setVersion] = useState(0);
  const plot = useRef<{ setData(d: unknown): void; setSize(s: { width: number; height: number }): void; destroy(): void } | null>(null);
  const series = useRef<string[]>([]);

  useEffect(() => {
    const l = () => setVersion((v) => v + 1);
    listeners.add(l);
    return () => { listeners.delete(l); };
  }, []);

  useEffect(() => {
    let cancelled = false;
    const el = box.current;
    if (!el || samples.length < 2) return;
    const names = [...types];
    const data = [samples.map((s) => s.at), ...names.map((n) => samples.map((s) => s.pct[n] ?? null))];
    if (plot.current && names.join() === series.current.join()) {
      plot.current.setData(data);
      return;
    }
    (async () => {
      const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
      if (cancelled) return;
      plot.current?.destroy();
      el.textContent = '';
      series.current = names;
      const css = getComputedStyle(document.documentElement);
      const axis = { stroke: css.getPropertyValue('--muted').trim() || '#666', grid: { stroke: css.getPropertyValue('--border').trim() || '#ddd' } };
      plot.current = new UPlot({
        width: el.clientWidth || 600,
        height: 220,
        scales: { y: { range: [0, 100] } },
        axes: [axis, { ...axis, values: (_u: unknown, v: number[]) => v.map((x) => `${x}%`) }],
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 2, value: (_u: unknown, v: number | null) => (v === null ? '—' : `${v.toFixed(0)}%`) }))],
      }, data as never, el);
    })();
    return () => { cancelled = true; };
  }, [version]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return (
    <div>
      <div ref={box} className="uplot-box" data-testid="utilisation" role="img" aria-label={t('cluster.utilisation')} />
      {samples.length < 2 ? <p className="muted small">{t('cluster.utilisationWaiting')}</p> : null}
    </div>
  );
}
