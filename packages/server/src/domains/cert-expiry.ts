// How soon a certificate expires, as the API, the CLI and the status page show it: whole days left
// (negative once expired) and a warning inside the window (BERTH_CERT_WARN_DAYS) or past expiry.
const DAY_MS = 86_400_000;

export interface Expiry {
  expiresInDays: number;
  warning?: 'expiring' | 'expired';
}

export function expiryOf(notAfter: number, now: number, warnDays: number): Expiry {
  const left = notAfter - now;
  const expiresInDays = Math.floor(left / DAY_MS);
  if (left <= 0) return { expiresInDays, warning: 'expired' };
  if (left <= warnDays * DAY_MS) return { expiresInDays, warning: 'expiring' };
  return { expiresInDays };
}
