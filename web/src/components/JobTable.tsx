/**
 * Jobs as a live, cursor-paginated, windowed table. `useJobPages` keeps the rows loaded so far and the
 * server's `nextCursor`; scrolling near the end loads the next page (200 rows). Live changes from the
 * session's stream patch the rows in place (state first, then a refetch of the changed jobs for their
 * reason, placement and times); jobs that are new to this list raise a "new jobs" notice instead of
 * shifting the rows under the reader's eyes, unless the list is still on its first page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, JobListParams, JobStateName } from '../api.ts';
import { useThrottled, useTick } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { href, navigate } from '../router.ts';
import { useJobChanges, useSession } from '../session.tsx';
import { jobDevices, PendingReason, StateBadge } from './common.tsx';
import { VirtualTable, type Column } from './VirtualTable.tsx';

const PAGE = 200;
/** Above this many changed rows in one burst, reload the first page instead of fetching rows one by one. */
const MAX_ROW_REFETCH = 20;

export interface JobPages {
  rows: Job[];
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  newJobs: number;
  loadMore(): void;
  reload(): void;
}

export function useJobPages(params: Omit<JobListParams, 'cursor' | 'limit'>, pageSize = PAGE): JobPages {
  const { api } = useSession();
  const [rows, setRows] = useState<Job[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [newJobs, setNewJobs] = useState(0);
  const [version, setVersion] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const key = JSON.stringify(params);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  useEffect(() => {
    const ac = new AbortController();
    inFlight.current?.abort();
    inFlight.current = ac;
    setLoading(true);
    api.jobs({ ...params, limit: pageSize }, ac.signal).then((p) => {
      setRows(p.items);
      setCursor(p.nextCursor);
      setError(undefined);
      setNewJobs(0);
      setLoading(false);
    }, (e: unknown) => {
      if (ac.signal.aborted) return;
      setError(e);
      setLoading(false);
    });
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, version, pageSize]);

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    const ac = new AbortController();
    inFlight.current = ac;
    setLoading(true);
    api.jobs({ ...params, limit: pageSize, cursor }, ac.signal).then((p) => {
      setRows((r) => {
        const seen = new Set(r.map((j) => j.id));
        return [...r, ...p.items.filter((j) => !seen.has(j.id))];
      });
      setCursor(p.nextCursor);
      setLoading(false);
    }, (e: unknown) => {
      if (ac.signal.aborted) return;
      setError(e);
      setLoading(false);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, cursor, loading, key, pageSize]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);

  // Live updates.
  const reloadSoon = useThrottled(reload, 1000);
  const pending = useRef(new Set<string>());
  const refetchChanged = useThrottled(() => {
    const ids = [...pending.current];
    pending.current.clear();
    if (ids.length > MAX_ROW_REFETCH) {
      reload();
      return;
    }
    for (const id of ids) {
      api.job(id).then((j) => {
        const inFilter = !params.state || params.state.length === 0 || params.state.includes(j.state);
        setRows((r) => (inFilter ? r.map((x) => (x.id === id ? j : x)) : r.filter((x) => x.id !== id)));
      }, () => {});
    }
  }, 500);
  useJobChanges((changes, resync) => {
    if (resync) {
      reload();
      return;
    }
    const known = new Map(rowsRef.current.map((j) => [j.id, j]));
    const states = new Map<string, JobStateName>();
    let fresh = 0;
    for (const c of changes) {
      if (known.has(c.id)) {
        states.set(c.id, c.state);
        pending.current.add(c.id);
      } else if (!params.state || params.state.length === 0 || params.state.includes(c.state)) {
        fresh++;
      }
    }
    if (states.size > 0) {
      setRows((r) => r.map((j) => (states.has(j.id) ? { ...j, state: states.get(j.id)! } : j)));
      refetchChanged();
    }
    if (fresh > 0) {
      // Still on the first page: just show them. Further down: say so, and let the reader choose.
      if (!cursor || rowsRef.current.length <= pageSize) reloadSoon();
      else setNewJobs((n) => n + fresh);
    }
  });

  return { rows, hasMore: cursor !== null, loading, error, newJobs, loadMore, reload };
}

export type JobColumn = 'id' | 'name' | 'state' | 'reason' | 'failure' | 'estimatedStart' | 'accelerator' | 'devices' | 'submitted' | 'tenant' | 'user' | 'partition' | 'priority' | 'ended';

export function useJobColumns(which: readonly JobColumn[]): Column<Job>[] {
  const { t, relative, dateTime } = useI18n();
  const session = useSession();
  useTick(30_000);
  const all: Record<JobColumn, Column<Job>> = {
    id: { key: 'id', header: t('col.id'), width: 'minmax(11.5rem, 1.2fr)', render: (j) => <a href={href('jobs', j.id)} className="mono">{j.id}</a> },
    name: { key: 'name', header: t('col.name'), width: 'minmax(8rem, 1fr)', render: (j) => <span title={j.name}>{j.name}</span> },
    state: { key: 'state', header: t('col.state'), width: '6.5rem', render: (j) => <StateBadge state={j.state} /> },
    reason: { key: 'reason', header: t('col.reason'), width: 'minmax(8rem, 2fr)', render: (j) => (j.state === 'pending' ? <PendingReason job={j} short /> : j.failureReason ? <span className="muted" title={j.failureReason}>{j.failureReason}</span> : null) },
    failure: { key: 'failure', header: t('col.failure'), width: 'minmax(10rem, 2fr)', render: (j) => <span className="muted" title={j.failureReason ?? undefined}>{j.failureReason ?? (j.exitCode !== null ? t('job.exitValue', { code: j.exitCode }) : j.signal ? t('job.signal', { signal: j.signal }) : '')}</span> },
    estimatedStart: { key: 'estimatedStart', header: t('col.estimatedStart'), width: '7.5rem', render: (j) => (j.state === 'pending' ? <span title={j.estimatedStart ? dateTime(j.estimatedStart) : undefined}>{j.estimatedStart ? relative(j.estimatedStart) : '—'}</span> : null) },
    accelerator: { key: 'accelerator', header: t('col.accelerator'), width: 'minmax(7rem, 1fr)', render: (j) => <span className="muted" title={j.acceleratorType ?? j.request.acceleratorTypes.join(', ')}>{j.acceleratorType ?? (j.request.acceleratorTypes.join(', ') || (j.request.devicesPerTask > 0 ? t('job.anyAccelerator') : 'CPU'))}</span> },
    devices: { key: 'devices', header: t('col.devices'), width: '4.5rem', className: 'num', render: (j) => jobDevices(j) },
    submitted: { key: 'submitted', header: t('col.submitted'), width: '6rem', render: (j) => <span title={dateTime(j.submittedAt)}>{relative(j.submittedAt)}</span> },
    tenant: { key: 'tenant', header: t('col.tenant'), width: 'minmax(6.5rem, 0.8fr)', render: (j) => session.tenantName(j.tenant) },
    user: { key: 'user', header: t('col.user'), width: 'minmax(6rem, 1fr)', render: (j) => <span className="muted" title={session.userName(j.user)}>{session.userName(j.user)}</span> },
    partition: { key: 'partition', header: t('col.partition'), width: '5.5rem', render: (j) => j.partition },
    priority: { key: 'priority', header: t('col.priority'), width: '5rem', className: 'num', render: (j) => j.priority },
    ended: { key: 'ended', header: t('col.ended'), width: '7rem', render: (j) => <span title={dateTime(j.endedAt)}>{relative(j.endedAt)}</span> },
  };
  return which.map((w) => all[w]);
}

/** `paginate: false` shows the first page only (dashboard lists link to the full list instead). */
export function JobTable(props: { pages: JobPages; columns: readonly JobColumn[]; height?: number | 'fill'; label: string; testId?: string; paginate?: boolean }) {
  const { t } = useI18n();
  const columns = useJobColumns(props.columns);
  const { pages } = props;
  return (
    <VirtualTable
      label={props.label}
      rows={pages.rows}
      columns={columns}
      rowKey={(j) => j.id}
      onOpen={(j) => navigate(href('jobs', j.id))}
      onEndReached={props.paginate === false ? undefined : pages.loadMore}
      hasMore={props.paginate === false ? false : pages.hasMore}
      height={props.height ?? 'fill'}
      empty={pages.loading ? t('app.loading') : t('jobs.none')}
      testId={props.testId}
    />
  );
}
