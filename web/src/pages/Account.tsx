/** Account: who I am, my projects, and my API tokens (create, shown once; revoke). */
import { useState, type FormEvent } from 'react';
import { ErrorBox, Field, Loading, PageTitle } from '../components/common.tsx';
import { useNewPassword } from '../components/NewPassword.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { SCOPES } from '../../../src/contract/index.ts';
import { useSession } from '../session.tsx';

export function AccountPage() {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const tokens = useLoad(() => s.api.tokens(), [s.api]);
  const [name, setName] = useState('portal');
  const [days, setDays] = useState('90');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['read', 'jobs']));
  const [secret, setSecret] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(undefined);

  async function create(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    try {
      const issued = await s.api.createToken(name.trim(), Number(days) || undefined, SCOPES.filter((x) => scopes.has(x)));
      setSecret(issued.token);
      tokens.reload();
    } catch (err) {
      setProblem(err);
    }
  }

  return (
    <div className="page">
      <PageTitle title={t('account.title')}>{t('account.title')}</PageTitle>
      <section className="card">
        <p><strong>{s.me.user.name}</strong> · {s.me.user.email} · {t(`role.${s.me.user.role}`)}{s.me.tenant ? ` · ${s.me.tenant.name}` : ''}</p>
        {s.me.projects.length > 0 ? <p>{t('account.projects')}: {s.me.projects.map((p) => p.slug).join(', ')}</p> : null}
      </section>
      <PasswordChangeForm />
      <section className="card" aria-labelledby="tokens-h">
        <h2 id="tokens-h">{t('account.tokens')}</h2>
        <p className="muted">{t('account.tokensIntro')}</p>
        <ErrorBox error={tokens.error} />
        {tokens.data ? (
          <table className="table">
            <thead><tr><th scope="col">{t('account.tokenName')}</th><th scope="col">{t('account.prefix')}</th><th scope="col">{t('account.scopes')}</th><th scope="col">{t('job.submitted')}</th><th scope="col">{t('account.lastUsed')}</th><th scope="col">{t('account.expires')}</th><th scope="col"><span className="sr-only">{t('account.revoke')}</span></th></tr></thead>
            <tbody>
              {tokens.data.items.map((tk) => (
                <tr key={tk.id}>
                  <th scope="row">{tk.name}</th><td className="mono">{tk.prefix}…</td><td className="small">{tk.scopes.join(', ')}</td><td>{dateTime(tk.createdAt)}</td>
                  <td>{dateTime(tk.lastUsedAt)}</td><td>{tk.expiresAt ? dateTime(tk.expiresAt) : t('account.never')}</td>
                  <td><button type="button" className="btn btn-small" onClick={async () => {
                    try { await s.api.revokeToken(tk.id); tokens.reload(); } catch (err) { setProblem(err); }
                  }} aria-label={`${t('account.revoke')} ${tk.name}`}>{t('account.revoke')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <Loading />}
        <form className="form-inline" onSubmit={create}>
          <div className="row">
            <Field id="token-name" label={t('account.tokenName')}>
              <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
            </Field>
            <Field id="token-days" label={t('account.expiresInDays')}>
              <input id="token-days" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
            </Field>
          </div>
          <fieldset className="scopes">
            <legend>{t('account.scopes')}</legend>
            {SCOPES.map((x) => (
              <label key={x} className="check">
                <input type="checkbox" checked={scopes.has(x)} onChange={(e) => {
                  const next = new Set(scopes);
                  if (e.target.checked) next.add(x); else next.delete(x);
                  setScopes(next);
                }} /> <code>{x}</code> <span className="muted small">{t(`scope.${x}` as MessageKey)}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" className="btn btn-primary">{t('account.tokenCreate')}</button>
        </form>
        <ErrorBox error={problem} />
        {secret ? <p role="status">{t('account.tokenCreated')} <code className="secret" data-testid="new-token">{secret}</code></p> : null}
      </section>
    </div>
  );
}

function PasswordChangeForm() {
  const { t } = useI18n();
  const s = useSession();
  const [current, setCurrent] = useState('');
  const next = useNewPassword('pw');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    setProblem(undefined);
    if (!next.agree()) return;
    try {
      await s.api.changePassword(current, next.value);
      setCurrent('');
      next.clear();
      setDone(true);
    } catch (err) {
      setProblem(err);
    }
  }
  return (
    <form className="card form-inline" onSubmit={submit} aria-labelledby="pw-h" data-testid="password-change">
      <h2 id="pw-h">{t('account.changePassword')}</h2>
      <div className="row">
        <Field id="pw-current" label={t('account.currentPassword')}>
          <input id="pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        {next.fields}
      </div>
      <ErrorBox error={problem} />
      {done ? <p role="status" className="ok">{t('account.passwordChanged')}</p> : null}
      <button type="submit" className="btn">{t('account.changePassword')}</button>
    </form>
  );
}
