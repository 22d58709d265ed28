/**
 * Allocations with their balance and burn rate (GET /v1/allocations): the list page, and the dashboard's
 * panel. Burn rate is what the ledger says was spent divided by the days the allocation has been running;
 * "runs out" projects that pace onto what is still available, so a tenant sees early whether the
 * allocation lasts until its end date. On a server without the allocation service the panel says so.
 */
import { AllocationCreate } from '../../../src/contract/accounting.ts';
import { ApiError, type Allocation } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad, useThrottled } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { href } from '../router.ts';
import { useJobChanges, useSession } from '../session.tsx';
import { useState, type FormEvent } from 'react';
import { useSchemaForm } from '../forms.ts';

const DAY = 86_400_000;

export interface Burn {
  /** SU per day, averaged since the allocation started (0 before it starts). */
  perDay: number;
  /** When `available` runs out at that pace; null when nothing is being spent. */
  runsOutAt: number | null;
}

export function burnRate(a: Allocation, now = Date.now()): Burn {
  const started = Date.parse(a.startsAt);
  const days = Math.max((Math.min(now, Date.parse(a.endsAt)) - started) / DAY, 1 / 24);
  const perDay = now <= started ? 0 : (a.balance.spent + a.balance.held) / days;
  return { perDay, runsOutAt: perDay > 0 ? now + (a.balance.available / perDay) * DAY : null };
}

export function BalanceBar({ a }: { a: Allocation }) {
  const { t, amount } = useI18n();
  const total = Math.max(a.balance.awarded, a.balance.spent + a.balance.held + a.balance.available, 1e-9);
  const pct = (x: number) => `${(100 * x) / total}%`;
  const label = t('alloc.balanceLabel', { spent: amount(a.balance.spent), held: amount(a.balance.held), available: amount(a.balance.available), awarded: amount(a.balance.awarded) });
  return (
    <span className="balance" role="img" aria-label={label} title={label}>
      <span className="balance-spent" style={{ width: pct(a.balance.spent) }} />
      <span className="balance-held" style={{ width: pct(a.balance.held) }} />
      <span className="balance-available" style={{ width: pct(a.balance.available) }} />
    </span>
  );
}

export function AllocationState({ a }: { a: Allocation }) {
  const { t } = useI18n();
  return <span className={`badge alloc-${a.state}`} title={a.stateReason ?? undefined}>{t(`alloc.state.${a.state}` as MessageKey)}</span>;
}

const noRoute = (e: unknown) => e instanceof ApiError && e.status === 404 && /no route/.test(e.problem.detail);

/** The dashboard's allocations panel: each allocation's balance and burn rate. */
export function AllocationsPanel() {
  const { t, amount, dateTime } = useI18n();
  const s = useSession();
  const list = useLoad((signal) => s.api.allocations({}, signal), [s.api]);
  const refresh = useThrottled(list.reload, 5000);
  useJobChanges(() => refresh()); // jobs starting and ending move holds and spending
  const items = (list.data?.items ?? []).filter((a) => a.state !== 'expired').slice(0, 3);
  return (
    <section className="card stat allocations" aria-labelledby="alloc-h" data-testid="allocations">
      <h2 id="alloc-h" className="stat-label"><a href="#/allocations">{t('dash.allocations')}</a></h2>
      {noRoute(list.error) ? <p className="muted small">{t('dash.allocationsMissing')}</p> : <ErrorBox error={list.error} />}
      {list.data && items.length === 0 ? (
        <p className="muted small">{t('alloc.none')} {s.isOperator ? null : <a href="#/programs">{t('alloc.applyLink')}</a>}</p>
      ) : null}
      {items.map((a) => {
        const burn = burnRate(a);
        return (
          <div key={a.id} className="alloc-mini" data-allocation={a.id}>
            <div className="alloc-mini-head">
              <strong>{a.name}</strong> <AllocationState a={a} />
              <span className="muted small">{s.isOperator ? s.tenantName(a.tenant) : ''}</span>
            </div>
            <BalanceBar a={a} />
            <div className="small">
              {t('alloc.availableOf', { available: amount(a.balance.available), awarded: amount(a.balance.awarded) })}
              {' · '}
              {burn.perDay > 0 ? t('alloc.burn', { perDay: amount(burn.perDay) }) : t('alloc.noBurn')}
              {burn.runsOutAt && burn.runsOutAt < Date.parse(a.endsAt) ? <span className="warn"> · {t('alloc.runsOut', { when: dateTime(burn.runsOutAt) })}</span> : null}
            </div>
          </div>
        );
      })}
    </section>
  );
}

export function AllocationsPage() {
  const { t, amount, dateTime } = useI18n();
  const s = useSession();
  const list = useLoad((signal) => s.api.allocations({}, signal), [s.api]);
  const [error, setError] = useState<unknown>(undefined);
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(undefined);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="page">
      <PageTitle title={t('alloc.title')}>{t('alloc.title')}</PageTitle>
      <p className="muted">{t('alloc.intro')}</p>
      <ErrorBox error={list.error ?? error} onRetry={list.reload} />
      {!list.data ? (list.error ? null : <Loading />) : list.data.items.length === 0 ? (
        <p className="muted">{t('alloc.none')} {s.isOperator ? null : <a href="#/programs">{t('alloc.applyLink')}</a>}</p>
      ) : (
        <table className="table card" data-testid="allocations-table">
          <thead>
            <tr>
              <th scope="col">{t('alloc.name')}</th>
              {s.isOperator ? <th scope="col">{t('col.tenant')}</th> : null}
              <th scope="col">{t('col.state')}</th>
              <th scope="col">{t('alloc.balance')}</th>
              <th scope="col" className="num">{t('alloc.available')}</th>
              <th scope="col" className="num">{t('alloc.spent')}</th>
              <th scope="col" className="num">{t('alloc.burnCol')}</th>
              <th scope="col">{t('alloc.period')}</th>
              {s.isOperator ? <th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a) => {
              const burn = burnRate(a);
              return (
                <tr key={a.id} data-allocation={a.id}>
                  <th scope="row">{a.name}<div className="muted small mono">{a.id}</div>{a.application ? <a className="small" href={href('applications', a.application)}>{t('alloc.fromApplication')}</a> : null}</th>
                  {s.isOperator ? <td>{s.tenantName(a.tenant)}</td> : null}
                  <td><AllocationState a={a} /></td>
                  <td style={{ minWidth: '10rem' }}><BalanceBar a={a} /><div className="muted small">{t('alloc.awarded', { n: amount(a.balance.awarded) })}{a.balance.held > 0 ? ` · ${t('alloc.held', { n: amount(a.balance.held) })}` : ''}{a.storageTb > 0 ? ` · ${t('alloc.storageGranted', { tb: String(a.storageTb) })}` : ''}</div></td>
                  <td className="num">{amount(a.balance.available)}</td>
                  <td className="num">{amount(a.balance.spent)}</td>
                  <td className="num">{burn.perDay > 0 ? amount(burn.perDay) : '—'}{burn.runsOutAt && burn.runsOutAt < Date.parse(a.endsAt) ? <div className="warn small">{t('alloc.runsOut', { when: dateTime(burn.runsOutAt) })}</div> : null}</td>
                  <td className="small">{dateTime(a.startsAt)} – {dateTime(a.endsAt)}</td>
                  {s.isOperator ? (
                    <td>
                      {a.state === 'suspended'
                        ? <button type="button" className="btn btn-small" onClick={() => act(() => s.api.resumeAllocation(a.id))}>{t('alloc.resume')}</button>
                        : a.state === 'active' ? <button type="button" className="btn btn-small" onClick={() => act(() => s.api.suspendAllocation(a.id, 'suspended from the portal'))}>{t('alloc.suspend')}</button> : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <AtRisk names={new Map((list.data?.items ?? []).map((a) => [a.id, a.name]))} />
      {s.isOperator ? <GrantForm onDone={list.reload} /> : null}
    </div>
  );
}

/** Operators: grant an allocation directly, outside any program (AllocationCreate). */
function GrantForm({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const [f, setF] = useState({ tenant: '', name: '', serviceUnits: '1000', concurrentLimit: '8', endsAt: inDays(90), acceleratorTypes: '', storageTb: '' });
  const { errors, problem, send } = useSchemaForm();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      tenant: f.tenant, name: f.name.trim(), serviceUnits: f.serviceUnits.trim(), concurrentLimit: Number(f.concurrentLimit), endsAt: f.endsAt,
      acceleratorTypes: f.acceleratorTypes.split(',').map((x) => x.trim()).filter(Boolean),
      ...(f.storageTb.trim() ? { storageTb: Number(f.storageTb) } : {}),
    };
    if (await send(AllocationCreate, body, () => s.api.createAllocation(body))) {
      setF({ ...f, name: '' });
      onDone();
    }
  }
  const input = (k: Exclude<keyof typeof f, 'tenant'>, label: string, props: Record<string, unknown> = {}) => (
    <Field id={`gf-${k}`} label={label} error={errors[k]}>
      <input id={`gf-${k}`} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} {...fieldAria(`gf-${k}`, errors[k])} {...props} />
    </Field>
  );
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="gf-h">
      <h2 id="gf-h">{t('alloc.grant')}</h2>
      <div className="row">
        <Field id="gf-tenant" label={t('col.tenant')} error={errors.tenant}>
          <select id="gf-tenant" value={f.tenant} onChange={(e) => setF({ ...f, tenant: e.target.value })} {...fieldAria('gf-tenant', errors.tenant)}>
            <option value="">—</option>
            {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug}</option>)}
          </select>
        </Field>
        {input('name', t('alloc.name'))}
        {input('serviceUnits', t('apps.award'), { inputMode: 'decimal' })}
        {input('concurrentLimit', t('alloc.concurrent'), { type: 'number', min: 1 })}
        {input('endsAt', t('alloc.ends'), { type: 'date' })}
        {input('acceleratorTypes', t('alloc.types'), { className: 'mono', placeholder: 'nvidia-h100-sxm-80gb' })}
        {input('storageTb', t('alloc.storageTb'), { inputMode: 'decimal', placeholder: '10' })}
      </div>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary">{t('alloc.grant')}</button>
    </form>
  );
}

/** Allocations far off their pace, exhausted or suspended (GET /v1/reports/at-risk): what to follow up. */
function AtRisk({ names }: { names: Map<string, string> }) {
  const { t, amount } = useI18n();
  const s = useSession();
  const risk = useLoad((signal) => s.api.atRisk(signal), [s.api]);
  if (!risk.data || risk.data.items.length === 0) return null;
  return (
    <section className="card" aria-labelledby="risk-h" data-testid="at-risk">
      <h2 id="risk-h">{t('alloc.atRisk')}</h2>
      <ul className="reviews">
        {risk.data.items.map((r) => (
          <li key={r.allocation}>
            <strong>{names.get(r.allocation) ?? r.allocation}</strong>
            {s.isOperator ? <span className="muted"> · {s.tenantName(r.tenant)}</span> : null}
            {' — '}{t(`alloc.verdict.${r.verdict}` as MessageKey)} · {t('alloc.availableShort', { n: amount(r.availableSu) })}
            <div className="muted small">{r.reasons.join('; ')}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}
