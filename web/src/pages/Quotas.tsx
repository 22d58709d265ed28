/**
 * Quotas (GET /v1/quotas, /v1/cohorts): devices guaranteed to an organization (or one of its projects) on an
 * accelerator type or a type group, what it may borrow beyond that from its cohort, and what of its idle
 * guarantee it lends. Everyone sees their organization's, read-only; operators see all, set and remove
 * quotas and create cohorts.
 *
 * The form is checked with the contract's QuotaSet before sending (a fraction or a negative count never
 * leaves the page); what only the server knows (the cluster's capacity, a cohort with nothing to lend) comes
 * back as problem details and is shown by the field it names. Type groups come from the catalog
 * (src/core/accelerators.ts, pure): the API lists catalog types but not groups, and the server accepts both.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { CohortCreate, QuotaSet } from '../../../src/contract/index.ts';
import { TYPE_GROUPS } from '../../../src/core/accelerators.ts';
import type { Quota } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useSchemaForm } from '../forms.ts';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

export function QuotasPage() {
  const { t } = useI18n();
  const s = useSession();
  const list = useLoad((signal) => s.api.quotas({}, signal), [s.api]);
  const cohorts = useLoad((signal) => s.api.cohorts(signal), [s.api]);
  const [error, setError] = useState<unknown>(undefined);
  const reload = () => { list.reload(); cohorts.reload(); };
  const remove = async (id: string) => {
    try {
      await s.api.removeQuota(id);
      setError(undefined);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const items = list.data?.items ?? [];
  return (
    <div className="page">
      <PageTitle title={t('quota.title')}>{t('quota.title')}</PageTitle>
      <p className="muted">{t('quota.intro')}</p>
      <ErrorBox error={list.error ?? error} onRetry={list.reload} />
      {!list.data ? (list.error ? null : <Loading />) : items.length === 0 ? <p className="muted">{t('quota.none')}</p> : (
        <table className="table card" data-testid="quotas-table">
          <thead>
            <tr>
              {s.isOperator ? <th scope="col">{t('col.tenant')}</th> : null}
              <th scope="col">{t('quota.resource')}</th>
              <th scope="col" className="num">{t('quota.guaranteed')}</th>
              <th scope="col" className="num">{t('quota.borrowLimit')}</th>
              <th scope="col" className="num">{t('quota.lendLimit')}</th>
              <th scope="col">{t('quota.cohort')}</th>
              <th scope="col" className="num">{t('quota.inUse')}</th>
              <th scope="col">{t('quota.source')}</th>
              {s.isOperator ? <th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((q) => <QuotaRow key={q.id} q={q} onRemove={remove} />)}
          </tbody>
        </table>
      )}
      {s.isOperator ? <QuotaForm cohorts={(cohorts.data?.items ?? []).map((c) => c.name)} onDone={reload} /> : null}
      <section className="quota-cohorts" aria-labelledby="cohorts-h">
        <h2 id="cohorts-h">{t('quota.cohorts')}</h2>
        <p className="muted">{t('quota.cohortsIntro')}</p>
        <ErrorBox error={cohorts.error} onRetry={cohorts.reload} />
        {!cohorts.data ? (cohorts.error ? null : <Loading />) : cohorts.data.items.length === 0 ? <p className="muted">{t('quota.noCohorts')}</p> : (
          <table className="table card" data-testid="cohorts-table">
            <thead>
              <tr><th scope="col">{t('quota.cohort')}</th><th scope="col">{t('quota.description')}</th><th scope="col" className="num">{t('quota.members')}</th></tr>
            </thead>
            <tbody>
              {cohorts.data.items.map((c) => (
                <tr key={c.name} data-cohort={c.name}><th scope="row" className="mono">{c.name}</th><td>{c.description}</td><td className="num">{c.members}</td></tr>
              ))}
            </tbody>
          </table>
        )}
        {s.isOperator ? <CohortForm onDone={cohorts.reload} /> : null}
      </section>
    </div>
  );
}

function QuotaRow({ q, onRemove }: { q: Quota; onRemove(id: string): void }) {
  const { t } = useI18n();
  const s = useSession();
  const group = q.acceleratorTypes.length > 1 || q.acceleratorTypes[0] !== q.resource;
  return (
    <tr data-quota={q.id}>
      {s.isOperator ? (
        <td>{s.tenantName(q.tenant)}{q.project ? <div className="muted small">{t('quota.projectOf', { project: s.projectName(q.project) })}</div> : null}</td>
      ) : null}
      <th scope="row">
        <span className="mono">{q.resource}</span>
        {!s.isOperator && q.project ? <div className="muted small">{t('quota.projectOf', { project: s.projectName(q.project) })}</div> : null}
        {group ? <div className="muted small mono">{q.acceleratorTypes.join(', ')}</div> : null}
      </th>
      <td className="num">{q.guaranteed}</td>
      <td className="num">{q.borrowLimit === null ? t('quota.unlimited') : q.borrowLimit}</td>
      <td className="num">{q.lendLimit === null ? t('quota.lendAllShort') : q.lendLimit}</td>
      <td className="mono">{q.cohort ?? '—'}</td>
      <td className="num" data-testid="in-use">
        {q.inUse}
        {q.borrowed > 0 ? <div><span className="badge state-pending">{t('quota.borrowedN', { n: q.borrowed })}</span></div> : null}
      </td>
      <td><span className={`badge ${q.source === 'explicit' ? 'state-running' : ''}`} data-source={q.source}>{t(q.source === 'explicit' ? 'quota.source.explicit' : 'quota.source.allocation')}</span></td>
      {s.isOperator ? (
        <td>{q.source === 'explicit' ? <button type="button" className="btn btn-small" onClick={() => onRemove(q.id)}>{t('quota.remove')}</button> : null}</td>
      ) : null}
    </tr>
  );
}

/** A count field as typed: blank is "not given" (the schema names it), anything else a number (1.5 and -1 included, for the schema to refuse). */
const count = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));

function QuotaForm({ cohorts, onDone }: { cohorts: string[]; onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const catalog = useLoad((signal) => s.api.acceleratorTypes(signal), [s.api]);
  const projects = useLoad((signal) => s.api.projects(signal).catch(() => null), [s.api]);
  const [f, setF] = useState({ tenant: '', project: '', resource: '', guaranteed: '', borrowLimit: '0', borrowUnlimited: false, lendLimit: '', lendAll: true, cohort: '' });
  const { errors, problem, busy, send } = useSchemaForm();
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const tenantProjects = useMemo(() => (projects.data?.items ?? []).filter((p) => p.tenant === f.tenant), [projects.data, f.tenant]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      tenant: f.tenant, ...(f.project ? { project: f.project } : {}), resource: f.resource, guaranteed: count(f.guaranteed),
      borrowLimit: f.borrowUnlimited ? null : count(f.borrowLimit), lendLimit: f.lendAll ? null : count(f.lendLimit), cohort: f.cohort || null,
    };
    if (await send(QuotaSet, body, (data) => s.api.setQuota(data))) {
      setF((x) => ({ ...x, guaranteed: '' }));
      onDone();
    }
  }
  const num = (k: 'guaranteed' | 'borrowLimit' | 'lendLimit', label: string, disabled = false) => (
    <Field id={`qf-${k}`} label={label} error={errors[k]}>
      <input id={`qf-${k}`} inputMode="numeric" className="num" value={f[k]} disabled={disabled} onChange={(e) => set(k, e.target.value)} {...fieldAria(`qf-${k}`, errors[k])} />
    </Field>
  );
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="qf-h">
      <h2 id="qf-h">{t('quota.set')}</h2>
      <div className="row">
        <Field id="qf-tenant" label={t('col.tenant')} error={errors.tenant}>
          <select id="qf-tenant" value={f.tenant} onChange={(e) => setF((x) => ({ ...x, tenant: e.target.value, project: '' }))} {...fieldAria('qf-tenant', errors.tenant)}>
            <option value="">—</option>
            {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug}</option>)}
          </select>
        </Field>
        <Field id="qf-project" className="field-wide" label={t('quota.project')} error={errors.project}>
          <select id="qf-project" value={f.project} onChange={(e) => set('project', e.target.value)} {...fieldAria('qf-project', errors.project)}>
            <option value="">{t('quota.wholeOrg')}</option>
            {tenantProjects.map((p) => <option key={p.id} value={p.id}>{p.slug}</option>)}
          </select>
        </Field>
        <Field id="qf-resource" className="field-wide" label={t('quota.resource')} error={errors.resource}>
          <select id="qf-resource" value={f.resource} onChange={(e) => set('resource', e.target.value)} {...fieldAria('qf-resource', errors.resource)}>
            <option value="">—</option>
            <optgroup label={t('quota.groups')}>
              {Object.entries(TYPE_GROUPS).map(([g, members]) => <option key={g} value={g}>{g} ({members.length})</option>)}
            </optgroup>
            <optgroup label={t('quota.types')}>
              {(catalog.data?.items ?? []).map((a) => <option key={a.id} value={a.id}>{a.id}</option>)}
            </optgroup>
          </select>
        </Field>
        {num('guaranteed', t('quota.guaranteed'))}
        <div className="field-with-check">
          {num('borrowLimit', t('quota.borrowLimit'), f.borrowUnlimited)}
          <label className="check"><input type="checkbox" checked={f.borrowUnlimited} onChange={(e) => set('borrowUnlimited', e.target.checked)} /> {t('quota.unlimited')}</label>
        </div>
        <div className="field-with-check">
          {num('lendLimit', t('quota.lendLimit'), f.lendAll)}
          <label className="check"><input type="checkbox" checked={f.lendAll} onChange={(e) => set('lendAll', e.target.checked)} /> {t('quota.lendAll')}</label>
        </div>
        <Field id="qf-cohort" label={t('quota.cohort')} error={errors.cohort}>
          <select id="qf-cohort" value={f.cohort} onChange={(e) => set('cohort', e.target.value)} {...fieldAria('qf-cohort', errors.cohort)}>
            <option value="">{t('quota.noCohort')}</option>
            {cohorts.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </Field>
      </div>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary" disabled={busy}>{t('quota.set')}</button>
    </form>
  );
}

function CohortForm({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [f, setF] = useState({ name: '', description: '' });
  const { errors, problem, busy, send } = useSchemaForm();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = { name: f.name.trim(), description: f.description.trim() };
    if (await send(CohortCreate, body, (data) => s.api.createCohort(data))) {
      setF({ name: '', description: '' });
      onDone();
    }
  }
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="cf-h">
      <h2 id="cf-h">{t('quota.createCohort')}</h2>
      <div className="row">
        <Field id="cf-name" label={t('quota.cohortName')} error={errors.name}>
          <input id="cf-name" className="mono" value={f.name} placeholder="gpu-pool" onChange={(e) => setF({ ...f, name: e.target.value })} {...fieldAria('cf-name', errors.name)} />
        </Field>
        <Field id="cf-description" label={t('quota.description')} error={errors.description}>
          <input id="cf-description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} {...fieldAria('cf-description', errors.description)} />
        </Field>
      </div>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary" disabled={busy}>{t('quota.createCohort')}</button>
    </form>
  );
}
