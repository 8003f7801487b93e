// The console end to end, in Chromium against a real berthd: log in, create an app, deploy
// examples/node-hello from a .tar.gz and from its directory, open it, change a config var, roll back,
// promote, read its logs and its traffic, create and revoke an API token, switch the language, log
// out; deep links through the login page; the shared session with examples/sso-hello. Then every
// page of the run again in English and in Chinese: no untranslated text, no serious accessibility
// violation, and screenshots at desktop and phone width (packages/console/test/screenshots/,
// git-ignored).
//
// The steps build on each other (one berthd, one app), in order. A step that needs what an earlier
// step should have made (the app, a release) makes it through the API when it is missing, so that a
// failing page fails its own step and not every later one.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  browserSkip,
  type ConsoleFixture,
  type ConsoleLocale,
  consoleHooks,
  deployLog as deployLogOf,
  deployThroughApi,
  EXAMPLES,
  loginThroughForm,
  packExample,
  startConsoleFixture,
  tempDir,
  waitDeploySucceeded,
  waitForPageUrl,
} from '../support/console-fixture.ts';
import { consoleLanguageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = browserSkip('console.browser.test.ts');

const CODE = 'e2ehello';
const APP_NAME = 'E2E Hello';
const SSO = 'ssohello';
const TOKEN = 'e2e-token';
const GREETING = 'Hello from the console';
const checker = consoleLanguageChecker();
/** Names and values the run creates, which stay as they are in either language. */
const NAMES = [
  CODE,
  APP_NAME,
  SSO,
  TOKEN,
  GREETING,
  'admin',
  'Administrator',
  'Hello from Berth',
  'GREETING',
  'NODE_ENV',
  'production',
  'node-hello',
  'sso-hello',
  'uploaded from a .tar.gz',
  'uploaded from a directory',
  'Made by the console E2E test',
  'SSO hello',
];
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

describe.skipIf(!!skip)('the web console in Chromium', () => {
  let f: ConsoleFixture;
  let work: string;
  let helloTarball: string;
  /** Deploys the run made, by what it was (for the tour's deploy-log page). */
  const deploys: Record<string, string> = {};

  beforeAll(async () => {
    f = await startConsoleFixture();
    work = tempDir('console-e2e');
    helloTarball = await packExample('node-hello', work);
  });
  // A fresh browser context per test; a failed test leaves screenshots of its pages behind.
  consoleHooks('', () => ({ f, work }));

  // --- set-up through the API for steps whose earlier step failed ----------------------------

  async function ensureApp(code: string, name: string): Promise<void> {
    if ((await f.api('GET', `/api/v1/apps/${code}`)).status === 200) return;
    const created = await f.api('POST', '/api/v1/apps', { body: { code, name } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }

  async function apiDeploy(code: string, env: string, tarball: string): Promise<string> {
    return deployThroughApi(f, code, env, tarball);
  }

  async function waitDeployApi(id: string): Promise<void> {
    await waitDeploySucceeded(f, id);
  }

  async function deployLog(id: string): Promise<string> {
    return deployLogOf(f, id);
  }

  async function currentVersion(code: string, env: string): Promise<number | undefined> {
    const res = await f.api('GET', `/api/v1/apps/${code}/envs/${env}/releases`);
    return (res.body.releases as Array<{ version: number; current: boolean }> | undefined)?.find(
      (r) => r.current,
    )?.version;
  }

  async function ensureRelease(code: string, env: string): Promise<number> {
    await ensureApp(code, APP_NAME);
    const version = await currentVersion(code, env);
    if (version !== undefined) return version;
    await apiDeploy(code, env, helloTarball);
    return (await currentVersion(code, env))!;
  }

  async function appPage(p: string): Promise<{ status: number; text: string }> {
    const res = await fetch(f.appsUrl + p);
    return { status: res.status, text: await res.text() };
  }

  /** The deploy the page shows (`?deploy=ID` after a deploy started), followed until it ends. */
  async function followDeployInPage(page: Page): Promise<string> {
    await waitForPageUrl(page, /[?&]deploy=/);
    const id = new URL(page.url()).searchParams.get('deploy')!;
    const status = page.getByTestId('deploy-status');
    await expect
      .poll(async () => TERMINAL.includes((await status.getAttribute('data-status')) ?? ''), {
        timeout: 120_000,
        interval: 250,
      })
      .toBe(true);
    expect(await status.getAttribute('data-status'), await deployLog(id)).toBe('succeeded');
    // The live log shows the deploy's output, as the API has it.
    await expect
      .poll(async () => (await page.getByTestId('deploy-log').innerText()).length)
      .toBeGreaterThan(0);
    return id;
  }

  async function loggedInPage(locale: ConsoleLocale = 'en'): Promise<Page> {
    return f.newPage({ locale, loggedIn: true });
  }

  // --- the run --------------------------------------------------------------------------------

  it('sends a visitor to the login page and logs the admin in (an HttpOnly session cookie)', async () => {
    const page = await f.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login$/);
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${f.url}/`);
    await expect.poll(() => page.getByTestId('user-menu').innerText()).toContain('Administrator');
    const cookie = (await page.context().cookies()).find((c) => c.name === f.t.cookieName);
    expect(cookie?.httpOnly).toBe(true);
    expect((await f.api('GET', '/api/v1/me', { cookie: cookie!.value })).body.user.username).toBe('admin');
  });

  it('creates an app and shows its secret once', async () => {
    const page = await loggedInPage();
    await page.goto('/apps');
    await page.getByTestId('apps-create').click();
    await page.getByTestId('app-create-code').fill(CODE);
    await page.getByTestId('app-create-name').fill(APP_NAME);
    await page.getByTestId('app-create-description').fill('Made by the console E2E test');
    await page.getByTestId('app-create-submit').click();
    const secret = page.getByTestId('app-secret-value');
    await secret.waitFor({ state: 'visible' });
    const value = ((await secret.innerText()) || (await secret.inputValue().catch(() => ''))).trim();
    expect(value.length).toBeGreaterThanOrEqual(20);
    await page.getByTestId('app-secret-close').click();
    // The router commits the new URL once the app page's lazy chunk has loaded: give a busy machine time.
    await expect
      .poll(() => new URL(page.url()).pathname, { timeout: 15_000 })
      .toMatch(new RegExp(`^/apps/${CODE}(/|$)`));
    const app = await f.api('GET', `/api/v1/apps/${CODE}`);
    expect(app.body.app).toMatchObject({ code: CODE, name: APP_NAME });
  });

  it('deploys examples/node-hello from a .tar.gz and follows the deploy to its end', async () => {
    await ensureApp(CODE, APP_NAME);
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/deploys`);
    await page.getByTestId('deploy-file-input').setInputFiles(helloTarball);
    await page.getByTestId('deploy-description').fill('uploaded from a .tar.gz');
    await page.getByTestId('deploy-submit').click();
    deploys['tarball'] = await followDeployInPage(page);
    await expect(page.getByTestId('deploy-log').innerText()).resolves.toMatch(/\S/);
    expect(await currentVersion(CODE, 'stag')).toBeGreaterThanOrEqual(1);
  });

  it('deploys the example from its directory (webkitdirectory input)', async () => {
    const before = await ensureRelease(CODE, 'stag');
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/deploys`);
    await page.getByTestId('deploy-dir-input').setInputFiles(path.join(EXAMPLES, 'node-hello'));
    await page.getByTestId('deploy-description').fill('uploaded from a directory');
    await page.getByTestId('deploy-submit').click();
    deploys['directory'] = await followDeployInPage(page);
    expect(await currentVersion(CODE, 'stag')).toBe(before + 1);
    expect((await appPage(`/t/${CODE}/`)).text).toContain('Hello from Berth');
  });

  it('opens the app: the overview shows the release and links to the app on the apps origin', async () => {
    const version = await ensureRelease(CODE, 'stag');
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/overview`);
    await expect
      .poll(() => page.getByTestId('current-release').getAttribute('data-version'))
      .toBe(String(version));
    await page.getByTestId('instances-table').waitFor({ state: 'visible' });
    const href = await page.getByTestId('open-app').getAttribute('href');
    expect(href).toBeTruthy();
    const target = new URL(href!, f.url);
    expect(target.origin).toBe(new URL(f.appsUrl).origin);
    expect(target.pathname).toBe(`/t/${CODE}/`);
    const served = await fetch(target);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('Hello from Berth');
    // The link opens the app in a new tab, which shows the app.
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByTestId('open-app').click(),
    ]);
    await tab!.waitForLoadState();
    expect(await tab!.locator('body').innerText()).toContain('Hello from Berth');
    await tab!.close();
  });

  it('sets a config var, which deploys a new release', async () => {
    const before = await ensureRelease(CODE, 'stag');
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/config`);
    await page.getByTestId('config-table').waitFor({ state: 'visible' });
    await page.getByTestId('config-add').click();
    await page.getByTestId('config-name').fill('GREETING');
    await page.getByTestId('config-value').fill(GREETING);
    await page.getByTestId('config-submit').click();
    deploys['config'] = await followDeployInPage(page);
    expect(await currentVersion(CODE, 'stag')).toBe(before + 1);
    expect((await appPage(`/t/${CODE}/`)).text).toContain(GREETING);
    const vars = await f.api('GET', `/api/v1/apps/${CODE}/envs/stag/config`);
    expect(vars.body.vars).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'GREETING' })]));
  });

  it('rolls back to the release before, after a confirmation', async () => {
    let current = await ensureRelease(CODE, 'stag');
    if (current < 2) {
      await apiDeploy(CODE, 'stag', helloTarball);
      current = (await currentVersion(CODE, 'stag'))!;
    }
    const target = current - 1;
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/releases`);
    await page.getByTestId('releases-table').waitFor({ state: 'visible' });
    await page.getByTestId(`release-row-${current}`).waitFor({ state: 'visible' });
    // The current release has no rollback of its own.
    expect(await page.getByTestId(`release-rollback-${current}`).count()).toBe(0);
    await page.getByTestId(`release-rollback-${target}`).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toContain(`v${target}`);
    await page.getByTestId('confirm-ok').click();
    deploys['rollback'] = await followDeployInPage(page);
    expect(await currentVersion(CODE, 'stag')).toBe(current + 1);
    const deploy = (await f.api('GET', `/api/v1/deploys/${deploys['rollback']}`)).body.deploy;
    expect(deploy.kind).toBe('rollback');
  });

  it('promotes stag to prod, after a confirmation', async () => {
    const version = await ensureRelease(CODE, 'stag');
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/releases`);
    await page.getByTestId('promote-button').click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toContain(`v${version}`);
    await page.getByTestId('confirm-ok').click();
    // (60 s: on a loaded machine the answer to the promotion once took longer than 20 s.)
    await waitForPageUrl(page, new RegExp(`/apps/${CODE}/prod/deploys\\?deploy=`), 60_000);
    deploys['promote'] = await followDeployInPage(page);
    expect(await currentVersion(CODE, 'prod')).toBe(1);
    const prod = await appPage(`/o/${CODE}/`);
    expect(prod.status).toBe(200);
    expect(prod.text).toContain('Hello from Berth');
  });

  it("reads the app's logs, searches them and follows them", async () => {
    await ensureRelease(CODE, 'stag');
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/logs`);
    const view = page.getByTestId('logs-view');
    await expect.poll(() => view.innerText(), { timeout: 30_000 }).toContain('node-hello listening');
    await page.getByTestId('logs-search').fill('listening');
    await page.getByTestId('logs-search').press('Enter');
    await expect.poll(() => view.innerText()).toContain('listening');
    await page.getByTestId('logs-follow').click();
    // Followed: a restart's new instances write their start-up line, which appears without a reload.
    const count = async () => ((await view.innerText()).match(/node-hello listening/g) ?? []).length;
    const before = await count();
    const restart = await f.api('POST', `/api/v1/apps/${CODE}/envs/stag/restart`, { body: {} });
    expect(restart.status, JSON.stringify(restart.body)).toBe(202);
    await waitDeployApi(restart.body.deploy.id);
    await expect.poll(count, { timeout: 30_000 }).toBeGreaterThan(before);
  });

  it("shows the app's traffic: requests through the gateway count in the stag row", async () => {
    await ensureRelease(CODE, 'stag');
    const stagRequests = async (): Promise<number> => {
      const res = await f.api('GET', `/api/v1/apps/${CODE}/traffic`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const envs = res.body.envs as Array<{ env: string; requests: number }>;
      return envs.find((e) => e.env === 'stag')?.requests ?? 0;
    };
    // Earlier steps requested the app too: three more, counted from what the gateway has now.
    const before = await stagRequests();
    for (let i = 0; i < 3; i++) expect((await appPage(`/t/${CODE}/`)).status).toBe(200);
    await expect.poll(stagRequests).toBe(before + 3);
    const page = await loggedInPage();
    await page.goto(`/apps/${CODE}/stag/traffic`);
    const row = page.getByTestId('traffic-row-stag');
    await expect.poll(() => row.getAttribute('data-requests')).toBe(String(before + 3));
    expect(await row.innerText()).toMatch(/^Staging\s/);
    expect(await page.getByTestId('traffic-since').innerText()).toMatch(
      /^Counted by Berth's built-in gateway since .+, when berthd started\.$/,
    );
    await expect.poll(() => page.locator('body').innerText()).toContain('/api/v1/metrics');
    // Refresh reads the counters again: one more request shows without reloading the page.
    expect((await appPage(`/t/${CODE}/`)).status).toBe(200);
    await expect.poll(stagRequests).toBe(before + 4);
    await page.getByTestId('traffic-refresh').click();
    await expect.poll(() => row.getAttribute('data-requests')).toBe(String(before + 4));
  });

  it('creates an API token that works until it is revoked', async () => {
    const page = await loggedInPage();
    await page.goto('/account');
    await page.getByTestId('token-create').click();
    await page.getByTestId('token-name').fill(TOKEN);
    await page.getByTestId('token-create-submit').click();
    const shown = page.getByTestId('token-secret-value');
    await shown.waitFor({ state: 'visible' });
    const secret = ((await shown.inputValue().catch(() => '')) || (await shown.innerText())).trim();
    expect(secret).toMatch(/^berth_/);
    expect((await f.api('GET', '/api/v1/me', { token: secret })).status).toBe(200);
    await page.getByTestId('token-secret-done').click();
    await page.getByTestId(`token-row-${TOKEN}`).waitFor({ state: 'visible' });
    await page.getByTestId(`token-revoke-${TOKEN}`).click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId(`token-row-${TOKEN}`).count()).toBe(0);
    expect((await f.api('GET', '/api/v1/me', { token: secret })).status).toBe(401);
  });

  it('switches the language: the page text changes, and the choice is kept', async () => {
    const page = await loggedInPage('en');
    await page.goto('/');
    await page.getByTestId('user-menu').waitFor({ state: 'visible' });
    const menu = page.getByRole('navigation');
    const english = await menu.innerText();
    expect(english).toMatch(/Workbench/);
    await page.getByTestId('language-switch').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '简体中文' }).click();
    await expect.poll(() => menu.innerText()).toMatch(/工作台/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.reload();
    await expect.poll(() => page.getByRole('navigation').innerText()).toMatch(/工作台/);
    expect(await page.evaluate(() => localStorage.getItem('berth.locale'))).toBe('zh-CN');
  });

  it('logs out, and the session cookie no longer works', async () => {
    const page = await f.newPage();
    await page.goto('/login');
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    const cookie = (await page.context().cookies()).find((c) => c.name === f.t.cookieName)!;
    expect((await f.api('GET', '/api/v1/me', { cookie: cookie.value })).status).toBe(200);
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    expect((await f.api('GET', '/api/v1/me', { cookie: cookie.value })).status).toBe(401);
    // The console too: a console page sends the browser back to the login page.
    await page.goto('/apps');
    await page.waitForURL(/\/login\?next=%2Fapps$/);
  });

  it('sends a page whose session ended elsewhere back to the login page, and returns after it', async () => {
    const page = await f.newPage();
    await page.goto('/login');
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${f.url}/`);
    await page.goto('/apps');
    await page.getByTestId('apps-search').waitFor({ state: 'visible' });
    // The session ends outside this tab (here: logged out with the same cookie by another client).
    const cookie = (await page.context().cookies()).find((c) => c.name === f.t.cookieName)!;
    expect(
      (await f.api('POST', '/api/v1/auth/logout', { cookie: cookie.value, headers: { origin: f.url } }))
        .status,
    ).toBeLessThan(300);
    // The next call the page makes answers 401: the console shows its login page, with the way back.
    await page.getByTestId('apps-search').fill('x');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/apps');
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${f.url}/apps`);
  });

  it('keeps a deep link through the login page', async () => {
    await ensureRelease(CODE, 'stag');
    const page = await f.newPage();
    const deep = `/apps/${CODE}/stag/releases`;
    await page.goto(deep);
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === deep);
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${f.url}${deep}`);
    await page.getByTestId('releases-table').waitFor({ state: 'visible' });
  });

  it('shares the session with examples/sso-hello: the app knows the console user without a second login', async () => {
    await ensureApp(SSO, 'SSO hello');
    if ((await currentVersion(SSO, 'stag')) === undefined) {
      await apiDeploy(SSO, 'stag', await packExample('sso-hello', work));
    }
    const whoami = `${f.appsUrl}/t/${SSO}/whoami`;

    // Logged in to the console first: the app learns who the user is through app-login.
    const page = await f.newPage();
    await page.goto('/login');
    await loginThroughForm(page, 'admin', ADMIN_PASSWORD);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.goto(whoami);
    await page.waitForURL(whoami);
    expect(await page.locator('body').innerText()).toContain('admin');
    expect(visited.filter((u) => new URL(u).pathname === '/login')).toEqual([]);

    // Not logged in: app-login sends the browser to the console's login page, and back after it.
    const anonymous = await f.newPage();
    await anonymous.goto(whoami);
    await anonymous.waitForURL((url) => url.origin === f.url && url.pathname === '/login');
    expect(new URL(anonymous.url()).searchParams.get('next')).toMatch(/^\/api\/v1\/auth\/app-login\?/);
    await loginThroughForm(anonymous, 'admin', ADMIN_PASSWORD);
    await anonymous.waitForURL(whoami, { timeout: 20_000 });
    expect(await anonymous.locator('body').innerText()).toContain('admin');
  });

  // --- every page of the run, in both languages ------------------------------------------------

  async function tourStops(): Promise<TourStop[]> {
    const app = (env: string, tab: string, ready: string, query = ''): TourStop => ({
      name: `app-${env}-${tab}`,
      path: `/apps/${CODE}/${env}/${tab}${query}`,
      ready,
      loggedIn: true,
    });
    const logged = (name: string, p: string, ready?: string): TourStop => ({
      name,
      path: p,
      ready,
      loggedIn: true,
    });
    const latest = await f.api('GET', `/api/v1/apps/${CODE}/envs/stag/deploys?limit=1`);
    const shown = deploys['config'] ?? (latest.body.deploys?.[0]?.id as string | undefined);
    return [
      { name: 'login', path: '/login', ready: 'login-submit', loggedIn: false },
      logged('workbench', '/', `workbench-card-${CODE}`),
      logged('apps-list', '/apps', `app-row-${CODE}`),
      app('stag', 'overview', 'current-release'),
      app('stag', 'deploys', 'deploy-status', shown ? `?deploy=${shown}` : ''),
      app('stag', 'releases', 'releases-table'),
      app('stag', 'logs', 'logs-view'),
      app('stag', 'traffic', 'traffic-table'),
      app('stag', 'config', 'config-table'),
      app('stag', 'members', 'members-table'),
      app('stag', 'settings', 'secret-reveal'),
      app('prod', 'overview', 'current-release'),
      logged('account', '/account', 'tokens-table'),
      logged('account-password', '/account/password', 'password-submit'),
      logged('admin-users', '/admin/users', 'user-create'),
      logged('admin-tokens', '/admin/tokens'),
      logged('admin-audit', '/admin/audit', 'audit-table'),
      logged('admin-status', '/admin/status', 'status-version'),
    ];
  }

  describe.each(['en', 'zh-CN'] as const)('every page in %s', (locale) => {
    it('is in its language, accessible, and screenshotted at 1280 and 390 px', {
      timeout: 300_000,
    }, async () => {
      await ensureRelease(CODE, 'stag');
      await ensureRelease(CODE, 'prod');
      const anonymous = await f.newPage({ locale });
      const admin = await f.newPage({ locale, loggedIn: true });
      const missing: string[] = [];
      for (const stop of await tourStops()) {
        const page = stop.loggedIn ? admin : anonymous;
        try {
          await openStop(page, stop);
        } catch (err) {
          missing.push(
            `${stop.name}: ${stop.path} did not show ${stop.ready ? `[data-testid=${stop.ready}]` : 'its heading'} (${(err as Error).message.split('\n')[0]})`,
          );
          continue;
        }
        if (locale === 'zh-CN') {
          // The browser's language chose Chinese on the first visit.
          expect.soft(await page.evaluate(() => document.documentElement.lang), stop.name).toBe('zh-CN');
        }
        assertReport(await checkStop(page, stop, locale, checker, NAMES));
      }
      if (missing.length > 0)
        process.stdout.write(`pages not reached (${locale}):\n  ${missing.join('\n  ')}\n`);
      expect(missing).toEqual([]);
    });
  });
});
