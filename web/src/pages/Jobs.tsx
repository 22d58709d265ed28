/**
 * The jobs list (everyone: their organization's jobs; operators: all) and the queue (operators: every
 * pending job with its reason and expected start). Filters live in the URL (#/jobs?state=pending&mine=1)
 * so a filtered view can be bookmarked and shared.
 */
import { JobState } from '../../../src/contract/index.ts';
import type { JobStateName } from '../api.ts';
import { ErrorBox, PageTitle } from '../components/common.tsx';
import { JobTable, useJobPages } from '../components/JobTable.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { navigate, type Route } from '../router.ts';
import { useSession } from '../session.tsx';

const JOB_STATES = JobState.options;
const ACTIVE: JobStateName[] = ['pending', 'starting', 'running', 'preempted'];

function statesFrom(v: string | null): JobStateName[] | undefined {
  if (!v) return undefined;
  if (v === 'active') return ACTIVE;
  return v.split(',').filter((s): s is JobStateName => (JOB_STATES as readonly string[]).includes(s));
}

export function JobsPage({ route }: { route: Route }) {
  const { t, number } = useI18n();
  const s = useSession();
  const stateParam = route.query.get('state');
  const mine = route.query.get('mine') === '1';
  const tenant = s.isOperator ? route.query.get('tenant') ?? undefined : undefined;
  const pages = useJobPages({ state: statesFrom(stateParam), user: mine ? 'me' : undefined, tenant });

  const setQuery = (k: string, v: string | null) => {
    const q = new URLSearchParams(route.query);
    if (v === null || v === '') q.delete(k);
    else q.set(k, v);
    const qs = q.toString();
    navigate(`#/jobs${qs ? `?${qs}` : ''}`, { replace: true });
  };

  return (
    <div className="page page-fill">
      <PageTitle title={t('jobs.title')}>{t('jobs.title')}</PageTitle>
      <form className="filters" aria-label={t('jobs.filter')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('jobs.filterState')}{' '}
          <select value={stateParam ?? ''} onChange={(e) => setQuery('state', e.target.value)} data-testid="state-filter">
            <option value="">{t('jobs.allStates')}</option>
            <option value="active">{t('jobs.active')}</option>
            {JOB_STATES.map((st) => <option key={st} value={st}>{t(`state.${st}` as MessageKey)}</option>)}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setQuery('mine', e.target.checked ? '1' : null)} /> {t('jobs.mine')}
        </label>
        {s.isOperator ? (
          <label>
            {t('jobs.tenantFilter')}{' '}
            <select value={tenant ?? ''} onChange={(e) => setQuery('tenant', e.target.value)}>
              <option value="">{t('jobs.allTenants')}</option>
              {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug} — {tn.name}</option>)}
            </select>
          </label>
        ) : null}
        <span className="muted" role="status" aria-live="polite">
          {t(pages.hasMore ? 'jobs.loadedMore' : 'jobs.loaded', { n: number(pages.rows.length) })}
        </span>
        {pages.newJobs > 0 ? <button type="button" className="btn" onClick={pages.reload}>{t('jobs.newJobs')}</button> : null}
      </form>
      <ErrorBox error={pages.error} onRetry={pages.reload} />
      <JobTable
        pages={pages}
        label={t('jobs.tableLabel')}
        columns={s.isOperator
          ? ['id', 'name', 'state', 'tenant', 'user', 'reason', 'estimatedStart', 'accelerator', 'devices', 'submitted']
          : ['id', 'name', 'state', 'user', 'reason', 'estimatedStart', 'accelerator', 'devices', 'submitted']}
        testId="jobs-table"
      />
    </div>
  );
}

export function QueuePage() {
  const { t, number } = useI18n();
  const pages = useJobPages({ state: ['pending', 'preempted'] });
  return (
    <div className="page page-fill">
      <PageTitle title={t('jobs.queueTitle')}>{t('jobs.queueTitle')}</PageTitle>
      <p className="muted">{t('jobs.queueIntro')} <span role="status">{t(pages.hasMore ? 'jobs.loadedMore' : 'jobs.loaded', { n: number(pages.rows.length) })}</span></p>
      <ErrorBox error={pages.error} onRetry={pages.reload} />
      <JobTable pages={pages} label={t('jobs.queueTitle')} columns={['id', 'name', 'tenant', 'user', 'reason', 'estimatedStart', 'priority', 'accelerator', 'devices', 'submitted']} testId="queue-table" />
    </div>
  );
}
