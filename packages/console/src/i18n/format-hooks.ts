// Formatting in the current language, for components.
import { useMemo } from 'react';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelative,
  formatTime,
  type Instant,
} from './format.ts';
import { useLocale } from './I18nProvider.tsx';

export interface Formatters {
  dateTime(value: Instant): string;
  time(value: Instant): string;
  relative(value: Instant): string;
  number(value: number): string;
  bytes(value: number): string;
  duration(ms: number): string;
}

export function useFormat(): Formatters {
  const { locale } = useLocale();
  return useMemo(
    () => ({
      dateTime: (v) => formatDateTime(locale, v),
      time: (v) => formatTime(locale, v),
      relative: (v) => formatRelative(locale, v),
      number: (v) => formatNumber(locale, v),
      bytes: (v) => formatBytes(locale, v),
      duration: (ms) => formatDuration(locale, ms),
    }),
    [locale],
  );
}
