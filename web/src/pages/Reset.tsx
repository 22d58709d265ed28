/**
 * Setting a password with a one-time reset code (POST /v1/auth/reset): the page an operator's or owner's
 * reset link opens (#/reset?code=…), without logging in. The code is used once; then log in.
 */
import { useState, type FormEvent } from 'react';
import { ApiClient } from '../api.ts';
import { ErrorBox, Field, PageTitle } from '../components/common.tsx';
import { useNewPassword } from '../components/NewPassword.tsx';
import { Prefs } from '../components/Layout.tsx';
import { useI18n } from '../i18n/index.tsx';
import { useRoute } from '../router.ts';

export function ResetPage() {
  const { t } = useI18n();
  const route = useRoute();
  const [code, setCode] = useState(route.query.get('code') ?? '');
  const next = useNewPassword('reset');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    if (!next.agree()) return;
    try {
      await new ApiClient(null).resetPassword(code.trim(), next.value);
      setDone(true);
    } catch (err) {
      setProblem(err);
    }
  }
  return (
    <div className="login-wrap">
      <div className="login-prefs"><Prefs /></div>
      <main id="main" className="login card" tabIndex={-1}>
      <form onSubmit={submit} aria-labelledby="reset-h">
        <div className="brand big"><span className="logo" aria-hidden="true">▲</span> {t('app.name')}</div>
        <PageTitle title={t('reset.title')}><span id="reset-h">{t('reset.title')}</span></PageTitle>
        {done ? (
          <p role="status" className="ok">{t('reset.done')} <a href="#/">{t('reset.toLogin')}</a></p>
        ) : (
          <>
            <p className="muted">{t('reset.intro')}</p>
            <Field id="reset-code" label={t('reset.code')}>
              <input id="reset-code" className="mono" value={code} onChange={(e) => setCode(e.target.value)} />
            </Field>
            {next.fields}
            <ErrorBox error={problem} />
            <button type="submit" className="btn btn-primary">{t('reset.submit')}</button>
          </>
        )}
      </form>
      </main>
    </div>
  );
}
