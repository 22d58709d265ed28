/** Tenants (operators): the organizations using the center, and adding one (TenantCreate). */
import { useState, type FormEvent } from 'react';
import { SECTORS, TENANT_KINDS, TenantCreate } from '../../../src/contract/index.ts';
import { useSchemaForm } from '../forms.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

export function TenantsPage() {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const tenants = useLoad((signal) => s.api.tenants(signal), [s.api]);
  const [form, setForm] = useState({ slug: '', name: '', kind: 'startup', sector: 'other' });
  const { errors, problem, send } = useSchemaForm();
  const [done, setDone] = useState<string | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const ok = await send(TenantCreate, form, async (body) => {
      const created = await s.api.createTenant(body);
      setDone(t('tenants.created', { name: created.name }));
    });
    if (ok) {
      setForm({ slug: '', name: '', kind: form.kind, sector: form.sector });
      tenants.reload();
      s.refreshDirectory();
    }
  }

  return (
    <div className="page">
      <PageTitle title={t('tenants.title')}>{t('tenants.title')}</PageTitle>
      <p className="muted">{t('tenants.intro')}</p>
      <ErrorBox error={tenants.error} onRetry={tenants.reload} />
      {tenants.data ? (
        <table className="table card" data-testid="tenants-table">
          <thead><tr><th scope="col">slug</th><th scope="col">{t('tenants.name')}</th><th scope="col">{t('tenants.kind')}</th><th scope="col">{t('tenants.sector')}</th><th scope="col">{t('job.submitted')}</th></tr></thead>
          <tbody>
            {tenants.data.items.map((tn) => (
              <tr key={tn.id}>
                <th scope="row"><a href={`#/jobs?tenant=${encodeURIComponent(tn.id)}`} className="mono">{tn.slug}</a></th>
                <td>{tn.name}</td><td>{t(`kind.${tn.kind}`)}</td><td>{t(`sector.${tn.sector}`)}</td><td>{dateTime(tn.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Loading />}
      <form className="card form-inline" onSubmit={create} noValidate aria-labelledby="tenant-create-h">
        <h2 id="tenant-create-h">{t('tenants.create')}</h2>
        <div className="row">
          <Field id="t-slug" label={t('tenants.slug')} error={errors.slug}>
            <input id="t-slug" className="mono" value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} {...fieldAria('t-slug', errors.slug)} />
          </Field>
          <Field id="t-name" label={t('tenants.name')} error={errors.name}>
            <input id="t-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} {...fieldAria('t-name', errors.name)} />
          </Field>
          <Field id="t-kind" label={t('tenants.kind')}>
            <select id="t-kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
              {TENANT_KINDS.map((k) => <option key={k} value={k}>{t(`kind.${k}`)}</option>)}
            </select>
          </Field>
          <Field id="t-sector" label={t('tenants.sector')}>
            <select id="t-sector" value={form.sector} onChange={(e) => setForm({ ...form, sector: e.target.value })}>
              {SECTORS.map((k) => <option key={k} value={k}>{t(`sector.${k}`)}</option>)}
            </select>
          </Field>
        </div>
        <ErrorBox error={problem} />
        {done ? <p role="status" className="ok">{done}</p> : null}
        <button type="submit" className="btn btn-primary">{t('tenants.create')}</button>
      </form>
    </div>
  );
}
