/**
 * One job: why it is pending and when it should start, its state timeline (GET /v1/jobs/:id/events), its
 * output followed live (the logs endpoint as an event stream), usage, and cancel. The job and its events
 * are refetched when the live stream says the job changed.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type Job, type LedgerTransaction } from '../api.ts';
import { ErrorBox, jobDevices, Loading, PageTitle, PendingReason, StateBadge } from '../components/common.tsx';
import { useLoad, useTick } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../router.ts';
import { useJobChanges, useSession } from '../session.tsx';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

export function JobDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const s = useSession();
  const job = useLoad((signal) => s.api.job(id, signal), [s.api, id]);
  const events = useLoad((signal) => s.api.jobEvents(id, signal), [s.api, id]);
  // The job's ledger entries (hold while it runs, settle when it ends); null where there is no ledger.
  const ledger = useLoad((signal) => s.api.ledger({ job: id }, signal).catch(() => null), [s.api, id]);
  useJobChanges((changes, resync) => {
    if (resync || changes.some((c) => c.id === id)) {
      job.reload();
      events.reload();
      ledger.reload();
    }
  });

  if (job.error instanceof ApiError && job.error.status === 404) {
    return (
      <div className="page">
        <PageTitle title={t('job.title', { id })}>{t('job.title', { id })}</PageTitle>
        <div className="alert alert-error" role="alert" data-testid="job-not-found">{t('job.notFound', { id })}</div>
        <p><a href="#/jobs">{t('job.back')}</a></p>
      </div>
    );
  }
  if (!job.data) return <div className="page">{job.error ? <ErrorBox error={job.error} onRetry={job.reload} /> : <Loading />}</div>;
  const j = job.data;
  return (
    <div className="page">
      <p className="crumbs"><a href="#/jobs">{t('job.back')}</a></p>
      <div className="title-row">
        <PageTitle title={t('job.title', { id })}>{j.name} <span className="mono muted small">{j.id}</span></PageTitle>
        <StateBadge state={j.state} />
        {!TERMINAL.has(j.state) ? <CancelButton job={j} onDone={() => { job.reload(); events.reload(); }} /> : null}
      </div>
      {j.state === 'pending' || j.state === 'preempted' ? <WhyPending job={j} /> : null}
      {j.warnings.length > 0 ? (
        <div className="alert alert-warn" role="note"><strong>{t('job.warnings')}</strong><ul>{j.warnings.map((w) => <li key={w}>{w}</li>)}</ul></div>
      ) : null}
      <div className="grid-2">
        <Facts job={j} ledger={ledger.data ?? null} />
        <section className="card" aria-labelledby="timeline-h">
          <h2 id="timeline-h">{t('job.timeline')}</h2>
          <ErrorBox error={events.error} />
          <ol className="timeline" data-testid="timeline">
            {(events.data?.items ?? []).map((e) => (
              <li key={e.id} className={`ev ev-${e.kind}`}>
                <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time>
                {e.toState ? <StateBadge state={e.toState} /> : null}
                <span>{e.message}</span>
              </li>
            ))}
          </ol>
        </section>
      </div>
      <Logs job={j} />
      <details className="card">
        <summary>{t('job.script')}</summary>
        <pre className="code">{j.script}</pre>
      </details>
    </div>
  );
}

function WhyPending({ job }: { job: Job }) {
  const { t, relative, dateTime } = useI18n();
  useTick(30_000);
  return (
    <section className="card why" aria-labelledby="why-h" data-testid="why-pending">
      <h2 id="why-h">{t('job.whyPending')}</h2>
      <p><PendingReason job={job} /></p>
      <p>{job.estimatedStart
        ? <>{t('job.expectedStart', { when: relative(job.estimatedStart) })} <span className="muted">({dateTime(job.estimatedStart)})</span></>
        : <span className="muted">{t('job.noEstimate')}</span>}</p>
    </section>
  );
}

function CancelButton({ job, onDone }: { job: Job; onDone(): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => { if (confirming) yes.current?.focus(); }, [confirming]);
  if (!confirming) {
    return <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>{t('job.cancel')}</button>;
  }
  return (
    <div className="confirm" role="alertdialog" aria-labelledby="cancel-q" onKeyDown={(e) => { if (e.key === 'Escape') setConfirming(false); }}>
      <span id="cancel-q">{t('job.cancelConfirm')}</span>
      <button ref={yes} type="button" className="btn btn-danger" disabled={busy} onClick={async () => {
        setBusy(true);
        try {
          await api.cancelJob(job.id);
          setConfirming(false);
          onDone();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}>{busy ? t('job.cancelling') : t('job.cancelYes')}</button>
      <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('job.cancelNo')}</button>
      <ErrorBox error={error} />
    </div>
  );
}

function Facts({ job: j, ledger }: { job: Job; ledger: { items: LedgerTransaction[] } | null }) {
  const { t, dateTime, duration, bytes, number } = useI18n();
  const s = useSession();
  useTick(10_000);
  const devices = jobDevices(j);
  const ranSeconds = j.startedAt ? ((j.endedAt ? Date.parse(j.endedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000 : 0;
  const rows: [string, ReactNode][] = [
    [t('job.tenant'), s.tenantName(j.tenant)],
    [t('job.project'), s.projectName(j.project)],
    [t('job.user'), s.userName(j.user)],
    [t('job.partition'), j.partition],
    [t('job.accelerator'), j.acceleratorType ?? (j.request.acceleratorTypes.join(', ') || t('job.anyAccelerator'))],
    [t('job.resources'), t('job.resourcesValue', { tasks: j.request.tasks, devices: j.request.devicesPerTask, cpus: j.request.cpusPerTask, mem: bytes(j.request.memoryMbPerTask) })],
    [t('job.timeLimit'), duration(j.request.timeLimitSeconds)],
    [t('job.priority'), j.priority],
    [t('job.attempt'), j.attempt],
    [t('job.submitted'), dateTime(j.submittedAt)],
    [t('job.started'), dateTime(j.startedAt)],
    [t('job.ended'), dateTime(j.endedAt)],
  ];
  if (j.exitCode !== null || j.signal) rows.push([t('job.exit'), [j.exitCode !== null ? t('job.exitValue', { code: j.exitCode }) : '', j.signal ? t('job.signal', { signal: j.signal }) : ''].filter(Boolean).join(', ')]);
  if (j.failureReason) rows.push([t('job.failure'), j.failureReason]);
  if (j.placement) rows.push([t('job.placement'), j.placement.map((p) => `${p.node} [${p.devices.join(',')}]`).join('; ')]);
  rows.push([t('job.usage'), j.startedAt && devices > 0 ? t('job.usageValue', { hours: number((devices * ranSeconds) / 3600, 3), devices }) : j.startedAt ? duration(ranSeconds) : t('job.usageNone')]);
  if (j.allocation) rows.push([t('job.allocation'), <a className="mono" href="#/allocations">{j.allocation}</a>]);
  if (j.reservation) rows.push([t('job.reservation'), <a className="mono" href="#/reservations">{j.reservation}</a>]);
  rows.push([t('job.charge'), <Charge ledger={ledger} />]);
  rows.push([t('job.workdir'), <span className="mono">{j.workingDirectory}</span>]);
  return (
    <section className="card" aria-labelledby="facts-h">
      <h2 id="facts-h">{t('job.details')}</h2>
      <dl className="facts">
        {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
      </dl>
    </section>
  );
}

function Charge({ ledger }: { ledger: { items: LedgerTransaction[] } | null }) {
  const { t, amount } = useI18n();
  if (!ledger) return <span className="muted">{t('job.chargeMissing')}</span>;
  const settled = ledger.items.filter((x) => x.kind === 'settle');
  if (settled.length > 0) {
    const su = settled.reduce((a, x) => a + x.serviceUnits, 0);
    const hours = settled.reduce((a, x) => a + x.deviceHours, 0);
    return <span data-testid="charge">{t('job.chargeSettled', { su: amount(su), hours: amount(hours) })}</span>;
  }
  const held = ledger.items.filter((x) => x.kind === 'hold').reduce((a, x) => a + x.serviceUnits, 0);
  if (held > 0) return <span data-testid="charge">{t('job.chargeHeld', { su: amount(held) })}</span>;
  return <span className="muted">{t('job.chargeNone')}</span>;
}

/** stdout / stderr, followed live while the job runs. Keeps the text per stream across tab switches. */
function Logs({ job }: { job: Job }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [text, setText] = useState({ stdout: '', stderr: '' });
  const [status, setStatus] = useState<'following' | 'ended' | 'waiting'>('waiting');
  const [error, setError] = useState<unknown>(undefined);
  const offsets = useRef({ stdout: 0, stderr: 0 });
  const pre = useRef<HTMLPreElement>(null);
  const started = job.startedAt !== null || job.state === 'running' || job.state === 'starting' || TERMINAL.has(job.state);
  const running = !TERMINAL.has(job.state);
  // Re-follow when the job starts, or ends (to read what was written last).
  const phase = !started ? 'not-started' : running ? 'running' : 'ended';

  useEffect(() => {
    if (phase === 'not-started') return;
    const ac = new AbortController();
    setStatus('following');
    setError(undefined);
    api.followLogs(job.id, stream, offsets.current[stream], (chunk, at) => {
      if (at < offsets.current[stream]) return; // already shown
      offsets.current[stream] = at + new TextEncoder().encode(chunk).length;
      setText((x) => ({ ...x, [stream]: x[stream] + chunk }));
    }, ac.signal).then((end) => {
      offsets.current[stream] = Math.max(offsets.current[stream], end);
      if (!ac.signal.aborted) setStatus('ended');
    }, (e: unknown) => {
      if (!ac.signal.aborted) {
        setError(e);
        setStatus('ended');
      }
    });
    return () => ac.abort();
  }, [api, job.id, stream, phase]);

  // Keep the newest output in view unless the reader scrolled up.
  useEffect(() => {
    const el = pre.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [text, stream]);

  const shown = text[stream];
  return (
    <section className="card" aria-labelledby="logs-h">
      <div className="section-head">
        <h2 id="logs-h">{t('job.logs')}</h2>
        <div role="tablist" aria-label={t('job.logs')} className="tabs">
          {(['stdout', 'stderr'] as const).map((st) => (
            <button key={st} type="button" role="tab" aria-selected={stream === st} className={'tab' + (stream === st ? ' tab-active' : '')} onClick={() => setStream(st)}>{st}</button>
          ))}
        </div>
        <span className="muted small" role="status">{status === 'following' && running ? t('job.logsFollowing') : status === 'ended' ? t('job.logsEnded') : ''}</span>
      </div>
      <ErrorBox error={error} />
      <pre ref={pre} className="logs" role="log" aria-live="off" data-testid="logs" tabIndex={0}>{shown === '' ? <span className="muted">{t('job.logsEmpty')}</span> : shown}</pre>
    </section>
  );
}
