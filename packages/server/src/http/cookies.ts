// Reading and writing berthd's one cookie (the session), on the `cookie` package (RFC 6265 parsing
// and serialising). Every cookie berthd sets is HttpOnly and SameSite=Strict.
import { parseCookie, stringifySetCookie } from 'cookie';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

export interface CookieOptions {
  /** 0 clears the cookie. */
  maxAgeSeconds: number;
  secure: boolean;
}

/** A `Set-Cookie` value: host-only (no Domain), Path=/, HttpOnly, SameSite=Strict. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const maxAge = Math.max(0, Math.floor(options.maxAgeSeconds));
  return stringifySetCookie({
    name,
    value,
    path: '/',
    maxAge,
    expires: maxAge > 0 ? new Date(Date.now() + maxAge * 1000) : new Date(0),
    httpOnly: true,
    secure: options.secure,
    sameSite: 'strict',
  });
}
