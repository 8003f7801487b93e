// Where the app-login route may send a browser back with a ticket: only to the app environment's
// own address on the apps origin, so that berthd is no open redirect and a ticket never lands on
// another app (or another site). A pure function of the URL and the apps origin's settings.
import { type EnvName, envPathPrefix } from '@berth/sdk';
import { BerthError } from '../errors.ts';

export interface AppsOrigin {
  /** BERTH_APPS_URL as resolved at start (the apps origin's public URL). */
  appsUrl: string;
  /** BERTH_APPS_DOMAIN: apps also answer at `{code}.{domain}` (prod) and `{code}-stag.{domain}`. */
  appsDomain: string | undefined;
}

function refuse(why: string): never {
  throw new BerthError('NEXT_URL_REFUSED', `next ${why}`);
}

/**
 * `next` as a URL, when it is under `/o/{code}/` (prod) or `/t/{code}/` (stag) on the apps origin,
 * or on the environment's own host name under the apps domain (same scheme and port as the apps
 * origin). Checked after the URL parser has normalised it (`..`, `\`, percent-encoded dots), and
 * the normalised URL is where the browser goes. Throws NEXT_URL_REFUSED otherwise.
 */
export function appReturnUrl(next: string, app: string, env: EnvName, origin: AppsOrigin): URL {
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    refuse('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('must be an http: or https: URL');
  if (url.username !== '' || url.password !== '') refuse('may not carry a user name or password');
  const apps = new URL(origin.appsUrl);
  if (url.origin === apps.origin) {
    const prefix = apps.pathname.replace(/\/+$/, '') + envPathPrefix(app, env);
    if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) return url;
    refuse(`must be under ${prefix}/ on the apps origin`);
  }
  if (origin.appsDomain !== undefined) {
    const host = env === 'prod' ? `${app}.${origin.appsDomain}` : `${app}-stag.${origin.appsDomain}`;
    if (url.protocol === apps.protocol && url.port === apps.port && url.hostname === host) return url;
  }
  return refuse(`must point at the app's own address on the apps origin (${apps.origin})`);
}
