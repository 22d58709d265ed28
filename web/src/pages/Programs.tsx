/**
 * Programs (calls for applications): everyone sees them, owners apply from here, operators open them
 * (ProgramCreate, checked before sending) and assign reviewers. Applications are in Applications.tsx.
 */
import { useState, type FormEvent } from 'react';
import { ProgramCreate } from '../../../src/contract/accounting.ts';
import type { Program } from '../api.ts';
import { useSchemaForm } from '../forms.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

// ---- programs -------------------------------------------------------------------------------------------------

export function ProgramsPage() {
  const { t, number, dateTime } = useI18n();
  const s = useSession();
  const programs = useLoad((signal) => s.api.programs(signal), [s.api]);
  const canApply = s.me.user.role === 'owner';
  return (
    <div className="page">
      <PageTitle title={t('prog.title')}>{t('prog.title')}</PageTitle>
      <p className="muted">{t('prog.intro')}</p>
      <ErrorBox error={programs.error} onRetry={programs.reload} />
      {programs.data ? (
        programs.data.items.length === 0 ? <p className="muted">{t('prog.none')}</p> : (
          <div className="program-list">
            {programs.data.items.map((p) => (
              <section key={p.id} className="card program" aria-labelledby={`p-${p.id}`} data-program={p.slug}>
                <div className="section-head">
                  <h2 id={`p-${p.id}`}>{p.name}</h2>
                  <span className={`badge ${p.open ? 'app-approved' : 'app-withdrawn'}`}>{t(p.open ? 'prog.open' : 'prog.closed')}</span>
                  <span className="muted small">{dateTime(p.opensAt)} – {dateTime(p.closesAt)}</span>
                </div>
                {p.description ? <p>{p.description}</p> : null}
                <p className="small">
                  {t('prog.budget', { budget: number(p.budget, 0), remaining: number(p.remaining, 0) })}
                  {p.tenantCap !== null ? ` · ${t('prog.cap', { cap: number(p.tenantCap, 0) })}` : ''}
                  {' · '}{t('prog.criteria')}: {p.criteria.map((c) => `${c.name} (${c.weight})`).join(', ')}
                </p>
                <div className="row">
                  {canApply && p.open ? <a className="btn btn-primary" href={`#/applications/new?program=${encodeURIComponent(p.slug)}`}>{t('prog.apply')}</a> : null}
                  <a className="btn" href={`#/applications?program=${encodeURIComponent(p.id)}`}>{t('prog.applications')}</a>
                  {s.isOperator ? <ReviewerForm program={p} onDone={programs.reload} /> : null}
                </div>
              </section>
            ))}
          </div>
        )
      ) : programs.error ? null : <Loading />}
      {s.isOperator ? <ProgramForm onDone={programs.reload} /> : null}
    </div>
  );
}

function ReviewerForm({ program, onDone }: { program: Program; onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [user, setUser] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  return (
    <form className="inline-form" onSubmit={async (e) => {
      e.preventDefault();
      try {
        await s.api.addReviewer(program.id, user.trim());
        setUser('');
        setError(undefined);
        onDone();
      } catch (err) {
        setError(err);
      }
    }}>
      <label>
        <span className="sr-only">{t('prog.reviewerEmail')}</span>
        <input value={user} onChange={(e) => setUser(e.target.value)} placeholder={t('prog.reviewerEmail')} aria-label={`${t('prog.reviewerEmail')} — ${program.name}`} list="user-emails" />
      </label>
      <button type="submit" className="btn">{t('prog.addReviewer')}</button>
      {program.reviewers ? <span className="muted small">{t('prog.reviewers', { n: program.reviewers.length })}</span> : null}
      <datalist id="user-emails">{s.users.map((u) => <option key={u.id} value={u.email} />)}</datalist>
      <ErrorBox error={error} />
    </form>
  );
}

function ProgramForm({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const today = new Date().toISOString().slice(0, 10);
  const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
  const [f, setF] = useState({ slug: '', name: '', description: '', opensAt: today, closesAt: inMonths(2), budget: '100000', tenantCap: '', criteria: 'impact:Impact:2\nfeasibility:Feasibility:1' });
  const { errors, problem, send } = useSchemaForm();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const criteria = f.criteria.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [key = '', name = '', weight = '1'] = l.split(':').map((x) => x.trim());
      return { key, name: name || key, weight: Number(weight) };
    });
    const body = { slug: f.slug.trim(), name: f.name.trim(), description: f.description, opensAt: f.opensAt, closesAt: f.closesAt, budget: f.budget.trim(), ...(f.tenantCap.trim() ? { tenantCap: f.tenantCap.trim() } : {}), criteria };
    if (await send(ProgramCreate, body, () => s.api.createProgram(body))) {
      setF({ ...f, slug: '', name: '', description: '' });
      onDone();
    }
  }
  const input = (k: keyof typeof f, label: string, props: Record<string, unknown> = {}) => (
    <Field id={`pf-${k}`} label={label} error={errors[k]}>
      <input id={`pf-${k}`} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} {...fieldAria(`pf-${k}`, errors[k])} {...props} />
    </Field>
  );
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="pf-h">
      <h2 id="pf-h">{t('prog.create')}</h2>
      <div className="row">
        {input('slug', t('tenants.slug'), { className: 'mono' })}
        {input('name', t('tenants.name'))}
        {input('budget', t('prog.budgetField'), { inputMode: 'decimal' })}
        {input('tenantCap', t('prog.capField'), { inputMode: 'decimal' })}
      </div>
      <div className="row">
        {input('opensAt', t('prog.opens'), { type: 'date' })}
        {input('closesAt', t('prog.closes'), { type: 'date' })}
      </div>
      <Field id="pf-description" label={t('prog.description')} error={errors.description}>
        <textarea id="pf-description" rows={2} value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
      </Field>
      <Field id="pf-criteria" label={t('prog.criteriaField')} error={errors.criteria} hint={t('prog.criteriaHint')}>
        <textarea id="pf-criteria" className="mono" rows={3} value={f.criteria} onChange={(e) => setF({ ...f, criteria: e.target.value })} {...fieldAria('pf-criteria', errors.criteria, t('prog.criteriaHint'))} />
      </Field>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary">{t('prog.create')}</button>
    </form>
  );
}

