/**
 * The AI-chip test bed (GET /v1/testbed/…): benchmark a model on an accelerator type (a job on the
 * cluster, by MLPerf LoadGen 6.0 rules), the results table per model × type × scenario, the compatibility
 * matrix, the runs with their verdicts, and a side-by-side comparison of chosen runs with latency CDFs.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { TestbedRunCreate } from '../../../src/contract/index.ts';
import type { TestbedComparison, TestbedRun } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { LatencyCdf } from '../components/LatencyCdf.tsx';
import { useSchemaForm } from '../forms.ts';
import { useLoad, useThrottled } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { useJobChanges, useSession } from '../session.tsx';

const SCENARIOS = ['SingleStream', 'MultiStream', 'Server', 'Offline'] as const;
const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '—' : String(+v.toPrecision(digits)));
const STATE_KEY: Record<TestbedRun['state'], MessageKey> = {
  pending: 'tb.state.pending', running: 'tb.state.running', completed: 'tb.state.completed', failed: 'tb.state.failed', cancelled: 'tb.state.cancelled',
};

function Verdict({ run }: { run: TestbedRun }) {
  const { t } = useI18n();
  if (run.state !== 'completed') return <span className={`badge state-${run.state}`} data-verdict={run.state}>{t(STATE_KEY[run.state])}</span>;
  if (run.summary?.accuracy && !run.summary.accuracy.passed) return <span className="badge state-failed" data-verdict="accuracy-fail">{t('tb.accuracyFail')}</span>;
  return run.summary?.valid
    ? <span className="badge state-succeeded" data-verdict="valid">VALID</span>
    : <span className="badge state-failed" data-verdict="invalid" title={run.summary?.reasons.join('\n')}>INVALID</span>;
}

const metric = (r: TestbedRun | null) => (r?.summary ? `${num(r.summary.metric.value)}${r.summary.metric.unit ? ` ${r.summary.metric.unit}` : ''}` : '—');
const device = (r: { acceleratorType: string | null; devices?: number }) => (r.acceleratorType ? `${r.devices ? `${r.devices}× ` : ''}${r.acceleratorType}` : 'CPU');

export function TestbedPage() {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const runs = useLoad((signal) => s.api.testbedRuns(signal), [s.api]);
  const results = useLoad((signal) => s.api.testbedResults(signal), [s.api]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [comparison, setComparison] = useState<TestbedComparison | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const reload = () => {
    runs.reload();
    results.reload();
  };
  const compare = async () => {
    try {
      setComparison(await s.api.testbedCompare(chosen));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };
  const cancel = async (id: string) => {
    try {
      await s.api.cancelTestbedRun(id);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const download = async () => {
    try {
      const blob = await s.api.testbedCsv();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'testbed-runs.csv';
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setError(e);
    }
  };
  const items = runs.data?.items ?? [];
  // Live: a run's job starting or ending refreshes the page (its result is read back when the job ends).
  const refresh = useThrottled(reload, 1000);
  const jobIds = new Set(items.map((r) => r.jobId));
  useJobChanges((changes, resync) => {
    if (resync || changes.some((c) => jobIds.has(c.id))) refresh();
  });
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(-8)));

  return (
    <div className="page">
      <PageTitle title={t('tb.title')}>{t('tb.title')}</PageTitle>
      <p className="muted">{t('tb.intro')}</p>
      <ErrorBox error={runs.error ?? results.error ?? error} onRetry={reload} />
      <RunForm onDone={reload} />

      <section className="card" aria-labelledby="tb-results-h">
        <h2 id="tb-results-h">{t('tb.results')}</h2>
        {!results.data ? <Loading /> : results.data.rows.length === 0 ? <p className="muted">{t('tb.none')}</p> : (
          <table className="table" data-testid="testbed-results">
            <thead><tr>
              <th scope="col">{t('tb.model')}</th><th scope="col">{t('tb.accelerator')}</th><th scope="col">{t('tb.scenario')}</th>
              <th scope="col">{t('tb.validRuns')}</th><th scope="col">{t('tb.best')}</th><th scope="col">p99</th><th scope="col">{t('tb.perfPerWatt')}</th><th scope="col">{t('tb.latest')}</th>
            </tr></thead>
            <tbody>{results.data.rows.map((r) => (
              <tr key={`${r.model}/${r.acceleratorType}/${r.scenario}`}>
                <th scope="row">{r.model}</th><td className="mono small">{device(r)}</td><td>{r.scenario}</td>
                <td>{t('tb.validOf', { valid: r.validRuns, runs: r.runs })}</td><td>{metric(r.best)}</td>
                <td>{r.best?.summary?.latencyMs ? `${num(r.best.summary.latencyMs.p99)} ms` : '—'}</td>
                <td>{num(r.best?.summary?.perfPerWatt)}</td><td><Verdict run={r.latest} /></td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </section>

      {results.data && results.data.compatibility.length > 0 ? (
        <section className="card" aria-labelledby="tb-compat-h">
          <h2 id="tb-compat-h">{t('tb.compatibility')}</h2>
          <p className="muted small">{t('tb.compatibilityIntro')}</p>
          <table className="table" data-testid="testbed-compatibility">
            <thead><tr><th scope="col">{t('tb.model')}</th><th scope="col">{t('tb.accelerator')}</th><th scope="col">{t('tb.status')}</th><th scope="col">{t('tb.why')}</th></tr></thead>
            <tbody>{results.data.compatibility.map((c) => (
              <tr key={`${c.model}/${c.acceleratorType}`} data-compat={c.status}>
                <th scope="row">{c.model}</th><td className="mono small">{c.acceleratorType ?? 'CPU'}</td>
                <td><span className={`badge state-${c.status === 'pass' ? 'succeeded' : 'failed'}`}>{t(c.status === 'pass' ? 'tb.pass' : 'tb.fail')}</span></td>
                <td className="small">{c.reason ?? ''}</td>
              </tr>
            ))}</tbody>
          </table>
        </section>
      ) : null}

      <section className="card" aria-labelledby="tb-runs-h">
        <h2 id="tb-runs-h">{t('tb.runs')}</h2>
        <div className="row">
          <button type="button" className="btn btn-primary" disabled={chosen.length < 2} onClick={compare}>{t('tb.compare', { n: chosen.length })}</button>
          <button type="button" className="btn" onClick={download}>{t('tb.csv')}</button>
        </div>
        {!runs.data ? <Loading /> : items.length === 0 ? <p className="muted">{t('tb.none')}</p> : (
          <table className="table" data-testid="testbed-runs">
            <thead><tr>
              <th scope="col"><span className="sr-only">{t('tb.choose')}</span></th><th scope="col">{t('tb.run')}</th><th scope="col">{t('tb.accelerator')}</th>
              <th scope="col">{t('tb.scenario')}</th><th scope="col">{t('tb.result')}</th><th scope="col">{t('tb.metric')}</th><th scope="col">p99</th>
              <th scope="col">{t('tb.accuracy')}</th><th scope="col">{t('tb.power')}</th><th scope="col">SU</th><th scope="col">{t('tb.created')}</th><th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th>
            </tr></thead>
            <tbody>{items.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td><input type="checkbox" aria-label={t('tb.chooseRun', { id: r.id })} checked={chosen.includes(r.id)} disabled={r.state !== 'completed'} onChange={() => toggle(r.id)} /></td>
                <th scope="row">{r.model}<div className="muted small mono">{r.id} · <a href={`#/jobs/${encodeURIComponent(r.jobId)}`}>{r.jobId}</a></div>
                  {r.error ? <div className="small field-error">{r.error.message}</div> : null}
                  {r.summary && r.summary.caveats.length > 0 ? <div className="small warn" title={r.summary.caveats.join('\n')}>⚠ {t('tb.caveats', { n: r.summary.caveats.length })}</div> : null}</th>
                <td className="mono small">{device(r)}{r.summary?.node ? <div className="muted">{r.summary.node}</div> : null}</td>
                <td>{r.scenario}{r.mode === 'accuracy' ? ` (${t('tb.accuracyMode')})` : ''}</td>
                <td><Verdict run={r} />{r.summary && !r.summary.valid ? <div className="small muted">{r.summary.reasons[0]}</div> : null}</td>
                <td>{metric(r)}</td>
                <td>{r.summary?.latencyMs ? `${num(r.summary.latencyMs.p99)} ms` : '—'}</td>
                <td>{r.summary?.accuracy ? `${(r.summary.accuracy.value * 100).toFixed(2)}%` : '—'}</td>
                <td className="small">{r.summary?.meanPowerW != null ? `${num(r.summary.meanPowerW)} W (${t(r.summary.powerSource === 'declared' ? 'tb.declared' : 'tb.measured')})` : '—'}</td>
                <td>{num(r.summary?.chargedUnits)}</td>
                <td className="small">{dateTime(r.createdAt)}</td>
                <td>{r.state === 'pending' || r.state === 'running' ? <button type="button" className="btn btn-small" onClick={() => cancel(r.id)}>{t('tb.cancel')}</button> : null}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </section>
      {comparison ? <ComparisonView c={comparison} /> : null}
    </div>
  );
}

function ComparisonView({ c }: { c: TestbedComparison }) {
  const { t } = useI18n();
  const x = (v: number | null) => (v === null ? '' : ` (${v.toFixed(2)}×)`);
  const curves = useMemo(() => c.runs.map((r) => ({ name: `${r.model} · ${device(r)} · ${r.scenario} · ${r.id.slice(-6)}`, cdfMs: r.cdfMs })), [c]);
  const bounds = [...new Set(c.runs.map((r) => r.summary?.targetLatencyMs ?? null))];
  return (
    <section className="card" aria-labelledby="tb-cmp-h" data-testid="testbed-comparison">
      <h2 id="tb-cmp-h">{t('tb.comparison')}</h2>
      <p className={c.comparable ? 'muted' : 'warn'}>{c.comparable ? t('tb.comparable') : t('tb.notComparable')}</p>
      {c.notes.length > 0 ? <ul className="small">{c.notes.map((n) => <li key={n}>{n}</li>)}</ul> : null}
      <table className="table">
        <thead><tr><th scope="col">{t('tb.run')}</th><th scope="col">{t('tb.accelerator')}</th><th scope="col">{t('tb.throughput')}</th><th scope="col">p99</th><th scope="col">{t('tb.perfPerWatt')}</th><th scope="col">{t('tb.samplesPerUnit')}</th></tr></thead>
        <tbody>{c.runs.map((r) => (
          <tr key={r.id}>
            <th scope="row">{r.model} · {r.scenario}<div className="muted small mono">{r.id}{r.id === c.baseline ? ` · ${t('tb.baseline')}` : ''}</div></th>
            <td className="mono small">{device(r)}</td>
            <td>{num(r.summary?.throughput)}{x(r.ratios.throughput)}</td>
            <td>{r.summary?.latencyMs ? `${num(r.summary.latencyMs.p99)} ms` : '—'}{x(r.ratios.p99Latency)}</td>
            <td>{num(r.summary?.perfPerWatt)}{x(r.ratios.perfPerWatt)}</td>
            <td>{num(r.summary?.samplesPerUnit)}{x(r.ratios.samplesPerUnit)}</td>
          </tr>
        ))}</tbody>
      </table>
      <h3>{t('tb.cdf')}</h3>
      <LatencyCdf runs={curves} label={t('tb.cdf')} bound={bounds.length === 1 ? bounds[0]! : null} />
    </section>
  );
}

function RunForm({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const models = useLoad((signal) => s.api.testbedModels(signal), [s.api]);
  const nodes = useLoad((signal) => s.api.nodes(signal), [s.api]);
  const types = [...new Set((nodes.data?.items ?? []).flatMap((n) => n.devices.map((d) => d.type)))].sort();
  const [f, setF] = useState({ model: 'digits-cnn', scenario: 'Server' as (typeof SCENARIOS)[number], acceleratorType: '', devices: '1', targetQps: '400', targetLatencyMs: '15', minDurationS: '600', accuracy: false, findPeak: false });
  const { errors, problem, busy, send } = useSchemaForm();
  const [made, setMade] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const n = (v: string) => (v.trim() === '' ? undefined : Number(v));
    const settings: Record<string, number | undefined> = { minDurationMs: n(f.minDurationS) === undefined ? undefined : Math.round(n(f.minDurationS)! * 1000) };
    if (f.scenario === 'Server') Object.assign(settings, { targetQps: n(f.targetQps), targetLatencyMs: n(f.targetLatencyMs) });
    const body = {
      model: f.model, scenario: f.scenario, mode: f.accuracy ? 'accuracy' : 'performance',
      ...(f.acceleratorType ? { acceleratorType: f.acceleratorType, devices: n(f.devices) } : {}),
      settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)), findPeak: f.scenario === 'Server' && f.findPeak,
    };
    if (await send(TestbedRunCreate, body, async (data) => setMade((await s.api.submitTestbedRun(data)).id))) onDone();
  }
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="tb-form-h">
      <h2 id="tb-form-h">{t('tb.new')}</h2>
      <div className="row">
        <Field id="tb-model" label={t('tb.model')} error={errors.model}>
          <select id="tb-model" value={f.model} onChange={set('model')} {...fieldAria('tb-model', errors.model)}>
            {(models.data?.items ?? []).map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
          </select>
        </Field>
        <Field id="tb-scenario" label={t('tb.scenario')} error={errors.scenario}>
          <select id="tb-scenario" value={f.scenario} onChange={set('scenario')}>{SCENARIOS.map((x) => <option key={x} value={x}>{x}</option>)}</select>
        </Field>
        <Field id="tb-type" label={t('tb.accelerator')} error={errors.acceleratorType}>
          <select id="tb-type" value={f.acceleratorType} onChange={set('acceleratorType')} {...fieldAria('tb-type', errors.acceleratorType)}>
            <option value="">{t('tb.cpuOnly')}</option>
            {types.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </Field>
        {f.acceleratorType ? (
          <Field id="tb-devices" label={t('tb.devices')} error={errors.devices}>
            <input id="tb-devices" inputMode="numeric" value={f.devices} onChange={set('devices')} {...fieldAria('tb-devices', errors.devices)} />
          </Field>
        ) : null}
        {f.scenario === 'Server' ? (<>
          <Field id="tb-qps" label={t('tb.targetQps')} error={errors.settings}>
            <input id="tb-qps" inputMode="decimal" value={f.targetQps} onChange={set('targetQps')} {...fieldAria('tb-qps', errors.settings)} />
          </Field>
          <Field id="tb-latency" label={t('tb.targetLatency')}>
            <input id="tb-latency" inputMode="decimal" value={f.targetLatencyMs} onChange={set('targetLatencyMs')} />
          </Field>
        </>) : null}
        <Field id="tb-duration" label={t('tb.minDuration')} hint={t('tb.minDurationHint')}>
          <input id="tb-duration" inputMode="decimal" value={f.minDurationS} onChange={set('minDurationS')} {...fieldAria('tb-duration', undefined, t('tb.minDurationHint'))} />
        </Field>
      </div>
      <div className="row">
        <label><input type="checkbox" checked={f.accuracy} onChange={(e) => setF({ ...f, accuracy: e.target.checked })} /> {t('tb.accuracyCheck')}</label>
        {f.scenario === 'Server' ? <label><input type="checkbox" checked={f.findPeak} onChange={(e) => setF({ ...f, findPeak: e.target.checked })} /> {t('tb.findPeak')}</label> : null}
      </div>
      <ErrorBox error={problem} />
      {made ? <p className="muted" role="status">{t('tb.submitted', { id: made })}</p> : null}
      <button type="submit" className="btn btn-primary" disabled={busy}>{t('tb.start')}</button>
    </form>
  );
}
