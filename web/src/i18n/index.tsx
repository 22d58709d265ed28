/**
 * Language: a context with `t(key, params)` and locale-aware formatting (numbers, times, "in 5 min").
 * The choice is kept in localStorage and mirrored on <html lang> so screen readers pronounce Korean as
 * Korean. Missing Korean text cannot happen (ko.ts is typed against en.ts's keys).
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en.ts';
import { ko } from './ko.ts';

export type Lang = 'en' | 'ko';
export const LANGS: readonly Lang[] = ['en', 'ko'];
export const LANG_NAMES: Record<Lang, string> = { en: 'English', ko: '한국어' };
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, ko };
const LOCALES: Record<Lang, string> = { en: 'en-GB', ko: 'ko-KR' };

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, params?: Params): string;
  number(n: number, digits?: number): string;
  /** An amount with as many decimals as its size needs (0.0006 → "0.001", 1,234.5 → "1,234.5", 98,765 → "98,765"). */
  amount(n: number): string;
  dateTime(iso: string | number | null): string;
  /** "in 5 min", "3 h ago" — relative to now. */
  relative(iso: string | number | null): string;
  duration(seconds: number): string;
  bytes(mb: number): string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem('cheomdan.lang');
    if (saved === 'en' || saved === 'ko') return saved;
  } catch {
    /* storage blocked */
  }
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    document.documentElement.lang = l;
    try {
      localStorage.setItem('cheomdan.lang', l);
    } catch {
      /* storage blocked: the choice lasts for this page */
    }
  }, []);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = lang;
    const locale = LOCALES[lang];
    const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
    const nf = new Map<number, Intl.NumberFormat>();
    const numberFormat = (digits: number) => {
      let f = nf.get(digits);
      if (!f) nf.set(digits, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
      return f;
    };
    const t = (key: MessageKey, params?: Params) => translate(lang, key, params);
    return {
      lang,
      setLang,
      t,
      number: (n, digits = 0) => numberFormat(digits).format(n),
      amount: (n) => { const a = Math.abs(n); return numberFormat(a === 0 || a >= 10_000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3).format(n); },
      dateTime: (v) => (v === null ? '—' : dtf.format(new Date(v))),
      relative: (v) => {
        if (v === null) return '—';
        const diff = (new Date(v).getTime() - Date.now()) / 1000;
        const abs = Math.abs(diff);
        if (abs < 45) return t('time.now');
        if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
        if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
        return rtf.format(Math.round(diff / 86400), 'day');
      },
      duration: (s) => {
        const h = Math.floor(s / 3600);
        const m = Math.round((s % 3600) / 60);
        if (h === 0) return t('time.minutes', { n: m });
        return m === 0 ? t('time.hours', { n: h }) : `${t('time.hours', { n: h })} ${t('time.minutes', { n: m })}`;
      },
      bytes: (mb) => (mb >= 1024 ? `${numberFormat(1).format(mb / 1024)} GB` : `${numberFormat(0).format(mb)} MB`),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export type { MessageKey };
