/** The frame around every logged-in page: skip link, header (language, theme, live status, user), navigation. */
import type { ReactNode } from 'react';
import { LANG_NAMES, LANGS, useI18n, type Lang, type MessageKey } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { useTheme, type ThemeChoice } from '../theme.ts';

interface NavItem {
  to: string;
  label: MessageKey;
  operatorOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: 'dashboard', label: 'nav.dashboard' },
  { to: 'jobs', label: 'nav.jobs' },
  { to: 'submit', label: 'nav.submit' },
  { to: 'datasets', label: 'nav.datasets' },
  { to: 'cluster', label: 'nav.cluster' },
  { to: 'queue', label: 'nav.queue', operatorOnly: true },
  { to: 'reservations', label: 'nav.reservations' },
  { to: 'testbed', label: 'nav.testbed' },
  { to: 'quotas', label: 'nav.quotas' },
  { to: 'allocations', label: 'nav.allocations' },
  { to: 'programs', label: 'nav.programs' },
  { to: 'applications', label: 'nav.applications' },
  { to: 'usage', label: 'nav.usage' },
  { to: 'tenants', label: 'nav.tenants', operatorOnly: true },
  { to: 'users', label: 'nav.users' },
  { to: 'audit', label: 'nav.audit', operatorOnly: true },
  { to: 'account', label: 'nav.account' },
];

export function Prefs() {
  const { t, lang, setLang } = useI18n();
  const [theme, setTheme] = useTheme();
  return (
    <div className="prefs">
      <label>
        <span className="sr-only">{t('prefs.language')}</span>
        <select aria-label={t('prefs.language')} value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang">
          {LANGS.map((l) => <option key={l} value={l} lang={l}>{LANG_NAMES[l]}</option>)}
        </select>
      </label>
      <label>
        <span className="sr-only">{t('prefs.theme')}</span>
        <select aria-label={t('prefs.theme')} value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)} data-testid="theme">
          {(['system', 'light', 'dark'] as const).map((c) => <option key={c} value={c}>{t(`prefs.theme.${c}`)}</option>)}
        </select>
      </label>
    </div>
  );
}

export function Layout({ current, children }: { current: string; children: ReactNode }) {
  const { t } = useI18n();
  const s = useSession();
  const liveText = s.live === 'open' ? t('app.live') : s.live === 'connecting' ? t('app.liveConnecting') : t('app.liveOffline');
  return (
    <div className="shell">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('app.skip')}</a>
      <header className="topbar">
        <a className="brand" href="#/dashboard">
          <span className="logo" aria-hidden="true">▲</span> {t('app.name')}
          <span className="tagline">{t('app.tagline')}</span>
        </a>
        <div className="topbar-right">
          <span className={`live live-${s.live}`} title={t('app.liveTitle')} data-testid="live" data-live={s.live} role="status">
            <span className="dot" aria-hidden="true" /> {liveText}
          </span>
          <Prefs />
          <span className="who" title={t('auth.signedInAs', { email: s.me.user.email })}>
            {s.me.user.name} <span className="muted">· {t(`role.${s.me.user.role}`)}{s.me.tenant ? ` · ${s.me.tenant.slug}` : ''}</span>
          </span>
          <button type="button" className="btn btn-quiet" onClick={s.logout}>{t('auth.logout')}</button>
        </div>
      </header>
      <nav className="sidenav" aria-label={t('nav.main')}>
        <ul>
          {NAV.filter((n) => !n.operatorOnly || s.isOperator).map((n) => (
            <li key={n.to}>
              <a href={`#/${n.to}`} aria-current={current === n.to ? 'page' : undefined}>{t(n.label)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
