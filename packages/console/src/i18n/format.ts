// Dates, numbers, sizes and durations in the visitor's language. Pure functions of (locale, value),
// so they are unit-tested without a browser. Intl objects are cached per locale and option set.
import type { Locale } from './locale.ts';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let value = cache.get(key) as T | undefined;
  if (!value) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** A point in time from the API (epoch milliseconds or an ISO string). */
export type Instant = number | string | Date;

function toDate(value: Instant): Date {
  return value instanceof Date ? value : new Date(value);
}

export function formatDateTime(locale: Locale, value: Instant): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  return cached(
    `dt:${locale}`,
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }),
  ).format(date);
}

export function formatTime(locale: Locale, value: Instant): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  return cached(
    `t:${locale}`,
    () =>
      new Intl.DateTimeFormat(locale, {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
      }),
  ).format(date);
}

export function formatNumber(locale: Locale, value: number): string {
  return cached(`n:${locale}`, () => new Intl.NumberFormat(locale)).format(value);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Bytes in powers of 1024 with at most one decimal: 1536 → "1.5 KB". */
export function formatBytes(locale: Locale, bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  const text = cached(
    `b:${locale}:${digits}`,
    () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }),
  ).format(value);
  return `${text} ${UNITS[unit]}`;
}

/** "3 minutes ago" / "3分钟前", against `now`. */
export function formatRelative(locale: Locale, value: Instant, now: number = Date.now()): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const rtf = cached(`r:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 30 * 86_400) return rtf.format(Math.round(seconds / 86_400), 'day');
  return formatDateTime(locale, date);
}

/** A duration in milliseconds: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(locale: Locale, ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const n = (value: number, digits = 0) =>
    cached(
      `d:${locale}:${digits}`,
      () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }),
    ).format(value);
  if (ms < 1000) return `${n(ms)} ms`;
  if (ms < 60_000) return `${n(ms / 1000, 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const min = Math.floor(totalSeconds / 60);
    return `${n(min)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${n(Math.floor(totalMinutes / 60))} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}
