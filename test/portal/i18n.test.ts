/** The portal's Korean and English messages: the same keys, the same {parameters}, nothing left empty. */
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { ko } from '../../web/src/i18n/ko.ts';

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('portal messages', () => {
  it('ko and en have exactly the same keys', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
  });

  it('every message uses the same {parameters} in both languages', () => {
    const differ = Object.keys(en).filter((k) => params(en[k as keyof typeof en]).join() !== params(ko[k as keyof typeof ko]).join());
    expect(differ).toEqual([]);
  });

  it('no message is empty, and Korean messages are translated (contain Hangul) unless they are names or symbols', () => {
    const untranslated = Object.entries(ko).filter(([k, v]) => v.trim() === '' || (!/[\uac00-\ud7a3]/.test(v) && en[k as keyof typeof en] !== v && !/^[\p{P}\p{S}\s{}\w]*$/u.test(v)));
    expect(untranslated).toEqual([]);
    const same = Object.entries(ko).filter(([k, v]) => v === en[k as keyof typeof en] && /[a-z]{3,}/i.test(v.replace(/\{\w+\}/g, '')));
    // Identical strings are allowed only where they are not words (e.g. "{field}: {message}", "—").
    expect(same.map(([k]) => k)).toEqual([]);
  });
});
