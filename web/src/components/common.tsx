/** Small shared pieces: state badges, error boxes, form fields, page headings. */
import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError, ContractError, type Job, type JobStateName } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';

export function StateBadge({ state }: { state: JobStateName }) {
  const { t } = useI18n();
  return <span className={`badge state-${state}`} data-state={state}>{t(`state.${state}` as MessageKey)}</span>;
}

/** The pending reason in words, with the scheduler's own message as detail. */
export function PendingReason({ job, short = false }: { job: Job; short?: boolean }) {
  const { t } = useI18n();
  if (!job.pendingReason) return null;
  const text = t(`reason.${job.pendingReason}` as MessageKey);
  if (short) return <span title={job.pendingMessage ?? undefined} data-reason={job.pendingReason}>{text}</span>;
  return (
    <>
      <strong data-reason={job.pendingReason}>{text}</strong>
      {job.pendingMessage ? <span className="muted"> — {job.pendingMessage}</span> : null}
    </>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (error === undefined || error === null) return null;
  let title = t('app.error');
  let detail = String(error);
  let fields: { path: string; message: string }[] = [];
  if (error instanceof ApiError) {
    title = error.problem.title;
    detail = error.problem.detail;
    fields = error.problem.errors ?? [];
  } else if (error instanceof ContractError || error instanceof Error) {
    detail = error.message;
  }
  return (
    <div className="alert alert-error" role="alert">
      <strong>{title}</strong>
      <div>{detail}</div>
      {fields.length > 0 ? (
        <ul>{fields.map((f) => <li key={f.path}><code>{f.path}</code>: {f.message}</li>)}</ul>
      ) : null}
      {onRetry ? <button type="button" className="btn" onClick={onRetry}>{t('app.retry')}</button> : null}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted" role="status" aria-live="polite">{t('app.loading')}</p>;
}

/** A labelled form field; `error` is announced and tied to the input with aria-describedby. */
export function Field(props: { id: string; label: string; error?: string | undefined; hint?: string | undefined; children: ReactNode; className?: string }) {
  return (
    <div className={'field ' + (props.error ? 'field-invalid ' : '') + (props.className ?? '')}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <small id={`${props.id}-hint`} className="muted">{props.hint}</small> : null}
      {props.error ? <small id={`${props.id}-error`} className="field-error" role="alert">{props.error}</small> : null}
    </div>
  );
}

/** aria attributes for the input inside a Field with the same id, hint and error. */
export function fieldAria(id: string, error?: string, hint?: string): { 'aria-invalid': boolean; 'aria-describedby'?: string } {
  const d = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-invalid': Boolean(error), ...(d ? { 'aria-describedby': d } : {}) };
}

/** A page's h1; focused on navigation so screen readers announce the new page. */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Cheomdan`;
    ref.current?.focus({ preventScroll: true });
  }, [title]);
  return <h1 ref={ref} tabIndex={-1}>{children}</h1>;
}

/** Devices a job asks for in all: tasks × devices per task. */
export const jobDevices = (j: Job) => j.request.tasks * j.request.devicesPerTask;

export function shortId(id: string): string {
  return id.length > 16 ? id.slice(0, 16) + '…' : id;
}
