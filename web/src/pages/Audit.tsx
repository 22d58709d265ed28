/**
 * Audit log (operators): who did what to which resource, newest first, from GET /v1/audit. Filters for
 * action, subject and who live in the URL (#/audit?action=node.state&subject=gpu-a01), so a filtered view
 * can be linked; "Load more" follows `nextBefore` (keyset paging: entries older than the last one shown).
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { type AuditEntry } from '../api.ts';
import { ErrorBox, Field, Loading, PageTitle } from '../components/common.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { navigate, type Route } from '../router.ts';
import { useSession, type Session } from '../session.tsx';

const PAGE = 50;

/** Actions the server records today (src/services), offered as suggestions and shown in words. */
export const AUDIT_ACTIONS = [
  'tenant.create', 'user.create', 'node.state',
  'allocation.create', 'allocation.adjust', 'allocation.tranche', 'allocation.suspend', 'allocation.resume', 'allocation.expire',
  'rate.create', 'program.create', 'program.reviewer',
  'application.create', 'application.submit', 'application.score', 'application.approve', 'application.reject', 'application.withdraw',
  'report.accept', 'report.reject',
  'reservation.create', 'reservation.cancel', 'quota.set', 'quota.remove', 'cohort.create', 'cohort.remove', 'rates.defaults',
  'login.failure', 'login.locked',
] as const;
const KNOWN = new Set<string>(AUDIT_ACTIONS);

interface Filters { action: string; subject: string; actor: string }

const toQuery = (f: Filters) => {
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()]));
  const qs = q.toString();
  return qs ? `#/audit?${qs}` : '#/audit';
};

export function AuditPage({ route }: { route: Route }) {
  const { t, number } = useI18n();
  const s = useSession();
  const filters: Filters = { action: route.query.get('action') ?? '', subject: route.query.get('subject') ?? '', actor: route.query.get('actor') ?? '' };
  const key = toQuery(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [items, setItems] = useState<AuditEntry[] | null>(null);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const more = useRef<AbortController | null>(null);

  // The first page, again whenever the filters change.
  useEffect(() => {
    setDraft(filters);
    const ac = new AbortController();
    more.current?.abort();
    setLoading(true);
    setError(undefined);
    s.api.audit({ ...filters, limit: PAGE }, ac.signal).then((p) => {
      if (ac.signal.aborted) return;
      setItems(p.items);
      setNextBefore(p.nextBefore);
      setLoading(false);
    }, (e: unknown) => {
      if (ac.signal.aborted) return;
      setError(e);
      setLoading(false);
    });
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.api, key, version]);
  useEffect(() => () => more.current?.abort(), []);

  function loadMore() {
    if (nextBefore === null) return;
    const ac = new AbortController();
    more.current = ac;
    setLoading(true);
    setError(undefined);
    s.api.audit({ ...filters, limit: PAGE, before: nextBefore }, ac.signal).then((p) => {
      if (ac.signal.aborted) return;
      setItems((old) => [...(old ?? []), ...p.items]);
      setNextBefore(p.nextBefore);
      setLoading(false);
    }, (e: unknown) => {
      if (ac.signal.aborted) return;
      setError(e);
      setLoading(false);
    });
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    navigate(toQuery(draft));
  }
  const filtered = Boolean(filters.action || filters.subject || filters.actor);

  return (
    <div className="page page-fill">
      <PageTitle title={t('audit.title')}>{t('audit.title')}</PageTitle>
      <p className="muted">{t('audit.intro')}</p>
      <form className="card filters audit-filters" aria-label={t('audit.filters')} onSubmit={apply}>
        <Field id="a-action" label={t('audit.action')}>
          <input id="a-action" className="mono" list="a-actions" value={draft.action} placeholder="node.state" onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
          <datalist id="a-actions">
            {AUDIT_ACTIONS.map((a) => <option key={a} value={a}>{t(`audit.act.${a}` as MessageKey)}</option>)}
          </datalist>
        </Field>
        <Field id="a-subject" label={t('audit.subject')}>
          <input id="a-subject" className="mono" value={draft.subject} placeholder="gpu-a01" onChange={(e) => setDraft({ ...draft, subject: e.target.value })} />
        </Field>
        <Field id="a-actor" label={t('audit.who')}>
          <select id="a-actor" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })}>
            <option value="">{t('audit.anyone')}</option>
            {draft.actor && !s.users.some((u) => u.id === draft.actor) ? <option value={draft.actor}>{s.userName(draft.actor) || draft.actor}</option> : null}
            {s.users.map((u) => <option key={u.id} value={u.id}>{u.email}</option>)}
          </select>
        </Field>
        <div className="audit-filter-buttons">
          <button type="submit" className="btn btn-primary">{t('audit.apply')}</button>
          {filtered ? <a className="btn" href="#/audit">{t('audit.clear')}</a> : null}
        </div>
      </form>
      <ErrorBox error={error} onRetry={() => (items && nextBefore !== null && items.length > 0 ? loadMore() : setVersion((v) => v + 1))} />
      {items ? (
        items.length === 0 && !loading ? (
          <p className="card muted" data-testid="audit-empty">{filtered ? t('audit.noneFiltered') : t('audit.none')}</p>
        ) : (
          <table className="table card audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.time')}</th><th scope="col">{t('audit.who')}</th><th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.subject')}</th><th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => <AuditRow key={e.id} entry={e} s={s} />)}
            </tbody>
          </table>
        )
      ) : null}
      {loading ? <Loading /> : null}
      {items && items.length > 0 ? (
        <div className="filters">
          <span className="muted" role="status" aria-live="polite">
            {t(nextBefore !== null ? 'audit.shownMore' : 'audit.shownAll', { n: number(items.length) })}
          </span>
          {nextBefore !== null ? <button type="button" className="btn" onClick={loadMore} disabled={loading}>{t('audit.loadMore')}</button> : null}
        </div>
      ) : null}
    </div>
  );
}

function AuditRow({ entry: e, s }: { entry: AuditEntry; s: Session }) {
  const { t, lang, relative } = useI18n();
  // To the second: several entries often share a minute, and the order within it matters.
  const dtf = useMemo(() => new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }), [lang]);
  const actor = e.actor ? s.users.find((u) => u.id === e.actor) : undefined;
  const subjectName = nameOf(s, e.subject);
  return (
    <tr data-action={e.action} data-id={e.id}>
      <td className="nowrap" title={relative(e.at)}><time dateTime={e.at}>{dtf.format(new Date(e.at))}</time></td>
      <td>
        {e.actor === null ? <span className="muted">{t('audit.system')}</span> : (
          <a href={toQuery({ action: '', subject: '', actor: e.actor })} title={e.actor}>
            {actor ? <>{actor.name} <span className="muted small">{actor.email}</span></> : (s.userName(e.actor) || <span className="mono">{e.actor}</span>)}
          </a>
        )}
      </td>
      <td className="nowrap">
        <a href={toQuery({ action: e.action, subject: '', actor: '' })} className="mono">{e.action}</a>
        {KNOWN.has(e.action) ? <div className="muted small">{t(`audit.act.${e.action}` as MessageKey)}</div> : null}
      </td>
      <td>
        <a href={toQuery({ action: '', subject: e.subject, actor: '' })} className="mono" title={e.subject}>{e.subject}</a>
        {subjectName ? <div className="muted small">{subjectName}</div> : null}
      </td>
      <td><Detail detail={e.detail} s={s} /></td>
    </tr>
  );
}

/** A tenant's slug or a user's email for an id the directory knows; '' otherwise (a node name, say). */
function nameOf(s: Session, id: string): string {
  const tn = s.tenants.find((x) => x.id === id);
  if (tn) return tn.slug;
  const u = s.users.find((x) => x.id === id);
  return u ? u.email : '';
}

/** `key value` pairs on one wrapping line; ids of users and tenants get their names, long values are cut. */
function Detail({ detail, s }: { detail: Record<string, unknown>; s: Session }) {
  const entries = Object.entries(detail);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => {
        const full = v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);
        const named = typeof v === 'string' ? nameOf(s, v) : '';
        const shown = named || (full.length > 60 ? full.slice(0, 59) + '…' : full);
        return (
          <div key={k} className="kv-pair" title={full}>
            <dt>{k}</dt><dd className={named ? '' : 'mono'}>{shown}</dd>
          </div>
        );
      })}
    </dl>
  );
}
