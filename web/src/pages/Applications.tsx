/**
 * Applications: a tenant owner applies under an open program and follows the application (draft →
 * submitted → under review → approved / rejected / withdrawn); reviewers assigned to the program score it
 * on its criteria; operators approve (possibly for less, which awards an allocation) or reject with a
 * reason. Forms check their bodies with the contract's schemas (ApplicationCreate, ReviewCreate,
 * ApplicationApprove) before sending.
 */
import { useState, type FormEvent } from 'react';
import { ApplicationApprove, ApplicationCreate, ReviewCreate } from '../../../src/contract/accounting.ts';
import { ApiError, type Application, type Program } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { href, navigate, type Route } from '../router.ts';
import { useSession } from '../session.tsx';
import { issuesToErrors, problemErrors, useSchemaForm, type Errors } from '../forms.ts';

export function AppState({ state }: { state: Application['state'] }) {
  const { t } = useI18n();
  return <span className={`badge app-${state}`} data-state={state}>{t(`app.state.${state}` as MessageKey)}</span>;
}

// ---- applications ---------------------------------------------------------------------------------------------

export function ApplicationsPage({ route }: { route: Route }) {
  const [, id] = route.path;
  if (id === 'new') return <ApplicationNew program={route.query.get('program') ?? ''} />;
  if (id) return <ApplicationDetail key={id} id={id} />;
  return <ApplicationList program={route.query.get('program') ?? undefined} />;
}

function ApplicationList({ program }: { program?: string | undefined }) {
  const { t, number, dateTime } = useI18n();
  const s = useSession();
  const apps = useLoad((signal) => s.api.applications(program ? { program } : {}, signal), [s.api, program]);
  const programs = useLoad((signal) => s.api.programs(signal), [s.api]);
  const programName = (id: string) => programs.data?.items.find((p) => p.id === id)?.name ?? id;
  return (
    <div className="page">
      <PageTitle title={t('apps.title')}>{t('apps.title')}</PageTitle>
      <p className="muted">{t(s.isOperator ? 'apps.introOperator' : 'apps.intro')}</p>
      {s.me.user.role === 'owner' ? <p><a className="btn btn-primary" href="#/applications/new">{t('apps.new')}</a></p> : null}
      <ErrorBox error={apps.error} onRetry={apps.reload} />
      {apps.data ? (apps.data.items.length === 0 ? <p className="muted">{t('apps.none')}</p> : (
        <table className="table card" data-testid="applications-table">
          <thead><tr>
            <th scope="col">{t('apps.titleField')}</th><th scope="col">{t('apps.program')}</th><th scope="col">{t('col.tenant')}</th>
            <th scope="col">{t('col.state')}</th><th scope="col" className="num">{t('apps.asked')}</th><th scope="col" className="num">{t('apps.approved')}</th>
            <th scope="col" className="num">{t('apps.score')}</th><th scope="col">{t('apps.submitted')}</th>
          </tr></thead>
          <tbody>
            {apps.data.items.map((a) => (
              <tr key={a.id} data-application={a.id}>
                <th scope="row"><a href={href('applications', a.id)}>{a.title}</a></th>
                <td>{programName(a.program)}</td><td>{s.tenantName(a.tenant)}</td><td><AppState state={a.state} /></td>
                <td className="num">{number(a.serviceUnits, 1)}</td><td className="num">{a.approvedServiceUnits === null ? '—' : number(a.approvedServiceUnits, 1)}</td>
                <td className="num">{a.score === null ? '—' : number(a.score, 2)}</td><td>{dateTime(a.submittedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )) : apps.error ? null : <Loading />}
    </div>
  );
}

function ApplicationNew({ program }: { program: string }) {
  const { t } = useI18n();
  const s = useSession();
  const programs = useLoad((signal) => s.api.programs(signal), [s.api]);
  const types = useLoad((signal) => s.api.capacity(signal), [s.api]);
  const [f, setF] = useState({ program, title: '', description: '', type: '', count: '8', durationDays: '90', serviceUnits: '', outputs: '', submit: true });
  const { errors, problem, busy, send } = useSchemaForm();
  const open = (programs.data?.items ?? []).filter((p) => p.open);
  const typeIds = (types.data?.rows ?? []).map((r) => r.acceleratorType);
  const type = f.type || typeIds[0] || '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      program: f.program || open[0]?.slug || '', title: f.title.trim(), description: f.description.trim(),
      accelerators: [{ type, count: Number(f.count) }], durationDays: Number(f.durationDays), serviceUnits: f.serviceUnits.trim(),
      expectedOutputs: f.outputs.split('\n').map((x) => x.trim()).filter(Boolean), submit: f.submit,
    };
    await send(ApplicationCreate, body, async () => navigate(href('applications', (await s.api.apply(body)).id)));
  }
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <div className="page">
      <p className="crumbs"><a href="#/applications">{t('apps.back')}</a></p>
      <PageTitle title={t('apps.new')}>{t('apps.new')}</PageTitle>
      <form className="card" onSubmit={submit} noValidate>
        <ErrorBox error={programs.error} />
        <Field id="af-program" label={t('apps.program')} error={errors.program}>
          <select id="af-program" value={f.program || open[0]?.slug || ''} onChange={set('program')} {...fieldAria('af-program', errors.program)}>
            {open.map((p) => <option key={p.id} value={p.slug}>{p.name}</option>)}
          </select>
        </Field>
        <Field id="af-title" label={t('apps.titleField')} error={errors.title}>
          <input id="af-title" value={f.title} onChange={set('title')} {...fieldAria('af-title', errors.title)} />
        </Field>
        <Field id="af-description" label={t('apps.description')} error={errors.description} hint={t('apps.descriptionHint')}>
          <textarea id="af-description" rows={5} value={f.description} onChange={set('description')} {...fieldAria('af-description', errors.description, t('apps.descriptionHint'))} />
        </Field>
        <div className="row">
          <Field id="af-type" label={t('submit.accelerator')} error={errors.accelerators}>
            <select id="af-type" value={type} onChange={set('type')}>{typeIds.map((id) => <option key={id} value={id}>{types.data?.rows.find((r) => r.acceleratorType === id)?.model ?? id}</option>)}</select>
          </Field>
          <Field id="af-count" label={t('apps.count')} error={errors.accelerators}>
            <input id="af-count" type="number" min={1} value={f.count} onChange={set('count')} />
          </Field>
          <Field id="af-durationDays" label={t('apps.duration')} error={errors.durationDays}>
            <input id="af-durationDays" type="number" min={1} value={f.durationDays} onChange={set('durationDays')} {...fieldAria('af-durationDays', errors.durationDays)} />
          </Field>
          <Field id="af-serviceUnits" label={t('apps.suField')} error={errors.serviceUnits}>
            <input id="af-serviceUnits" inputMode="decimal" value={f.serviceUnits} onChange={set('serviceUnits')} {...fieldAria('af-serviceUnits', errors.serviceUnits)} />
          </Field>
        </div>
        <Field id="af-outputs" label={t('apps.outputs')} error={errors.expectedOutputs}>
          <textarea id="af-outputs" rows={2} value={f.outputs} onChange={set('outputs')} />
        </Field>
        <label className="check"><input type="checkbox" checked={f.submit} onChange={(e) => setF({ ...f, submit: e.target.checked })} /> {t('apps.submitNow')}</label>
        <ErrorBox error={problem} />
        <p><button type="submit" className="btn btn-primary" disabled={busy}>{t(f.submit ? 'apps.send' : 'apps.saveDraft')}</button></p>
      </form>
    </div>
  );
}

function ApplicationDetail({ id }: { id: string }) {
  const { t, number, dateTime } = useI18n();
  const s = useSession();
  const app = useLoad((signal) => s.api.application(id, signal), [s.api, id]);
  const programs = useLoad((signal) => s.api.programs(signal), [s.api]);
  // Operators see a program's reviewers only on the program itself (GET /v1/programs/:id).
  const programDetail = useLoad((signal) => (app.data && s.isOperator ? s.api.program(app.data.program, signal) : Promise.resolve(null)), [s.api, app.data?.program]);
  const [error, setError] = useState<unknown>(undefined);
  if (app.error instanceof ApiError && app.error.status === 404) {
    return <div className="page"><PageTitle title={t('apps.title')}>{t('apps.title')}</PageTitle><div className="alert alert-error" role="alert">{t('apps.notFound', { id })}</div></div>;
  }
  if (!app.data) return <div className="page">{app.error ? <ErrorBox error={app.error} onRetry={app.reload} /> : <Loading />}</div>;
  const a = app.data;
  const program = programDetail.data ?? programs.data?.items.find((p) => p.id === a.program);
  const isOwner = s.me.user.role === 'owner' && s.me.tenant?.id === a.tenant;
  // A tenant user sees another organization's application only as one of its program's reviewers.
  const isReviewer = s.isOperator ? (programDetail.data?.reviewers?.includes(s.me.user.id) ?? false) : a.tenant !== s.me.tenant?.id;
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(undefined);
      app.reload();
    } catch (e) {
      setError(e);
    }
  };
  const steps: [string, string | null][] = [
    [t('apps.step.created'), a.createdAt], [t('apps.step.submitted'), a.submittedAt],
    [t(a.state === 'rejected' ? 'apps.step.rejected' : a.state === 'withdrawn' ? 'apps.step.withdrawn' : 'apps.step.approved'), a.decidedAt],
  ];
  return (
    <div className="page">
      <p className="crumbs"><a href="#/applications">{t('apps.back')}</a></p>
      <div className="title-row">
        <PageTitle title={a.title}>{a.title}</PageTitle>
        <AppState state={a.state} />
        {a.score !== null ? <span className="badge" data-testid="score">{t('apps.scoreValue', { score: number(a.score, 2) })}</span> : null}
      </div>
      <ErrorBox error={error} />
      <div className="grid-2">
        <section className="card" aria-labelledby="ad-h">
          <h2 id="ad-h">{t('job.details')}</h2>
          <dl className="facts">
            <div><dt>{t('apps.program')}</dt><dd>{program?.name ?? a.program}</dd></div>
            <div><dt>{t('col.tenant')}</dt><dd>{s.tenantName(a.tenant)}</dd></div>
            <div><dt>{t('apps.accelerators')}</dt><dd>{a.accelerators.map((x) => `${x.count} × ${x.type}`).join(', ')}</dd></div>
            <div><dt>{t('apps.duration')}</dt><dd>{a.durationDays}</dd></div>
            <div><dt>{t('apps.asked')}</dt><dd>{number(a.serviceUnits, 3)} SU</dd></div>
            {a.approvedServiceUnits !== null ? <div><dt>{t('apps.approved')}</dt><dd>{number(a.approvedServiceUnits, 3)} SU</dd></div> : null}
            {a.decisionReason ? <div><dt>{t('apps.reason')}</dt><dd>{a.decisionReason}</dd></div> : null}
            {a.allocation ? <div><dt>{t('alloc.name')}</dt><dd><a href="#/allocations" className="mono">{a.allocation}</a></dd></div> : null}
            {a.expectedOutputs.length > 0 ? <div><dt>{t('apps.expected')}</dt><dd>{a.expectedOutputs.join('; ')}</dd></div> : null}
          </dl>
          <p className="prewrap">{a.description}</p>
        </section>
        <section className="card" aria-labelledby="at-h">
          <h2 id="at-h">{t('job.timeline')}</h2>
          <ol className="timeline" data-testid="app-timeline">
            {steps.filter(([, at]) => at !== null).map(([label, at]) => <li key={label}><time dateTime={at!}>{dateTime(at)}</time><span>{label}</span></li>)}
          </ol>
          {a.reviews && a.reviews.length > 0 ? (
            <>
              <h3>{t('apps.reviews')}</h3>
              <ul className="reviews">
                {a.reviews.map((r) => (
                  <li key={r.reviewer + r.at}>
                    <strong>{number(r.weighted, 2)}</strong> — {s.userName(r.reviewer)} <span className="muted small">({Object.entries(r.scores).map(([k, v]) => `${k} ${v}`).join(', ')})</span>
                    {r.comment ? <div className="muted">{r.comment}</div> : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      </div>
      {isOwner && a.state === 'draft' ? <p className="row"><button type="button" className="btn btn-primary" onClick={() => act(() => s.api.submitApplication(a.id))}>{t('apps.send')}</button></p> : null}
      {isOwner && ['draft', 'submitted', 'under_review'].includes(a.state) ? <p className="row"><button type="button" className="btn" onClick={() => act(() => s.api.withdrawApplication(a.id))}>{t('apps.withdraw')}</button></p> : null}
      {isReviewer && program && (a.state === 'submitted' || a.state === 'under_review') ? <ScoreForm app={a} program={program} onDone={app.reload} /> : null}
      {s.isOperator && (a.state === 'submitted' || a.state === 'under_review') ? <DecisionForm app={a} onDone={app.reload} /> : null}
    </div>
  );
}

function ScoreForm({ app, program, onDone }: { app: Application; program: Program; onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [scores, setScores] = useState<Record<string, string>>(Object.fromEntries(program.criteria.map((c) => [c.key, ''])));
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<unknown>(undefined);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    const body = { scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.trim() === '' ? NaN : Number(v)])), comment };
    const parsed = ReviewCreate.safeParse(body);
    if (!parsed.success) {
      const errs: Errors = {};
      for (const i of parsed.error.issues) errs[String(i.path[1] ?? i.path[0])] = i.message;
      setErrors(errs);
      return;
    }
    setErrors({});
    try {
      await s.api.scoreApplication(app.id, parsed.data);
      onDone();
    } catch (err) {
      setProblem(err);
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="score-h">
      <h2 id="score-h">{t('apps.scoreTitle')}</h2>
      <div className="row">
        {program.criteria.map((c) => (
          <Field key={c.key} id={`score-${c.key}`} label={`${c.name} (×${c.weight}, 0–10)`} error={errors[c.key]}>
            <input id={`score-${c.key}`} type="number" min={0} max={10} step="0.5" value={scores[c.key] ?? ''} onChange={(e) => setScores({ ...scores, [c.key]: e.target.value })} {...fieldAria(`score-${c.key}`, errors[c.key])} />
          </Field>
        ))}
      </div>
      <Field id="score-comment" label={t('apps.comment')}>
        <textarea id="score-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      </Field>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary">{t('apps.scoreSend')}</button>
    </form>
  );
}

function DecisionForm({ app, onDone }: { app: Application; onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [su, setSu] = useState(String(app.serviceUnits));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<unknown>(undefined);
  const decide = async (approve: boolean) => {
    setProblem(undefined);
    if (approve) {
      const body = { serviceUnits: su.trim(), reason: reason.trim() };
      const parsed = ApplicationApprove.safeParse(body);
      if (!parsed.success) return setErrors(issuesToErrors(parsed.error.issues));
      setErrors({});
      try {
        await s.api.approveApplication(app.id, body);
        onDone();
      } catch (err) {
        setProblem(err);
        setErrors(problemErrors(err));
      }
    } else {
      if (reason.trim() === '') return setErrors({ reason: t('apps.sayWhy') });
      setErrors({});
      try {
        await s.api.rejectApplication(app.id, reason.trim());
        onDone();
      } catch (err) {
        setProblem(err);
      }
    }
  };
  return (
    <form className="card" onSubmit={(e) => e.preventDefault()} noValidate aria-labelledby="decide-h">
      <h2 id="decide-h">{t('apps.decide')}</h2>
      <div className="row">
        <Field id="decide-su" label={t('apps.award')} error={errors.serviceUnits}>
          <input id="decide-su" inputMode="decimal" value={su} onChange={(e) => setSu(e.target.value)} {...fieldAria('decide-su', errors.serviceUnits)} />
        </Field>
        <Field id="decide-reason" label={t('apps.reason')} error={errors.reason}>
          <input id="decide-reason" value={reason} onChange={(e) => setReason(e.target.value)} {...fieldAria('decide-reason', errors.reason)} />
        </Field>
      </div>
      <ErrorBox error={problem} />
      <div className="row">
        <button type="button" className="btn btn-primary" onClick={() => decide(true)}>{t('apps.approve')}</button>
        <button type="button" className="btn btn-danger" onClick={() => decide(false)}>{t('apps.reject')}</button>
      </div>
    </form>
  );
}

