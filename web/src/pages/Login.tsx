/** Log in with email and password (POST /v1/auth/login) or with an API token (checked with GET /v1/me). */
import { useState, type FormEvent } from 'react';
import { ApiClient, ApiError } from '../api.ts';
import { ErrorBox, Field, fieldAria } from '../components/common.tsx';
import { Prefs } from '../components/Layout.tsx';
import { useI18n } from '../i18n/index.tsx';
import { useAuth } from '../session.tsx';
import { LoginRequest } from '../../../src/contract/index.ts';

export function LoginPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(auth.error ?? undefined);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setFieldErrors({});
    if (mode === 'password') {
      const parsed = LoginRequest.safeParse({ email: email.trim(), password });
      if (!parsed.success) {
        setFieldErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
        return;
      }
    } else if (token.trim() === '') {
      setFieldErrors({ token: t('form.required') });
      return;
    }
    setBusy(true);
    try {
      if (mode === 'password') {
        const issued = await new ApiClient(null).login(email.trim(), password);
        await auth.login(issued.token, remember);
      } else {
        await auth.login(token.trim(), remember);
      }
      if (!location.hash || location.hash === '#/login') location.hash = '#/dashboard';
    } catch (err) {
      setError(mode === 'token' && err instanceof ApiError && err.status === 401 ? new Error(t('login.badToken', { detail: err.problem.detail })) : err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-wrap">
      <div className="login-prefs"><Prefs /></div>
      <main id="main" className="login card" tabIndex={-1}>
        <div className="brand big"><span className="logo" aria-hidden="true">▲</span> {t('app.name')} <span className="tagline">{t('app.tagline')}</span></div>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.intro').split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</p>
        <div role="tablist" aria-label={t('login.methods')} className="tabs">
          {(['password', 'token'] as const).map((m) => (
            <button key={m} type="button" role="tab" id={`tab-${m}`} aria-selected={mode === m} aria-controls="login-form" className={'tab' + (mode === m ? ' tab-active' : '')} onClick={() => setMode(m)}>
              {t(m === 'password' ? 'login.password' : 'login.token')}
            </button>
          ))}
        </div>
        <form id="login-form" role="tabpanel" aria-labelledby={`tab-${mode}`} onSubmit={submit} noValidate>
          {mode === 'password' ? (
            <>
              <Field id="email" label={t('login.email')} error={fieldErrors.email}>
                <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus {...fieldAria('email', fieldErrors.email)} />
              </Field>
              <Field id="password" label={t('login.passwordField')} error={fieldErrors.password}>
                <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required {...fieldAria('password', fieldErrors.password)} />
              </Field>
            </>
          ) : (
            <Field id="token" label={t('login.tokenField')} error={fieldErrors.token}>
              <input id="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} required autoFocus {...fieldAria('token', fieldErrors.token)} />
            </Field>
          )}
          <label className="check">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> {t('login.remember')}
          </label>
          <ErrorBox error={error} />
          <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? t('login.working') : t('login.submit')}</button>
        </form>
      </main>
    </div>
  );
}
