// What the domains page shows of a certificate's expiry and who sees which parts (plain functions,
// tested without a browser).
import type { Role } from '../../app/feature.ts';
import type { Tone } from '../../components/ToneTag.tsx';

/** Admins, operators and auditors see the certificates; admins and operators upload them. */
export const CERT_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];
export const CERT_WRITERS: readonly Role[] = ['admin', 'operator'];
/** Binding a domain is `domain.write` (admins and operators by default; the API decides). */
export const DOMAIN_WRITERS: readonly Role[] = ['admin', 'operator'];

export interface ExpiryShown {
  tone: Tone;
  /** Message key: `expiresIn`, `expiringSoon` or `expired`. */
  key: 'expiresIn' | 'expiringSoon' | 'expired';
  days: number;
}

export function expiryShown(c: {
  expiresInDays: number;
  warning?: 'expiring' | 'expired' | undefined;
}): ExpiryShown {
  if (c.warning === 'expired') return { tone: 'red', key: 'expired', days: c.expiresInDays };
  if (c.warning === 'expiring') return { tone: 'amber', key: 'expiringSoon', days: c.expiresInDays };
  return { tone: 'green', key: 'expiresIn', days: c.expiresInDays };
}

/** An HSTS max-age as the form takes it: a whole number of seconds, empty for none. */
export function hstsValue(raw: string | number | undefined | null): number {
  const n = typeof raw === 'number' ? raw : Number(String(raw ?? '').trim() || '0');
  return Number.isSafeInteger(n) && n >= 0 ? n : Number.NaN;
}
