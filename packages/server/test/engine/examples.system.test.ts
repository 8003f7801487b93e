// The examples deployed through the API to stag and prod, then fetched from the apps origin at
// /t/{code}/ and /o/{code}/; sso-hello learns who a logged-in browser is through the console.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser } from '../support/browser.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD } from '../support/harness.ts';
import { type EngineFixture, EXAMPLES, json, packDir, startEngineFixture } from './support.ts';

describe.each(systemDialects())('examples on %s', (dialect) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it.each([
    ['node-hello', 'nodehello', /Hello from Berth/],
    ['python-hello', 'pyhello', /Hello from Berth/],
    ['static-site', 'statichello', /<html/i],
  ])(
    'deploys %s to stag and prod',
    async (example, code, expected) => {
      await f.createApp(code);
      const pkg = await packDir(path.join(EXAMPLES, example));
      const stag = await f.deploy(code, 'stag', pkg);
      expect(stag).toMatchObject({ app: code, env: 'stag', kind: 'build', status: 'succeeded', release: 1 });
      const prod = await f.deploy(code, 'prod', pkg);
      expect(prod.release).toBe(1);
      const t = await f.get(`/t/${code}/`);
      expect(t.status).toBe(200);
      expect(t.text).toMatch(expected);
      const o = await f.get(`/o/${code}/`);
      expect(o.status).toBe(200);
      expect(o.text).toMatch(expected);
      const releases = await f.api('GET', `/api/v1/apps/${code}/envs/prod/releases`);
      expect(releases.body.releases).toMatchObject([
        { version: 1, status: 'ready', source: 'package', current: true },
      ]);
      // The API keeps working next to the gateway.
      expect((await f.api('GET', `/api/v1/apps/${code}`)).status).toBe(200);
    },
    180_000,
  );

  it('serves the static site with content types and revalidation', async () => {
    const css = await fetch(`${f.t.appsUrl}/o/statichello/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const page = await fetch(`${f.t.appsUrl}/o/statichello/`);
    const lastModified = page.headers.get('last-modified');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(lastModified).toBeTruthy();
    const again = await fetch(`${f.t.appsUrl}/o/statichello/`, {
      headers: { 'if-modified-since': lastModified! },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const older = new Date(Date.parse(lastModified!) - 60_000).toUTCString();
    expect(
      (await fetch(`${f.t.appsUrl}/o/statichello/`, { headers: { 'if-modified-since': older } })).status,
    ).toBe(200);
  });

  it('sso-hello: a browser logged in to the console is known to the app, which keeps a session of its own', async () => {
    await f.createApp('ssohello');
    await f.deploy('ssohello', 'stag', await packDir(path.join(EXAMPLES, 'sso-hello')));
    const browser = createBrowser();
    const appPage = `${f.t.appsUrl}/t/ssohello/whoami`;

    // Not logged in to the console: the bounce ends at the console's 401, the app learns nothing.
    const anonymous = await browser.navigate(appPage);
    expect(anonymous.url.startsWith(`${f.t.url}/api/v1/auth/app-login?`)).toBe(true);
    expect(anonymous.response.status).toBe(401);
    expect((await json(anonymous.response)).error.code).toBe('UNAUTHENTICATED');

    const login = await browser.fetch(`${f.t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: f.t.url, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);

    // app -> console (app-login) -> app with a ticket -> app without it, with the app's own cookie.
    const known = await browser.navigate(appPage);
    expect(known.response.status).toBe(200);
    expect(await known.response.text()).toContain('Berth user <code>admin</code>');
    expect(known.url).toBe(appPage);
    const [toConsole, toApp, withTicket] = known.hops;
    expect(toConsole).toBe(appPage);
    expect(toApp!.startsWith(`${f.t.url}/api/v1/auth/app-login?app=ssohello&env=stag&next=`)).toBe(true);
    const ticket = new URL(withTicket!).searchParams.get('berth_ticket')!;
    expect(withTicket!.startsWith(`${appPage}?berth_ticket=`)).toBe(true);
    expect(browser.cookies().map((c) => c.name)).toContain('sso_hello_session');

    // The app's session stands on its own: no more bounces; and the ticket was good once only.
    const again = await browser.navigate(appPage);
    expect([again.response.status, again.hops]).toEqual([200, []]);
    const replay = await fetch(withTicket!, { redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('TICKET_USED');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }, 180_000);
});
