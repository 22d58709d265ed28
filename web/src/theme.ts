/** Light / dark / follow the system. Colours are CSS variables per [data-theme] in styles.css. */
import { useCallback, useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'cheomdan.theme';

function apply(choice: ThemeChoice): void {
  const dark = choice === 'dark' || (choice === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function useTheme(): [ThemeChoice, (c: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(() => {
    try {
      const v = localStorage.getItem(KEY);
      if (v === 'light' || v === 'dark' || v === 'system') return v;
    } catch {
      /* storage blocked */
    }
    return 'system';
  });
  useEffect(() => {
    apply(choice);
    if (choice !== 'system') return;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const on = () => apply('system');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [choice]);
  const set = useCallback((c: ThemeChoice) => {
    setChoice(c);
    try {
      localStorage.setItem(KEY, c);
    } catch {
      /* storage blocked */
    }
  }, []);
  return [choice, set];
}
