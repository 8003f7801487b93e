// Keeps the platform's cookies (PLATFORM_COOKIE_NAMES) away from apps: a browser sends every cookie
// of a host to every port of it, so the console's session would reach each app on the same host, and
// an app could set a cookie with the session's name to plant or shadow one. Requests to apps lose
// those cookies (the others stay byte for byte); app responses lose any Set-Cookie that names one,
// compared case-insensitively and with or without the `__Host-` / `__Secure-` prefix.
import { PLATFORM_COOKIE_NAMES } from '../platform-cookies.ts';

const EXACT: ReadonlySet<string> = new Set(PLATFORM_COOKIE_NAMES);

/** The names without their prefix, lower-cased: what a Set-Cookie name is compared with. */
const BARE: ReadonlySet<string> = new Set(PLATFORM_COOKIE_NAMES.map((name) => bareName(name)));

/** Every platform name contains this: a Cookie header without it is passed on untouched. */
const MARKER = 'berth_';

function bareName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith('__host-')) return lower.slice('__host-'.length);
  if (lower.startsWith('__secure-')) return lower.slice('__secure-'.length);
  return lower;
}

/**
 * A Cookie header value without the platform's cookies: `''` when nothing else is left. The pairs
 * kept are copied as they came, separators included.
 */
export function withoutPlatformCookies(value: string): string {
  if (!value.includes(MARKER)) return value;
  const pairs = value.split(';');
  let kept = '';
  let removed = false;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (EXACT.has(name)) {
      removed = true;
      continue;
    }
    kept = kept === '' ? pair : `${kept};${pair}`;
  }
  if (!removed) return value;
  return kept.replace(/^[ \t]+/, '');
}

/** Whether a Set-Cookie header value would set one of the platform's cookies. */
export function setsPlatformCookie(value: string): boolean {
  if (!value.toLowerCase().includes(MARKER)) return false;
  const eq = value.indexOf('=');
  const semi = value.indexOf(';');
  const end = eq < 0 ? (semi < 0 ? value.length : semi) : semi >= 0 && semi < eq ? semi : eq;
  return BARE.has(bareName(value.slice(0, end).trim()));
}
