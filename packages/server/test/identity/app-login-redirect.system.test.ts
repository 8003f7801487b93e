// The shared-session promise from a browser that has no session yet: app-login sends it to the
// console's login page with a relative `next` that brings it back, so that after logging in once the
// app learns who the user is without a second login. Programs keep the 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser } from '../support/browser.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('app-login from a browser without a session', () => {
  let t: TestBerthd;
  let secret: string;
  let appPage: string;
  let loginPath: string;

  beforeAll(async () => {
    t = await startTestBerthd();
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const created = await t.api('POST', '/api/v1/apps', { cookie, body: { code: 'shop', name: 'Shop' } });
    expect(created.status).toBe(201);
    secret = created.body.secret;
    appPage = `${t.berthd.urls.apps}/o/shop/orders?id=7&x=a%20b`;
    loginPath = `/api/v1/auth/app-login?app=shop&env=prod&next=${encodeURIComponent(appPage)}`;
  });
  afterAll(async () => t?.stop());

  it('sends the browser to the console login with a relative next, and back with a ticket after it', async () => {
    const browser = createBrowser();
    const first = await browser.fetch(`${t.url}${loginPath}`, { headers: { accept: HTML } });
    expect(first.status).toBe(303);
    const login = new URL(first.headers.get('location')!);
    expect(login.origin).toBe(new URL(t.berthd.urls.console).origin);
    expect(login.pathname).toBe('/login');
    const next = login.searchParams.get('next')!;
    // Relative, on the console's origin, and the console only follows nexts like this one.
    expect(next.startsWith('/api/v1/auth/app-login?')).toBe(true);
    const back = new URL(next, t.url);
    expect(Object.fromEntries(back.searchParams)).toEqual({ app: 'shop', env: 'prod', next: appPage });

    // The console logs the user in, then sends the browser to `next`.
    const session = await browser.fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(session.status).toBe(200);
    const again = await browser.fetch(back.href, { headers: { accept: HTML } });
    expect(again.status).toBe(303);
    const toApp = new URL(again.headers.get('location')!);
    expect(`${toApp.origin}${toApp.pathname}`).toBe(appPage.split('?')[0]);
    expect([...toApp.searchParams.keys()]).toEqual(['id', 'x', 'berth_ticket']);
    expect(toApp.searchParams.get('x')).toBe('a b');

    // The app's server learns who the user is with the ticket.
    const user = await fetch(`${t.url}/api/v1/auth/app-user`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-berth-app-code': 'shop',
        'x-berth-app-secret': secret,
      },
      body: JSON.stringify({ ticket: toApp.searchParams.get('berth_ticket'), env: 'prod' }),
    });
    expect(user.status).toBe(200);
    expect(((await user.json()) as { user: { username: string } }).user.username).toBe('admin');
  });

  it('sends a browser whose session is no longer valid to the login page too', async () => {
    const res = await fetch(`${t.url}${loginPath}`, {
      headers: { accept: HTML, cookie: `${t.cookieName}=not-a-session` },
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).pathname).toBe('/login');
  });

  it('keeps the 401 for programs', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html;q=0.5']) {
      const res = await fetch(`${t.url}${loginPath}`, {
        headers: accept === undefined ? {} : { accept },
        redirect: 'manual',
      });
      expect([accept, res.status]).toEqual([accept, 401]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a next outside the app before anyone logs in', async () => {
    const res = await fetch(
      `${t.url}/api/v1/auth/app-login?app=shop&env=prod&next=${encodeURIComponent('https://evil.example/')}`,
      { headers: { accept: HTML }, redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NEXT_URL_REFUSED');
  });
});
