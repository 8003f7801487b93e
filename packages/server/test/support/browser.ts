// A browser's cookie jar and redirects, as far as the session tests need them, on top of fetch:
// cookies are kept per host name and sent to every port of that host (browsers ignore ports for
// cookies, which is why an app on the apps port receives the console's cookies when both share a
// host name), matched by path, replaced by name+host+path, and dropped when they expire.
import { parseSetCookie } from 'cookie';

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  /** Set by a Domain attribute: sent to subdomains too. */
  domain: boolean;
  path: string;
  expires: number;
}

export interface Browser {
  /** One request, no redirect followed; sends the jar's cookies for the URL and keeps what is set. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** Navigates: follows redirects (at most 10), as a browser does for a link or a typed address. */
  navigate(url: string): Promise<{ response: Response; url: string; hops: string[] }>;
  /** The `Cookie` header the browser would send to `url`. */
  cookieHeader(url: string): string;
  /** The cookies the jar holds, for assertions. */
  cookies(): Array<{ name: string; value: string; host: string; path: string }>;
}

export function createBrowser(): Browser {
  const jar: StoredCookie[] = [];

  function matches(cookie: StoredCookie, url: URL): boolean {
    const hostOk = cookie.domain
      ? url.hostname === cookie.host || url.hostname.endsWith(`.${cookie.host}`)
      : url.hostname === cookie.host;
    const pathOk =
      url.pathname === cookie.path ||
      url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`);
    return hostOk && pathOk && cookie.expires > Date.now();
  }

  function store(url: URL, headers: Headers): void {
    for (const header of headers.getSetCookie()) {
      const parsed = parseSetCookie(header);
      const path = parsed.path?.startsWith('/') ? parsed.path : '/';
      const host = parsed.domain ? parsed.domain.replace(/^\./, '').toLowerCase() : url.hostname;
      const expires =
        parsed.maxAge !== undefined
          ? Date.now() + parsed.maxAge * 1000
          : (parsed.expires?.getTime() ?? Number.POSITIVE_INFINITY);
      const at = jar.findIndex((c) => c.name === parsed.name && c.host === host && c.path === path);
      if (at >= 0) jar.splice(at, 1);
      if (expires > Date.now()) {
        jar.push({
          name: parsed.name,
          value: parsed.value ?? '',
          host,
          domain: !!parsed.domain,
          path,
          expires,
        });
      }
    }
  }

  function cookieHeader(url: string): string {
    const target = new URL(url);
    return jar
      .filter((c) => matches(c, target))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = cookieHeader(url);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    store(new URL(url), response.headers);
    return response;
  }

  return {
    fetch: request,
    async navigate(start) {
      const hops: string[] = [];
      let url = start;
      for (let i = 0; i < 10; i++) {
        const response = await request(url);
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || !location) return { response, url, hops };
        await response.arrayBuffer();
        hops.push(url);
        url = new URL(location, url).href;
      }
      throw new Error(`too many redirects from ${start}`);
    },
    cookieHeader,
    cookies: () => jar.map(({ name, value, host, path }) => ({ name, value, host, path })),
  };
}
