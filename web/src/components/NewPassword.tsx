/** A new password typed twice (password change, reset): the two fields, and the check that they agree. */
import { useState } from 'react';
import { Field } from './common.tsx';
import { useI18n } from '../i18n/index.tsx';

export function useNewPassword(idPrefix: string) {
  const { t } = useI18n();
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  return {
    value: next,
    /** True when both agree; otherwise shows the error on the second field. */
    agree(): boolean {
      setError(next === again ? undefined : t('account.passwordsDiffer'));
      return next === again;
    },
    clear(): void {
      setNext('');
      setAgain('');
    },
    fields: (
      <>
        <Field id={`${idPrefix}-new`} label={t('account.newPassword')} hint={t('account.passwordHint')}>
          <input id={`${idPrefix}-new`} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        <Field id={`${idPrefix}-again`} label={t('account.newPasswordAgain')} error={error}>
          <input id={`${idPrefix}-again`} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
      </>
    ),
  };
}
