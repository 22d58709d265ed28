/** Users: who can log in, with role and organization; operators (and tenant owners) add users (UserCreate). */
import { useState, type FormEvent } from 'react';
import { USER_ROLES, UserCreate } from '../../../src/contract/index.ts';
import { useSchemaForm } from '../forms.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

export function UsersPage() {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const users = useLoad((signal) => s.api.users(signal), [s.api]);
  const canCreate = s.isOperator || s.me.user.role === 'owner';
  const roles = s.isOperator ? USER_ROLES : USER_ROLES.filter((r) => r !== 'operator');
  const [form, setForm] = useState({ email: '', name: '', role: 'member', tenant: '', password: '' });
  const { errors, problem, send } = useSchemaForm();
  const [done, setDone] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [resetLink, setResetLink] = useState<{ email: string; link: string; until: string } | null>(null);
  const manage = (u: { id: string; role: string; tenant: string | null }) =>
    u.id !== s.me.user.id && (s.isOperator || (s.me.user.role === 'owner' && u.role !== 'operator' && u.tenant === s.me.tenant?.id));
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await fn();
      users.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  async function create(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const body = {
      email: form.email.trim(), name: form.name.trim(), role: form.role,
      ...(form.role !== 'operator' && form.tenant ? { tenant: form.tenant } : {}),
      ...(form.password ? { password: form.password } : {}),
    };
    const ok = await send(UserCreate, body, async (data) => {
      const u = await s.api.createUser(data);
      setDone(t('users.created', { email: u.email }));
    });
    if (ok) {
      setForm({ ...form, email: '', name: '', password: '' });
      users.reload();
      s.refreshDirectory();
    }
  }

  return (
    <div className="page">
      <PageTitle title={t('users.title')}>{t('users.title')}</PageTitle>
      <p className="muted">{t('users.intro')}</p>
      <ErrorBox error={users.error} onRetry={users.reload} />
      {users.data ? (
        <table className="table card" data-testid="users-table">
          <thead><tr><th scope="col">{t('users.email')}</th><th scope="col">{t('users.name')}</th><th scope="col">{t('users.role')}</th><th scope="col">{t('users.tenant')}</th><th scope="col">{t('job.submitted')}</th><th scope="col">{t('users.status')}</th><th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th></tr></thead>
          <tbody>
            {users.data.items.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.email}</th><td>{u.name}</td><td>{t(`role.${u.role}`)}</td>
                <td>{u.tenant ? s.tenantName(u.tenant) : t('users.noTenant')}</td><td>{dateTime(u.createdAt)}</td>
                <td>{u.disabledAt ? <span className="badge state-failed" data-disabled="true">{t('users.disabled')}</span> : <span className="badge state-succeeded">{t('users.active')}</span>}</td>
                <td className="actions">{manage(u) ? (
                  <>
                    <button type="button" className="btn btn-small" onClick={() => act(() => s.api.setUserDisabled(u.id, !u.disabledAt))}
                      aria-label={`${u.disabledAt ? t('users.enable') : t('users.disable')} ${u.email}`}>{u.disabledAt ? t('users.enable') : t('users.disable')}</button>{' '}
                    {!u.disabledAt ? (
                      <button type="button" className="btn btn-small" aria-label={`${t('users.resetPassword')} ${u.email}`} onClick={() => act(async () => {
                        const r = await s.api.issuePasswordReset(u.id);
                        setResetLink({ email: r.email, link: `${location.origin}${r.link}`, until: dateTime(r.expiresAt) });
                      })}>{t('users.resetPassword')}</button>
                    ) : null}
                  </>
                ) : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Loading />}
      <ErrorBox error={actionError} />
      {resetLink ? (
        <p role="status" className="card" data-testid="reset-link">{t('users.resetIssued', { email: resetLink.email, until: resetLink.until })} <code className="secret">{resetLink.link}</code></p>
      ) : null}
      {canCreate ? (
        <form className="card form-inline" onSubmit={create} noValidate aria-labelledby="user-create-h">
          <h2 id="user-create-h">{t('users.create')}</h2>
          <div className="row">
            <Field id="u-email" label={t('users.email')} error={errors.email}>
              <input id="u-email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} {...fieldAria('u-email', errors.email)} />
            </Field>
            <Field id="u-name" label={t('users.name')} error={errors.name}>
              <input id="u-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} {...fieldAria('u-name', errors.name)} />
            </Field>
            <Field id="u-role" label={t('users.role')} error={errors.role}>
              <select id="u-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
                {roles.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
              </select>
            </Field>
            {s.isOperator && form.role !== 'operator' ? (
              <Field id="u-tenant" label={t('users.tenant')} error={errors.tenant}>
                <select id="u-tenant" value={form.tenant} onChange={(e) => setForm({ ...form, tenant: e.target.value })} {...fieldAria('u-tenant', errors.tenant)}>
                  <option value="">—</option>
                  {s.tenants.map((tn) => <option key={tn.id} value={tn.id}>{tn.slug}</option>)}
                </select>
              </Field>
            ) : null}
            <Field id="u-password" label={t('users.password')} error={errors.password}>
              <input id="u-password" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} {...fieldAria('u-password', errors.password)} />
            </Field>
          </div>
          <ErrorBox error={problem} />
          {done ? <p role="status" className="ok">{done}</p> : null}
          <button type="submit" className="btn btn-primary">{t('users.create')}</button>
        </form>
      ) : null}
    </div>
  );
}
