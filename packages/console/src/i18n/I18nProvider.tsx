// The visitor's language for the whole console: chosen once (browser languages, then their own
// choice, kept in localStorage), switchable at any time, and handed to antd and dayjs too.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { detectLocale, LOCALE_STORAGE_KEY, type Locale } from './locale.ts';
import { type Bundle, type Translate, translator } from './messages.ts';

interface I18nState {
  locale: Locale;
  setLocale(locale: Locale): void;
}

const I18nContext = createContext<I18nState | null>(null);

function readStored(): string | null {
  try {
    return window.localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => detectLocale(readStored(), navigator.languages));
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(LOCALE_STORAGE_KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useLocale(): I18nState {
  const state = useContext(I18nContext);
  if (!state) throw new Error('useLocale outside I18nProvider');
  return state;
}

/** `t(key, params)` for one bundle, in the current language. */
export function useMessages<K extends string>(bundle: Bundle<K>): Translate<K> {
  const { locale } = useLocale();
  return useMemo(() => translator(bundle, locale), [bundle, locale]);
}
