/**
 * The dashboard answers "what is running, what is waiting and why, what failed" at a glance, live.
 * Each list is one page from the server (running, pending, recent failures), so it costs the same with
 * 100 or 100,000 jobs in the store. The allocations panel shows each allocation's balance and burn rate
 * (on a server without the allocation service it says so instead of showing invented numbers).
 */
import { ErrorBox, PageTitle } from '../components/common.tsx';
import { JobTable, useJobPages } from '../components/JobTable.tsx';
import { useLoad, useThrottled } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useJobChanges, useSession } from '../session.tsx';
import { AllocationsPanel } from './Allocations.tsx';

const LIST = 100;

export function DashboardPage() {
  const { t, number } = useI18n();
  const s = useSession();
  const running = useJobPages({ state: ['running', 'starting'] }, LIST);
  const pending = useJobPages({ state: ['pending', 'preempted'] }, LIST);
  const failures = useJobPages({ state: ['failed', 'timed_out'] }, 10);
  const capacity = useLoad((signal) => s.api.capacity(signal), [s.api]);
  const refreshCapacity = useThrottled(capacity.reload, 2000);
  useJobChanges(() => refreshCapacity());

  const count = (p: { rows: unknown[]; hasMore: boolean }) => (p.hasMore ? t('dash.more', { n: number(p.rows.length) }) : number(p.rows.length));
  const cap = capacity.data;
  const devices = cap ? cap.rows.reduce((a, r) => a + r.devices, 0) : 0;
  const used = cap ? cap.rows.reduce((a, r) => a + r.devicesAllocated, 0) : 0;
  const common = s.isOperator ? (['tenant'] as const) : (['user'] as const);

  return (
    <div className="page">
      <PageTitle title={t('dash.title')}>{t(s.isOperator ? 'dash.operatorHello' : 'dash.hello', { name: s.me.user.name })}</PageTitle>
      <section className="cards" aria-label={t('dash.title')}>
        <a className="card stat" href="#/jobs?state=running">
          <span className="stat-label">{t('dash.running')}</span>
          <span className="stat-value" data-testid="count-running">{running.loading && running.rows.length === 0 ? '…' : count(running)}</span>
        </a>
        <a className="card stat" href="#/jobs?state=pending">
          <span className="stat-label">{t('dash.pending')}</span>
          <span className="stat-value" data-testid="count-pending">{pending.loading && pending.rows.length === 0 ? '…' : count(pending)}</span>
        </a>
        <a className="card stat" href="#/cluster">
          <span className="stat-label">{t('dash.capacity')}</span>
          <span className="stat-value">{cap ? `${number(cap.totalPetaflops.headline, 1)} PF` : '…'}</span>
          <span className="muted small">{cap ? t('dash.devicesInUse', { used: number(used), total: number(devices) }) : ''}</span>
          {cap ? <Meter value={used} max={devices} label={t('dash.devicesInUse', { used, total: devices })} /> : null}
        </a>
        <AllocationsPanel />
      </section>
      <ErrorBox error={capacity.error} />

      <section aria-labelledby="running-h">
        <div className="section-head">
          <h2 id="running-h">{t('dash.running')}</h2>
          <a href="#/jobs">{t('dash.viewAll')}</a>
        </div>
        <ErrorBox error={running.error} onRetry={running.reload} />
        <JobTable pages={running} label={t('dash.running')} columns={['id', 'name', 'state', ...common, 'accelerator', 'devices', 'submitted']} height={Math.min(300, 40 + 36 * Math.max(3, running.rows.length))} testId="running-table" paginate={false} />
      </section>

      <section aria-labelledby="pending-h">
        <h2 id="pending-h">{t('dash.pending')}</h2>
        <ErrorBox error={pending.error} onRetry={pending.reload} />
        <JobTable pages={pending} label={t('dash.pending')} columns={['id', 'name', 'state', 'reason', 'estimatedStart', ...common, 'devices']} height={Math.min(300, 40 + 36 * Math.max(3, pending.rows.length))} testId="pending-table" paginate={false} />
      </section>

      <section aria-labelledby="failures-h">
        <h2 id="failures-h">{t('dash.failures')}</h2>
        <ErrorBox error={failures.error} onRetry={failures.reload} />
        <JobTable pages={failures} label={t('dash.failures')} columns={['id', 'name', 'state', 'failure', ...common, 'ended']} height={40 + 36 * Math.max(2, failures.rows.length)} testId="failures-table" paginate={false} />
      </section>
    </div>
  );
}

export function Meter({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.round((100 * value) / max) : 0;
  return (
    <span className="meter" role="meter" aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-label={label}>
      <span className="meter-fill" style={{ width: `${pct}%` }} />
    </span>
  );
}
