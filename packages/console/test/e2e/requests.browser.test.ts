// Deploy requests end to end, in Chromium against a real berthd whose prod needs approval
// (BERTH_PROD_APPROVAL on): a developer member asks for a promotion to prod with a note and finds it
// under "Mine"; an operator finds it under "To approve" and approves it; the deploy runs and prod
// serves the app. Then the pages of the flow (the inbox, a request, the policy card, the releases
// with their request buttons) in English and in Chinese: in their language, accessible, and
// screenshotted.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkip,
  type ConsoleFixture,
  consoleHooks,
  deployThroughApi,
  loginThroughForm,
  packExample,
  startConsoleFixture,
  tempDir,
  waitDeploySucceeded,
} from '../support/console-fixture.ts';
import { consoleLanguageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = browserSkip('requests.browser.test.ts');

const CODE = 'reqhello';
const APP_NAME = 'Request Hello';
const DEV = 'devon';
const OPS = 'opal';
const PASSWORD = 'a long enough password 14';
const NOTE = 'Ship the greeting to prod';
const APPROVAL_REASON = 'Looks good';
const checker = consoleLanguageChecker();
/** Names and values the run creates, the same in either language. */
const NAMES = [CODE, APP_NAME, DEV, OPS, NOTE, APPROVAL_REASON, 'admin', 'Administrator', 'Devon', 'Opal'];

describe.skipIf(!!skip)('deploy requests in the console', () => {
  let f: ConsoleFixture;
  let work: string;
  /** The promotion request the run files (set by its first step). */
  let requestId: string | undefined;

  beforeAll(async () => {
    f = await startConsoleFixture({ BERTH_PROD_APPROVAL: 'on' });
    work = tempDir('console-requests');
    for (const [username, role, displayName] of [
      [DEV, 'developer', 'Devon'],
      [OPS, 'operator', 'Opal'],
    ] as const) {
      const res = await f.api('POST', '/api/v1/users', {
        body: { username, password: PASSWORD, role, displayName },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const app = await f.api('POST', '/api/v1/apps', { body: { code: CODE, name: APP_NAME } });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    const member = await f.api('POST', `/api/v1/apps/${CODE}/members`, { body: { username: DEV } });
    expect(member.status, JSON.stringify(member.body)).toBeLessThan(300);
    await deployThroughApi(f, CODE, 'stag', await packExample('node-hello', work));
  });
  // A fresh browser context per test; a failed test leaves screenshots of its pages behind.
  consoleHooks('requests', () => ({ f, work }));

  async function loggedInAs(username: string): Promise<Page> {
    const page = await f.newPage();
    await page.goto('/login');
    await loginThroughForm(page, username, PASSWORD);
    return page;
  }

  /** The promotion request, filed through the API when the step that files it failed. */
  async function ensureRequest(): Promise<string> {
    if (requestId) return requestId;
    const cookie = await f.t.login(DEV, PASSWORD);
    const res = await f.api('POST', `/api/v1/apps/${CODE}/envs/prod/requests`, {
      cookie,
      body: { kind: 'promote', note: NOTE },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    requestId = res.body.deploy.id as string;
    return requestId;
  }

  it('refuses a direct promotion to prod: it needs approval', async () => {
    const res = await f.api('POST', `/api/v1/apps/${CODE}/promote`, { body: {} });
    expect(res.body.error?.code).toBe('APPROVAL_REQUIRED');
  });

  it('lets a developer member request the promotion with a note, and shows it under "Mine"', async () => {
    const page = await loggedInAs(DEV);
    await page.goto(`/apps/${CODE}/stag/releases`);
    const promote = page.getByTestId('promote-button');
    await expect.poll(() => promote.innerText()).toBe('Request promotion to prod');
    await promote.click();
    await page.getByTestId('request-note').fill(NOTE);
    await page.getByTestId('request-file-ok').click();
    await page.waitForURL(/\/requests\/[^/]+$/);
    requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const status = page.getByTestId('request-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('requested');
    await expect.poll(() => page.getByTestId('request-view').innerText()).toContain(NOTE);
    // The requester may withdraw it, not approve it.
    await page.getByTestId('request-withdraw').waitFor({ state: 'visible' });
    expect(await page.getByTestId('request-approve').count()).toBe(0);

    await page.goto('/requests?tab=mine');
    const row = page.getByTestId(`request-row-${requestId}`);
    await expect.poll(() => row.innerText()).toContain(NOTE);
    expect(await row.innerText()).toContain(DEV);
    // Nothing waits for a developer's approval.
    await page.getByTestId('requests-tab-to-approve').click();
    await page.getByTestId('requests-table-to-approve').waitFor({ state: 'visible' });
    expect(await page.getByTestId(`request-row-${requestId}`).count()).toBe(0);

    const filed = (await f.api('GET', `/api/v1/requests/${requestId}`)).body.deploy;
    expect(filed).toMatchObject({ kind: 'promote', env: 'prod', status: 'requested', createdBy: DEV });
    expect(filed.request.note).toBe(NOTE);
  });

  it('lets an operator find it under "To approve" and approve it: the deploy runs and prod serves', async () => {
    const id = await ensureRequest();
    const page = await loggedInAs(OPS);
    await page.goto('/requests');
    // The menu counts what waits for the operator.
    await expect
      .poll(() => page.getByTestId('requests-badge').locator('[title]').first().getAttribute('title'))
      .toBe('Requests waiting for you: 1');
    const row = page.getByTestId(`request-row-${id}`);
    await expect.poll(() => row.innerText()).toContain(NOTE);
    await row.getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/requests/${id}$`));
    await page.getByTestId('request-approve').click();
    await page.getByTestId('request-approve-reason').fill(APPROVAL_REASON);
    await page.getByTestId('request-approve-ok').click();
    await expect
      .poll(() => page.getByTestId('request-status').getAttribute('data-status'))
      .not.toBe('requested');
    await waitDeploySucceeded(f, id);
    const decided = (await f.api('GET', `/api/v1/requests/${id}`)).body.deploy;
    expect(decided.request).toMatchObject({ decidedBy: OPS, reason: APPROVAL_REASON });
    const prod = await fetch(`${f.appsUrl}/o/${CODE}/`);
    expect(prod.status).toBe(200);
    expect(await prod.text()).toContain('Hello from Berth');
  });

  describe.each(['en', 'zh-CN'] as const)('the request pages in %s', (locale) => {
    it('are in their language, accessible, and screenshotted', { timeout: 180_000 }, async () => {
      const id = await ensureRequest();
      const page = await f.newPage({ locale, loggedIn: true });
      const stops: TourStop[] = [
        {
          name: 'requests-pending',
          path: '/requests?tab=pending',
          ready: 'requests-table-pending',
          loggedIn: true,
        },
        { name: 'request', path: `/requests/${id}`, ready: 'request-view', loggedIn: true },
        {
          name: 'app-prod-releases',
          path: `/apps/${CODE}/prod/releases`,
          ready: 'needs-approval',
          loggedIn: true,
        },
        {
          name: 'app-stag-settings-policy',
          path: `/apps/${CODE}/stag/settings`,
          ready: 'policy-prod-save',
          loggedIn: true,
        },
      ];
      for (const stop of stops) {
        await openStop(page, stop);
        assertReport(await checkStop(page, stop, locale, checker, NAMES));
      }
    });
  });
});
