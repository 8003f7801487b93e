// Turns whatever a call threw into what the console shows: the code, a message in the visitor's
// language (from the catalogue's translations), and the server's own words when they add
// something (which field failed validation, which release is missing).
import { BerthApiError } from '@berth/sdk/client';
import { ERROR_MESSAGES, type KnownErrorCode } from '../i18n/error-messages.ts';
import type { Locale } from '../i18n/locale.ts';

export interface ShownError {
  code: string;
  status: number;
  /** In the visitor's language. */
  message: string;
  /** The server's message, when it is not the same text as `message`. */
  detail?: string;
}

const UNKNOWN = {
  en: 'Something went wrong',
  'zh-CN': '出现了错误',
} as const;

export function describeError(err: unknown, locale: Locale): ShownError {
  if (err instanceof BerthApiError) {
    const table = ERROR_MESSAGES[locale] as Readonly<Record<string, string>>;
    const known = Object.hasOwn(table, err.code) ? table[err.code as KnownErrorCode] : undefined;
    const message = known ?? UNKNOWN[locale];
    const detail =
      err.message && err.message !== err.code && err.message !== message ? err.message : undefined;
    return { code: err.code, status: err.status, message, ...(detail ? { detail } : {}) };
  }
  const detail = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  return { code: 'CONSOLE_ERROR', status: 0, message: UNKNOWN[locale], ...(detail ? { detail } : {}) };
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof BerthApiError ? err.code : undefined;
}
