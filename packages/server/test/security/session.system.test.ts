// Attacks on the platform session (issue 10, items 2 and 11), against a real berthd with real apps
// (as root each under a Unix user of its own). The requirement: no app, server side or page script,
// can ever act with a user's platform credential.
//   - The console and API have an origin of their own; the apps port never reaches the API.
//   - An app's server gets no platform cookie to replay, and cannot set one in the browser.
//   - An app's pages cannot use the browser's cookie against the API (CSRF rules, no CORS).
//   - Apps learn who the user is from single-use tickets for themselves only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { type EngineFixture, json, packFiles, startEngineFixture } from '../engine/support.ts';
import { type Browser, createBrowser } from '../support/browser.ts';
import { ADMIN_PASSWORD, startTestBerthd } from '../support/harness.ts';

const PLATFORM_COOKIES = ['__Host-berth_session', 'berth_session', 'berth_token'];

/**
 * A hostile app: `/steal` takes every cookie it received and replays each value against berthd's
 * API (BERTH_API_URL) under every platform cookie name and as a bearer token, reading `/me` and
 * trying to create an admin; `/set` answers with platform cookies of its own choosing.
 */
const THIEF = `
'use strict';
const http = require('node:http');
const NAMES = ${JSON.stringify(PLATFORM_COOKIES)};
const api = process.env.BERTH_API_URL;
async function attempt(headers) {
  const me = await fetch(api + '/api/v1/me', { headers });
  const admin = await fetch(api + '/api/v1/users', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'app-intruder', password: 'intruder-password-1', role: 'admin' }),
  });
  return { me: me.status, admin: admin.status };
}
http.createServer(async (req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/set') {
    res.setHeader('set-cookie', [
      '__Host-berth_session=planted; Path=/; Secure; HttpOnly; SameSite=Strict',
      'berth_session=planted; Path=/',
      'berth_token=planted; Path=/',
      'app_pref=dark; Path=/',
    ]);
    return res.end('set');
  }
  const cookies = (req.headers.cookie || '').split(';').map((p) => p.trim()).filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return [p.slice(0, eq), decodeURIComponent(p.slice(eq + 1))];
  });
  const attempts = [];
  for (const [, value] of cookies) {
    for (const name of NAMES) attempts.push(await attempt({ cookie: name + '=' + value }));
    attempts.push(await attempt({ authorization: 'Bearer ' + value }));
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ received: cookies.map(([name]) => name), attempts }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function thiefApp(): Promise<Buffer> {
  return packFiles({
    'package.json': JSON.stringify({ name: 'thief', version: '1.0.0', private: true }),
    'server.js': THIEF,
    'berth.yaml':
      'runtime: node\nprocesses:\n  web:\n    command: node server.js\n    count: 1\nhealth:\n  path: /healthz\n',
  });
}

/** A browser logged in to the console of `f` (its pages send Origin and Sec-Fetch-Site). */
async function loggedInBrowser(f: EngineFixture): Promise<Browser> {
  const browser = createBrowser();
  const login = await browser.fetch(`${f.t.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: f.t.url, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  expect(browser.cookies().map((c) => c.name)).toEqual(['__Host-berth_session']);
  return browser;
}

interface Stolen {
  received: string[];
  attempts: Array<{ me: number; admin: number }>;
}

async function usersNamed(f: EngineFixture, username: string): Promise<number> {
  const users = (await f.api('GET', '/api/v1/users')).body.users as Array<{ username: string }>;
  return users.filter((u) => u.username === username).length;
}

describe('the platform session and apps (console and apps on one host name, two ports)', () => {
  let f: EngineFixture;
  let browser: Browser;
  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    await f.createApp('thief');
    await f.deploy('thief', 'prod', await thiefApp());
    browser = await loggedInBrowser(f);
  }, 120_000);
  afterAll(async () => f?.stop(), 60_000);

  it('keeps the API off the apps port and the apps off the console port', async () => {
    const cookie = browser.cookieHeader(f.t.url);
    for (const p of ['/api/v1/me', '/api/v1/apps', '/healthz', '/api/v1/openapi.json']) {
      const res = await fetch(`${f.t.appsUrl}${p}`, { headers: { cookie } });
      expect(res.status, p).toBe(404);
      expect((await json(res)).error.code, p).toBe('GATEWAY_NO_ROUTE');
    }
    const app = await fetch(`${f.t.url}/o/thief/steal`, { headers: { cookie } });
    expect([app.status, (await json(app)).error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    // What the API reports and apps are told is the apps origin, not the console's.
    const envs = (await f.api('GET', '/api/v1/apps/thief')).body.app.envs;
    expect(envs.map((e: { url: string }) => e.url)).toEqual([
      `${f.t.berthd.urls.apps}/t/thief/`,
      `${f.t.berthd.urls.apps}/o/thief/`,
    ]);
    expect(new URL(f.t.berthd.urls.apps).origin).not.toBe(new URL(f.t.berthd.urls.console).origin);
  });

  // Needs the gateway's platform-cookie stripping (another branch of issue 10): the browser sends
  // host-only cookies to every port of the host, so only the gateway can keep them from the app.
  it("gives an app's server no platform cookie to replay against the API", async () => {
    const victim = await loggedInBrowser(f);
    const res = await victim.fetch(`${f.t.appsUrl}/o/thief/steal`);
    expect(res.status).toBe(200);
    const stolen = (await json(res)) as Stolen;
    for (const attempt of stolen.attempts) {
      expect(attempt.me).toBe(401);
      expect(attempt.admin).toBe(401);
    }
    expect(stolen.received.filter((name) => PLATFORM_COOKIES.includes(name))).toEqual([]);
    expect(await usersNamed(f, 'app-intruder')).toBe(0);
  });

  // Needs the gateway's platform-cookie stripping (another branch of issue 10).
  it('lets no app response set a platform cookie in the browser', async () => {
    const victim = await loggedInBrowser(f);
    const res = await victim.fetch(`${f.t.appsUrl}/o/thief/set`);
    expect(res.status).toBe(200);
    const names = res.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names).toEqual(['app_pref']);
    // The browser's console session is the one it logged in with.
    const me = await victim.fetch(`${f.t.url}/api/v1/me`);
    expect([me.status, (await json(me)).user.username]).toEqual([200, 'admin']);
  });

  it("refuses cookie-authenticated changes from an app's pages: text/plain, forms, body-less, logins", async () => {
    const appOrigin = new URL(f.t.appsUrl).origin;
    // What a page on the apps port makes the browser send to the console: the console's cookie
    // (same host name, so same site: SameSite=Strict does not stop it), its own Origin, same-site.
    const fromApp = (p: string, init: { method?: string; type?: string; body?: string } = {}) =>
      browser.fetch(`${f.t.url}${p}`, {
        method: init.method ?? 'POST',
        headers: {
          origin: appOrigin,
          'sec-fetch-site': 'same-site',
          ...(init.type ? { 'content-type': init.type } : {}),
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    const intruder = JSON.stringify({
      username: 'page-intruder',
      password: 'intruder-password-1',
      role: 'admin',
    });
    const attacks = [
      fromApp('/api/v1/users', { type: 'text/plain', body: intruder }),
      fromApp('/api/v1/users', {
        type: 'application/x-www-form-urlencoded',
        body: 'username=page-intruder&password=intruder-password-1&role=admin',
      }),
      fromApp('/api/v1/users', { type: 'multipart/form-data; boundary=b', body: '--b--\r\n' }),
      fromApp('/api/v1/apps/thief/envs/prod/restart'),
      fromApp('/api/v1/apps/thief/secret/rotate'),
      fromApp('/api/v1/auth/logout'),
      fromApp('/api/v1/apps/thief', { method: 'DELETE' }),
      // Login CSRF: logging the browser in to an account of the attacker's choosing.
      fromApp('/api/v1/auth/login', {
        type: 'application/json',
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      }),
    ];
    for (const res of await Promise.all(attacks)) {
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('CSRF_REFUSED');
    }
    // Without Sec-Fetch-Site (older browsers) the Origin alone refuses it, and vice versa.
    const originOnly = await browser.fetch(`${f.t.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { origin: appOrigin },
    });
    const siteOnly = await browser.fetch(`${f.t.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-site' },
    });
    expect([originOnly.status, siteOnly.status]).toEqual([403, 403]);
    // Nothing happened: no user, no rotation, no deploy, the session still works.
    expect(await usersNamed(f, 'page-intruder')).toBe(0);
    expect((await f.api('GET', '/api/v1/apps/thief/envs/prod/deploys')).body.deploys).toHaveLength(1);
    expect((await browser.fetch(`${f.t.url}/api/v1/me`)).status).toBe(200);
  });

  it('answers no CORS preflight and lets no other origin read or frame the console', async () => {
    const appOrigin = new URL(f.t.appsUrl).origin;
    const preflight = await browser.fetch(`${f.t.url}/api/v1/users`, {
      method: 'OPTIONS',
      headers: {
        origin: appOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    const read = await browser.fetch(`${f.t.url}/api/v1/me`, {
      headers: { origin: appOrigin, 'sec-fetch-site': 'same-site' },
    });
    for (const res of [preflight, read]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    }
  });

  it("accepts the same changes from the console's own pages, and API tokens from anywhere", async () => {
    const fromConsole = (p: string, init: { method?: string; body?: unknown } = {}) =>
      browser.fetch(`${f.t.url}${p}`, {
        method: init.method ?? 'POST',
        headers: {
          origin: f.t.url,
          'sec-fetch-site': 'same-origin',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    const created = await fromConsole('/api/v1/users', {
      body: { username: 'colleague', password: 'colleague-password-1', role: 'developer' },
    });
    expect(created.status).toBe(201);
    const token = await fromConsole('/api/v1/me/tokens', { body: { name: 'script' } });
    const secret = (await json(token)).secret as string;
    // A script with an API token carries no cookie: Origin and body type are not its business.
    const scripted = await fetch(`${f.t.url}/api/v1/users/colleague`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${secret}`, origin: 'https://elsewhere.example' },
    });
    expect(scripted.status).toBe(204);
    // Even the console's own pages change nothing with a body no JSON client sends.
    const plain = await browser.fetch(`${f.t.url}/api/v1/me/tokens`, {
      method: 'POST',
      headers: { origin: f.t.url, 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'plain' }),
    });
    expect([plain.status, (await json(plain)).error.code]).toEqual([403, 'CSRF_REFUSED']);
    const logout = await fromConsole('/api/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect((await browser.fetch(`${f.t.url}/api/v1/me`)).status).toBe(401);
    browser = await loggedInBrowser(f);
  });

  it('does not accept the old berth_token cookie, even holding a live session', async () => {
    const session = browser.cookies().find((c) => c.name === '__Host-berth_session')!.value;
    const old = await fetch(`${f.t.url}/api/v1/me`, { headers: { cookie: `berth_token=${session}` } });
    expect([old.status, (await json(old)).error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const plain = await fetch(`${f.t.url}/api/v1/me`, { headers: { cookie: `berth_session=${session}` } });
    expect(plain.status).toBe(401);
  });
});

describe('login tickets for apps', () => {
  let f: EngineFixture;
  let browser: Browser;
  const secrets: Record<string, string> = {};
  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    for (const code of ['shop', 'blog']) {
      await f.createApp(code);
      secrets[code] = (await f.api('GET', `/api/v1/apps/${code}/secret`)).body.secret;
    }
    browser = await loggedInBrowser(f);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  const appLogin = (app: string, env: string, next: string) =>
    browser.fetch(`${f.t.url}/api/v1/auth/app-login?app=${app}&env=${env}&next=${encodeURIComponent(next)}`);
  /** A ticket for the logged-in browser's user, as app-login hands it to `app`/`env`. */
  const ticketFor = async (app: string, env: 'stag' | 'prod') => {
    const next = `${f.t.berthd.urls.apps}/${env === 'prod' ? 'o' : 't'}/${app}/home?x=1`;
    const res = await appLogin(app, env, next);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(`${next}&berth_ticket=`)).toBe(true);
    return location.searchParams.get('berth_ticket')!;
  };
  const redeem = (ticket: string, app: string, env: string, secret = secrets[app]!) =>
    fetch(`${f.t.url}/api/v1/auth/app-user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-berth-app-code': app, 'x-berth-app-secret': secret },
      body: JSON.stringify({ ticket, env }),
    }).then(async (res) => ({ status: res.status, body: await json(res) }));

  it('name the user to their own app environment, once', async () => {
    const ticket = await ticketFor('shop', 'prod');
    const ok = await redeem(ticket, 'shop', 'prod');
    expect(ok).toEqual({
      status: 200,
      body: {
        user: { id: expect.stringMatching(/^usr_/), username: 'admin', displayName: expect.any(String) },
        gatewayToken: { token: expect.stringMatching(/^bgu_/), expiresAt: expect.any(Number) },
      },
    });
    expect((await redeem(ticket, 'shop', 'prod')).body.error.code).toBe('TICKET_USED');
  });

  it('are refused to another app, the other environment, a wrong secret, and after 60 seconds', async () => {
    const ticket = await ticketFor('shop', 'prod');
    expect((await redeem(ticket, 'blog', 'prod')).body.error.code).toBe('TICKET_INVALID');
    expect((await redeem(ticket, 'shop', 'stag')).body.error.code).toBe('TICKET_INVALID');
    // Another app's secret with this app's code, or no secret at all.
    expect((await redeem(ticket, 'shop', 'prod', secrets['blog'])).body.error.code).toBe('APP_AUTH_FAILED');
    const bare = await fetch(`${f.t.url}/api/v1/auth/app-user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket, env: 'prod' }),
    });
    expect([bare.status, (await json(bare)).error.code]).toEqual([401, 'APP_AUTH_FAILED']);
    // None of that used the ticket up: its own app still redeems it.
    expect((await redeem(ticket, 'shop', 'prod')).status).toBe(200);

    const late = await ticketFor('blog', 'stag');
    await f.t.berthd.store.db
      .updateTable('app_tickets')
      .set({ expires_at: Date.now() - 1 })
      .where('app', '=', 'blog')
      .execute();
    expect((await redeem(late, 'blog', 'stag')).body.error.code).toBe('TICKET_EXPIRED');
  });

  it('are no platform credential: the API refuses them, gateway user tokens and app credentials, everywhere else', async () => {
    const ticket = await ticketFor('shop', 'prod');
    const app = { 'x-berth-app-code': 'shop', 'x-berth-app-secret': secrets['shop']! };
    // The token a redemption gives names the user in API gateway calls only.
    const gatewayToken = (await redeem(await ticketFor('shop', 'prod'), 'shop', 'prod')).body.gatewayToken
      .token;
    const attempts: Array<Record<string, string>> = [
      { authorization: `Bearer ${ticket}` },
      { cookie: `__Host-berth_session=${ticket}` },
      app,
      { authorization: `Bearer ${gatewayToken}` },
      { cookie: `__Host-berth_session=${gatewayToken}` },
      { 'x-berth-user-token': gatewayToken },
    ];
    // Nor do they read the app's traffic, or every app's through the Prometheus exposition.
    for (const target of ['/api/v1/apps/shop', '/api/v1/apps/shop/traffic', '/api/v1/metrics']) {
      for (const headers of attempts) {
        const res = await fetch(`${f.t.url}${target}`, { headers });
        expect(res.status, `${target} ${Object.keys(headers).join()}`).toBe(401);
      }
    }
    const rotate = await fetch(`${f.t.url}/api/v1/apps/shop/secret/rotate`, { method: 'POST', headers: app });
    expect(rotate.status).toBe(401);
  });

  it("send the browser back only to the app environment's own address", async () => {
    const apps = f.t.berthd.urls.apps;
    for (const next of [
      'https://evil.example.net/o/shop/',
      `${f.t.url}/o/shop/`,
      `${apps}/o/blog/`,
      `${apps}/t/shop/`,
      `${apps}/o/shop/../blog/`,
      `${apps}/o/shop%2F..%2Fblog/`,
      `//evil.example.net/o/shop/`,
      '/o/shop/',
    ]) {
      const res = await appLogin('shop', 'prod', next);
      expect(res.status, next).toBe(400);
      expect(res.headers.get('location'), next).toBeNull();
      expect((await json(res)).error.code, next).toBe('NEXT_URL_REFUSED');
    }
    const tickets = await f.t.berthd.store.db.selectFrom('app_tickets').select('id').execute();
    const issued = tickets.length;
    // Without a console session there is no ticket either: a 401 for the browser.
    const anonymous = await fetch(
      `${f.t.url}/api/v1/auth/app-login?app=shop&env=prod&next=${encodeURIComponent(`${apps}/o/shop/`)}`,
      { redirect: 'manual' },
    );
    expect([anonymous.status, (await json(anonymous)).error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(await f.t.berthd.store.db.selectFrom('app_tickets').select('id').execute()).toHaveLength(issued);
  });
});

describe('the platform session with separate host names for the console and the apps', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    // The console at 127.0.0.1, the apps at localhost: two host names, as production should be.
    f = await startEngineFixture('sqlite', { BERTH_APPS_URL: 'http://localhost:0' });
    await f.createApp('thief');
    await f.deploy('thief', 'prod', await thiefApp());
  }, 120_000);
  afterAll(async () => f?.stop(), 60_000);

  it("never sends the console's cookie to an app", async () => {
    const browser = await loggedInBrowser(f);
    const apps = f.t.berthd.urls.apps;
    expect(new URL(apps).hostname).toBe('localhost');
    const res = await browser.fetch(`${apps}/o/thief/steal`);
    expect(res.status).toBe(200);
    const stolen = (await json(res)) as Stolen;
    expect(stolen.received).toEqual([]);
    expect(await usersNamed(f, 'app-intruder')).toBe(0);
  });
});

describe('BERTH_SHARED_ORIGIN', () => {
  it('serves apps and console on one port, and warns at every start', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => lines.push(line) });
    const t = await startTestBerthd({ env: { BERTH_SHARED_ORIGIN: 'true' }, berthd: { logger } });
    try {
      expect(t.appsUrl).toBe(t.url);
      expect(t.berthd.urls.apps).toBe(t.berthd.urls.console);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => /BERTH_SHARED_ORIGIN/.test(l.msg));
      expect(warning).toMatchObject({ level: 40 });
      expect(warning.msg).toMatch(/trusted internal apps only/);
      // Not an app: the API answers on the shared port.
      expect((await t.api('GET', '/healthz')).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
