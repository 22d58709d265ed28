/**
 * Usage by month and accelerator type (GET /v1/reports/usage?groupBy=month,acceleratorType), as stacked
 * bars (an inline SVG: a dozen bars need no chart library) and a table; service units or device-hours.
 * Tenants see their own usage, operators everyone's (optionally one organization's). Rates (operators set
 * them; everyone can read them, since they price the jobs) are on the same page.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { RateCreate } from '../../../src/contract/accounting.ts';
import type { UsageReport } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#64748b'];
type Metric = 'serviceUnits' | 'deviceHours';

export function UsagePage() {
  const { t } = useI18n();
  const s = useSession();
  const [metric, setMetric] = useState<Metric>('serviceUnits');
  const [tenant, setTenant] = useState('');
  const usage = useLoad((signal) => s.api.usage({ groupBy: 'month,acceleratorType', ...(tenant ? { tenant } : {}) }, signal), [s.api, tenant]);
  return (
    <div className="page">
      <PageTitle title={t('usage.title')}>{t('usage.title')}</PageTitle>
      <p className="muted">{t('usage.intro')}</p>
      <div className="filters">
        <div role="radiogroup" aria-label={t('usage.metric')} className="tabs">
          {(['serviceUnits', 'deviceHours'] as const).map((m) => (
            <label key={m} className={'tab' + (metric === m ? ' tab-active' : '')}>
              <input type="radio" name="metric" checked={metric === m} onChange={() => setMetric(m)} /> {t(m === 'serviceUnits' ? 'usage.su' : 'usage.deviceHours')}
            </label>
          ))}
        </div>
        {s.isOperator ? (
          <label>{t('jobs.tenantFilter')}{' '}
            <select value={tenant} onChange={(e) => setTenant(e.target.value)}>
              <option value="">{t('jobs.allTenants')}</option>
              {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug}</option>)}
            </select>
          </label>
        ) : null}
      </div>
      <ErrorBox error={usage.error} onRetry={usage.reload} />
      {usage.data ? <UsageChart report={usage.data} metric={metric} /> : usage.error ? null : <Loading />}
      <RatesSection />
    </div>
  );
}

function UsageChart({ report, metric }: { report: UsageReport; metric: Metric }) {
  const { t, amount } = useI18n();
  const { months, types, value } = useMemo(() => {
    const months = [...new Set(report.rows.map((r) => r.month ?? '—'))].sort();
    const types = [...new Set(report.rows.map((r) => r.acceleratorType ?? 'cpu'))].sort();
    const value = new Map<string, number>();
    for (const r of report.rows) value.set(`${r.month ?? '—'}|${r.acceleratorType ?? 'cpu'}`, r[metric]);
    return { months, types, value };
  }, [report, metric]);
  if (months.length === 0) return <p className="muted">{t('usage.none')}</p>;
  const totals = months.map((m) => types.reduce((s, ty) => s + (value.get(`${m}|${ty}`) ?? 0), 0));
  const max = Math.max(...totals, 1e-9);
  const W = 720, H = 240, left = 56, bottom = 28, barW = Math.min(64, (W - left) / months.length - 12);
  const y = (v: number) => H - bottom - (v / max) * (H - bottom - 12);
  const unit = metric === 'serviceUnits' ? 'SU' : t('usage.deviceHoursUnit');
  return (
    <section className="card" aria-labelledby="usage-h" data-testid="usage">
      <h2 id="usage-h">{t('usage.byMonth')}</h2>
      <svg viewBox={`0 0 ${W} ${H}`} className="usage-chart" role="img" aria-label={t('usage.chartLabel', { unit })}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={left} x2={W} y1={y(max * f)} y2={y(max * f)} className="grid" />
            <text x={left - 6} y={y(max * f) + 4} textAnchor="end" className="axis">{amount(max * f)}</text>
          </g>
        ))}
        {months.map((m, i) => {
          const x = left + 12 + i * ((W - left) / months.length);
          let acc = 0;
          return (
            <g key={m}>
              {types.map((ty, k) => {
                const v = value.get(`${m}|${ty}`) ?? 0;
                if (v <= 0) return null;
                const y0 = y(acc);
                acc += v;
                return <rect key={ty} x={x} width={barW} y={y(acc)} height={Math.max(0.5, y0 - y(acc))} fill={PALETTE[k % PALETTE.length]}><title>{`${m} · ${ty}: ${amount(v)} ${unit}`}</title></rect>;
              })}
              <text x={x + barW / 2} y={H - 8} textAnchor="middle" className="axis">{m}</text>
            </g>
          );
        })}
      </svg>
      <ul className="legend">{types.map((ty, k) => <li key={ty}><span className="cell" style={{ background: PALETTE[k % PALETTE.length] }} aria-hidden="true" /> {ty}</li>)}</ul>
      <table className="table">
        <thead><tr><th scope="col">{t('usage.month')}</th><th scope="col">{t('cluster.type')}</th><th scope="col" className="num">{t('usage.deviceHours')}</th><th scope="col" className="num">{t('usage.su')}</th></tr></thead>
        <tbody>
          {report.rows.map((r) => (
            <tr key={`${r.month}|${r.acceleratorType}`}><td>{r.month}</td><td>{r.acceleratorType ?? 'cpu'}</td><td className="num">{amount(r.deviceHours)}</td><td className="num">{amount(r.serviceUnits)}</td></tr>
          ))}
          <tr className="total"><th scope="row" colSpan={2}>{t('usage.total')}</th><td className="num">{amount(report.total.deviceHours)}</td><td className="num">{amount(report.total.serviceUnits)}</td></tr>
        </tbody>
      </table>
    </section>
  );
}

function RatesSection() {
  const { t, number, dateTime } = useI18n();
  const s = useSession();
  const rates = useLoad((signal) => s.api.rates(signal), [s.api]);
  const [f, setF] = useState({ resource: 'device', acceleratorType: '', su: '', note: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(undefined);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    const body = { resource: f.resource as 'device', ...(f.acceleratorType ? { acceleratorType: f.acceleratorType } : {}), serviceUnitsPerHour: f.su.trim(), note: f.note };
    const parsed = RateCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    try {
      await s.api.createRate(body);
      setF({ ...f, su: '', note: '' });
      rates.reload();
    } catch (err) {
      setProblem(err);
    }
  }
  return (
    <section className="card" aria-labelledby="rates-h">
      <h2 id="rates-h">{t('rates.title')}</h2>
      <ErrorBox error={rates.error} />
      {rates.data ? (
        <table className="table" data-testid="rates-table">
          <thead><tr><th scope="col">{t('rates.resource')}</th><th scope="col">{t('cluster.type')}</th><th scope="col" className="num">{t('rates.perHour')}</th><th scope="col">{t('rates.from')}</th><th scope="col">{t('rates.inForce')}</th><th scope="col">{t('rates.note')}</th></tr></thead>
          <tbody>
            {rates.data.items.map((r) => (
              <tr key={r.id} className={r.inForce ? '' : 'muted'}>
                <td>{r.resource}</td><td>{r.acceleratorType ?? '—'}</td>
                <td className="num">{r.serviceUnitsPerHour !== null ? number(r.serviceUnitsPerHour, 3) : r.multiplier !== null ? `× ${r.multiplier}` : '—'}</td>
                <td>{dateTime(r.effectiveFrom)}</td><td>{r.inForce ? '✓' : ''}</td><td>{r.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : rates.error ? null : <Loading />}
      {s.isOperator ? (
        <form className="form-inline" onSubmit={submit} noValidate>
          <div className="row">
            <Field id="rate-resource" label={t('rates.resource')}>
              <select id="rate-resource" value={f.resource} onChange={(e) => setF({ ...f, resource: e.target.value })}>
                {['device', 'cpu', 'storage'].map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </Field>
            <Field id="rate-type" label={t('cluster.type')} error={errors.acceleratorType}>
              <input id="rate-type" className="mono" value={f.acceleratorType} onChange={(e) => setF({ ...f, acceleratorType: e.target.value })} placeholder="nvidia-h100-sxm-80gb" />
            </Field>
            <Field id="rate-su" label={t('rates.perHour')} error={errors.serviceUnitsPerHour}>
              <input id="rate-su" inputMode="decimal" value={f.su} onChange={(e) => setF({ ...f, su: e.target.value })} {...fieldAria('rate-su', errors.serviceUnitsPerHour)} />
            </Field>
            <Field id="rate-note" label={t('rates.note')}>
              <input id="rate-note" value={f.note} onChange={(e) => setF({ ...f, note: e.target.value })} />
            </Field>
          </div>
          <ErrorBox error={problem} />
          <button type="submit" className="btn btn-primary">{t('rates.set')}</button>
        </form>
      ) : null}
    </section>
  );
}
