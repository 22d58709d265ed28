/**
 * Utilisation over time, as uPlot line charts (uPlot is loaded on demand so the dashboard and jobs pages
 * do not pay for it):
 * - History (operators): the share of each accelerator type's device-hours used, per time bucket, from
 *   metered usage (GET /v1/reports/utilisation, one call per bucket: the report has no bucketing yet).
 * - Live: the share of devices allocated right now, sampled by this tab on every capacity refresh (live
 *   job changes and every 5 s), kept for the session (the newest 8,640 samples: 12 h at 5 s).
 */
import { useEffect, useRef, useState } from 'react';
import type { Capacity } from '../api.ts';
import { ErrorBox } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

interface Sample {
  at: number; // seconds since the epoch
  pct: Record<string, number>;
}

const MAX_SAMPLES = 24 * 360;
const samples: Sample[] = [];
const sampledTypes = new Set<string>();
const listeners = new Set<() => void>();

export function recordSample(c: Capacity): void {
  const pct: Record<string, number> = {};
  for (const r of c.rows) {
    sampledTypes.add(r.acceleratorType);
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
const colours = new Map<string, string>();
/** One colour per accelerator type for the whole session, so both charts agree. */
const colourOf = (type: string) => colours.get(type) ?? (colours.set(type, PALETTE[colours.size % PALETTE.length]!), colours.get(type)!);

interface Series {
  label: string;
  values: (number | null)[];
}
type Plot = { setData(d: unknown): void; setSize(s: { width: number; height: number }): void; destroy(): void };

/**
 * A percentage line chart; recreated when the series change, updated in place when only the data does.
 * `fit`: the y axis ends just above the highest value (small shares stay visible) instead of at 100 %.
 */
function PercentChart({ xs, series, label, testId, fit = false }: { xs: number[]; series: Series[]; label: string; testId: string; fit?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<Plot | null>(null);
  const names = useRef('');

  useEffect(() => {
    let cancelled = false;
    const el = box.current;
    if (!el || xs.length < 2) return;
    const data = [xs, ...series.map((s) => s.values)];
    const key = series.map((s) => s.label).join();
    if (plot.current && key === names.current) {
      plot.current.setData(data);
      return;
    }
    (async () => {
      const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
      if (cancelled) return;
      plot.current?.destroy();
      el.textContent = '';
      names.current = key;
      const css = getComputedStyle(document.documentElement);
      const axis = { stroke: css.getPropertyValue('--muted').trim() || '#666', grid: { stroke: css.getPropertyValue('--border').trim() || '#ddd' } };
      plot.current = new UPlot({
        width: el.clientWidth || 600,
        height: 220,
        scales: { y: { range: fit ? (_u: unknown, _min: number, max: number) => [0, Math.min(100, Math.max(1, max * 1.2))] : [0, 100] } },
        axes: [axis, { ...axis, values: (_u: unknown, v: number[]) => v.map((x) => `${x}%`) }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: colourOf(s.label), width: 2, value: (_u: unknown, v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`) }))],
      }, data as never, el);
    })();
    return () => { cancelled = true; };
  }, [xs, series, fit]);

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

  return <div ref={box} className="uplot-box" data-testid={testId} role="img" aria-label={label} />;
}

/** Devices allocated now, per accelerator type, as sampled by this tab. */
export function UtilisationChart() {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const l = () => setVersion((v) => v + 1);
    listeners.add(l);
    return () => { listeners.delete(l); };
  }, []);
  const [data, setData] = useState<{ xs: number[]; series: Series[] }>({ xs: [], series: [] });
  useEffect(() => {
    const names = [...sampledTypes].sort();
    setData({ xs: samples.map((s) => s.at), series: names.map((n) => ({ label: n, values: samples.map((s) => s.pct[n] ?? null) })) });
  }, [version]);
  return (
    <div>
      <PercentChart xs={data.xs} series={data.series} label={t('cluster.utilisationLive')} testId="utilisation" />
      {samples.length < 2 ? <p className="muted small">{t('cluster.utilisationWaiting')}</p> : null}
    </div>
  );
}

const WINDOWS = { '6h': { hours: 6, buckets: 24 }, '24h': { hours: 24, buckets: 24 }, '7d': { hours: 168, buckets: 28 } } as const;
type WindowKey = keyof typeof WINDOWS;

/** Operators: used share of device-hours per bucket, from metered usage (survives restarts). */
export function UtilisationHistory() {
  const { t } = useI18n();
  const s = useSession();
  const [win, setWin] = useState<WindowKey>('6h');
  const history = useLoad(async (signal) => {
    const { hours, buckets } = WINDOWS[win];
    const end = Date.now();
    const step = (hours * 3_600_000) / buckets;
    const starts = Array.from({ length: buckets }, (_, i) => end - (buckets - i) * step);
    const reports = await Promise.all(starts.map((from) => s.api.utilisation(new Date(from).toISOString(), new Date(from + step).toISOString(), signal)));
    const types = [...new Set(reports.flatMap((r) => r.rows.filter((x) => x.devices > 0).map((x) => x.acceleratorType)))].sort();
    return {
      xs: starts.map((x) => (x + step) / 1000),
      series: types.map((ty) => ({ label: ty, values: reports.map((r) => { const row = r.rows.find((x) => x.acceleratorType === ty); return row && row.utilisation !== null ? 100 * row.utilisation : null; }) })),
    };
  }, [s.api, win]);
  return (
    <div>
      <div className="section-head">
        <h3>{t('cluster.utilisationHistory')}</h3>
        <div role="radiogroup" aria-label={t('cluster.utilisationWindow')} className="tabs">
          {(Object.keys(WINDOWS) as WindowKey[]).map((k) => (
            <label key={k} className={'tab' + (win === k ? ' tab-active' : '')}>
              <input type="radio" name="util-window" checked={win === k} onChange={() => setWin(k)} /> {t(`cluster.window.${k}`)}
            </label>
          ))}
        </div>
      </div>
      <ErrorBox error={history.error} />
      {history.data ? <PercentChart xs={history.data.xs} series={history.data.series} label={t('cluster.utilisationHistory')} testId="utilisation-history" fit /> : null}
    </div>
  );
}

