import i18next from 'i18next';
import { useEffect, useState } from 'preact/hooks';
import { en } from '../locales/en.ts';
import { zh } from '../locales/zh.ts';

export type TLang = 'zh' | 'en';
export const LANGS: TLang[] = ['zh', 'en'];
const STORAGE_KEY = 'enclave.lang';
/** Also a cookie, so that the server renders public pages in the same language. */
const COOKIE = 'enclave_lang';

/** The language: remembered choice, else Chinese (the platform's first language). */
export function initialLang(): TLang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // storage may be disabled; the default holds
  }
  return 'zh';
}

export function initI18n(lang: TLang = initialLang()) {
  void i18next.init({
    lng: lang,
    fallbackLng: 'zh',
    resources: { zh: { translation: zh }, en: { translation: en } },
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  return i18next;
}

export function setLang(lang: TLang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
  // biome-ignore lint/suspicious/noDocumentCookie: a plain preference the server reads, not a secret
  document.cookie = `${COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  void i18next.changeLanguage(lang);
}

export const t = (key: string, options?: Record<string, unknown>): string =>
  i18next.t(key, options) as string;
export const lang = (): TLang => (i18next.language === 'en' ? 'en' : 'zh');
const locale = () => (lang() === 'en' ? 'en-GB' : 'zh-CN');

/** Re-renders the caller when the language changes. */
export function useLang(): TLang {
  const [current, setCurrent] = useState(lang());
  useEffect(() => {
    const on = (l: string) => setCurrent(l === 'en' ? 'en' : 'zh');
    i18next.on('languageChanged', on);
    return () => i18next.off('languageChanged', on);
  }, []);
  return current;
}

export const fmtNumber = (n: number, digits?: number) =>
  new Intl.NumberFormat(locale(), digits === undefined ? {} : { maximumFractionDigits: digits }).format(n);
export const fmtDate = (iso: string | null | undefined) =>
  iso
    ? new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(
        new Date(iso),
      )
    : '—';
export const fmtDateTime = (iso: string | null | undefined) =>
  iso
    ? new Intl.DateTimeFormat(locale(), {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'Asia/Shanghai',
      }).format(new Date(iso))
    : '—';
export const fmtBytes = (n: number) =>
  n < 1024
    ? `${fmtNumber(n)} B`
    : n < 1024 ** 2
      ? `${fmtNumber(n / 1024, 1)} KB`
      : `${fmtNumber(n / 1024 ** 2, 1)} MB`;

/** A localised field of an entry: the English one when English is chosen and it exists. */
export const pick = (zhValue: string, enValue: string | null | undefined) =>
  lang() === 'en' && enValue ? enValue : zhValue;

/**
 * A workspace's own strings, added when its chunk loads: `t('<area>.key')`. Each area keeps
 * Chinese and English side by side in its `strings.ts`, the same keys in both.
 */
export function registerStrings<T extends object>(area: string, strings: { zh: T; en: T }) {
  i18next.addResourceBundle('zh', 'translation', { [area]: strings.zh }, true, true);
  i18next.addResourceBundle('en', 'translation', { [area]: strings.en }, true, true);
}
