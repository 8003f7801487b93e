// Cross-site request forgery guard. A browser attaches the console's session cookie to requests
// that other pages start (another origin on the same site, such as an app on the apps port, gets
// it even with SameSite=Strict), and "simple" requests (a form, `text/plain`, no body) reach the
// server without a CORS preflight. So every change made with the session cookie, and every login,
// must show that the console's own pages sent it:
//   - `Origin`, when present, is the console's (BERTH_PUBLIC_URL) or the request's own scheme://Host;
//   - `Sec-Fetch-Site`, when present, is `same-origin` or `none` (typed by the user);
//   - a body has a type no page can send cross-origin without a preflight, which berthd never
//     answers: JSON, or a package upload (application/gzip, …), never text/plain, a form or
//     multipart, nor a body without a type.
// Requests with an API token in `Authorization` are not affected: no browser adds one on its own.
import { PACKAGE_CONTENT_TYPES } from '@berth/sdk';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BODY_TYPES = new Set<string>(['application/json', ...PACKAGE_CONTENT_TYPES]);
const TRUSTED_FETCH_SITES = new Set(['same-origin', 'none']);

export interface CsrfRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** `http` or `https` as the client reached berthd (X-Forwarded-Proto behind a trusted proxy). */
  protocol: string;
  /** The Host the client addressed, with its port. */
  host: string;
}

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function hasBody(headers: CsrfRequest['headers']): boolean {
  const length = single(headers['content-length']);
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Why this unsafe request may have been made by another site's page, or undefined when the
 * console's own pages (or a non-browser client) sent it. `consoleOrigin` is BERTH_PUBLIC_URL's.
 */
export function csrfRefusal(req: CsrfRequest, consoleOrigin: string): string | undefined {
  const origin = single(req.headers['origin']);
  if (origin !== undefined && origin !== consoleOrigin && origin !== `${req.protocol}://${req.host}`) {
    return `the request comes from another origin (${origin.slice(0, 200)})`;
  }
  const site = single(req.headers['sec-fetch-site']);
  if (site !== undefined && !TRUSTED_FETCH_SITES.has(site.toLowerCase())) {
    return `the browser says the request comes from a ${site.slice(0, 40)} page`;
  }
  if (hasBody(req.headers)) {
    const type = (single(req.headers['content-type']) ?? '').split(';')[0]!.trim().toLowerCase();
    if (!BODY_TYPES.has(type)) {
      return `a body of type "${type.slice(0, 100) || 'none'}" cannot change anything with the session cookie; send JSON`;
    }
  }
  return undefined;
}
