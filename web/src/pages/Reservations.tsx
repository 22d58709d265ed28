/**
 * Reservations (GET /v1/reservations): whole nodes held for one organization during a window — a class, a
 * demo, a deadline. Everyone sees their organization's; operators see all, reserve nodes and cancel.
 * A job runs inside one by naming it on the submit page (or `#SBATCH --reservation`).
 */
import { useState, type FormEvent } from 'react';
import { ReservationCreate } from '../../../src/contract/index.ts';
import type { Reservation } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { useSchemaForm } from '../forms.ts';

const STATE_KEY: Record<Reservation['state'], MessageKey> = {
  upcoming: 'rsv.state.upcoming', active: 'rsv.state.active', ended: 'rsv.state.ended', cancelled: 'rsv.state.cancelled',
};

export function ReservationsPage() {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const list = useLoad((signal) => s.api.reservations({}, signal), [s.api]);
  const [error, setError] = useState<unknown>(undefined);
  const cancel = async (id: string) => {
    try {
      await s.api.cancelReservation(id);
      setError(undefined);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const items = list.data?.items ?? [];
  return (
    <div className="page">
      <PageTitle title={t('rsv.title')}>{t('rsv.title')}</PageTitle>
      <p className="muted">{t('rsv.intro')}</p>
      <ErrorBox error={list.error ?? error} onRetry={list.reload} />
      {!list.data ? (list.error ? null : <Loading />) : items.length === 0 ? <p className="muted">{t('rsv.none')}</p> : (
        <table className="table card" data-testid="reservations-table">
          <thead>
            <tr>
              <th scope="col">{t('rsv.name')}</th>
              {s.isOperator ? <th scope="col">{t('col.tenant')}</th> : null}
              <th scope="col">{t('col.state')}</th>
              <th scope="col">{t('rsv.nodes')}</th>
              <th scope="col">{t('rsv.window')}</th>
              {s.isOperator ? <th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-reservation={r.id}>
                <th scope="row">{r.name}<div className="muted small mono">{r.id}</div></th>
                {s.isOperator ? <td>{s.tenantName(r.tenant)}</td> : null}
                <td><span className={`badge state-${r.state}`} data-state={r.state}>{t(STATE_KEY[r.state])}</span></td>
                <td className="mono small">{r.nodes.join(', ')}</td>
                <td className="small">{dateTime(r.startsAt)} – {dateTime(r.endsAt)}</td>
                {s.isOperator ? (
                  <td>{r.state === 'upcoming' || r.state === 'active'
                    ? <button type="button" className="btn btn-small" onClick={() => cancel(r.id)}>{t('rsv.cancel')}</button>
                    : null}</td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.isOperator ? <ReserveForm onDone={list.reload} /> : null}
    </div>
  );
}

function ReserveForm({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const local = (ms: number) => new Date(ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const hour = 3_600_000;
  const next = Math.ceil(Date.now() / hour) * hour;
  const [f, setF] = useState({ tenant: '', name: '', nodes: '', startsAt: local(next), endsAt: local(next + 3 * hour) });
  const { errors, problem, send } = useSchemaForm();
  async function submit(e: FormEvent) {
    e.preventDefault();
    // datetime-local gives the browser's local time; the API takes instants
    const instant = (v: string) => (v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : v);
    const body = {
      tenant: f.tenant, name: f.name.trim(), nodes: f.nodes.split(',').map((n) => n.trim()).filter(Boolean),
      startsAt: instant(f.startsAt), endsAt: instant(f.endsAt),
    };
    if (await send(ReservationCreate, body, () => s.api.createReservation(body))) {
      setF({ ...f, name: '', nodes: '' });
      onDone();
    }
  }
  const input = (k: Exclude<keyof typeof f, 'tenant'>, label: string, props: Record<string, unknown> = {}) => (
    <Field id={`rf-${k}`} label={label} error={errors[k]}>
      <input id={`rf-${k}`} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} {...fieldAria(`rf-${k}`, errors[k])} {...props} />
    </Field>
  );
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="rf-h">
      <h2 id="rf-h">{t('rsv.reserve')}</h2>
      <div className="row">
        <Field id="rf-tenant" label={t('col.tenant')} error={errors.tenant}>
          <select id="rf-tenant" value={f.tenant} onChange={(e) => setF({ ...f, tenant: e.target.value })} {...fieldAria('rf-tenant', errors.tenant)}>
            <option value="">—</option>
            {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug}</option>)}
          </select>
        </Field>
        {input('name', t('rsv.name'))}
        {input('nodes', t('rsv.nodesInput'), { className: 'mono', placeholder: 'gpu-001, gpu-002' })}
        {input('startsAt', t('rsv.starts'), { type: 'datetime-local' })}
        {input('endsAt', t('rsv.ends'), { type: 'datetime-local' })}
      </div>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary">{t('rsv.reserve')}</button>
    </form>
  );
}
