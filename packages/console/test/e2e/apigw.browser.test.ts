// The API gateway's pages in Chromium against a real berthd: two systems synced through the API (one
// in Berth's shape whose docs carry HTML and a script, one in BlueKing's shape); the systems page
// lists and filters them; a system's page shows its components and renders their Markdown docs with
// the HTML as text (no element made of it, no script run); an admin grants an app one component
// through the form and revokes it; a developer who owns no system is refused with the API's code.
// Calls made through /api/c/ for real (the destination is not deployed: the gateway answers 503, and
// 403 once the grant is revoked) then show in the call records with their last errors. The recorder
// writes every 10 s; the test has it write at once (flush) instead of waiting. Permission requests:
// a developer of the calling app asks through the form (on the requests tab and on the system's
// page), a developer of the system's owner app refuses one (the form needs a reason) and approves
// another (its grant shows in the grants tab), the requester withdraws the third, and an auditor sees
// them all without actions. Then the pages in English and Chinese (language, accessibility,
// screenshots).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkip,
  type ConsoleFixture,
  consoleHooks,
  loginThroughForm,
  settled,
  startConsoleFixture,
} from '../support/console-fixture.ts';
import { consoleLanguageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = browserSkip('apigw.browser.test.ts');

const OWNER = 'gwowner';
const CALLER = 'gwcaller';
const DEV = 'devgw';
/** A developer of the calling app (files requests), of the owner app (decides them), an auditor. */
const REQUESTER = 'reqdev';
const APPROVER = 'ownerdev';
const AUDITOR = 'gwaudit';
const REASONS = {
  get_order: 'The shop shows order status',
  cancel_order: 'Refunds cancel orders',
  whole: 'Everything for the sync',
  refusal: 'Ask for get_order only',
};
const PASSWORD = 'a long enough password 14';
/** Docs written by a stranger: Markdown with HTML and script in it. */
const PAYLOAD = '<img src=x onerror="window.pwnedByDocs=1"><script>window.pwnedByDocs=2</script>';
const SYSTEM_YAML = `system:
  name: SHOP_API
  label: Shop API
  owner: ${OWNER}
  timeout: 10s
  docs: |
    # Shop

    The **shop**'s own API.
components:
  - name: get_order
    label: Get an order
    path: /v2/shop/get_order/{id}/
    method: GET
    dest: { app: ${OWNER}, env: prod, path: "/api/orders/{id}/" }
    rate_limit: 100/min
    docs: |
      ## Get an order

      Answers the order as JSON; \`id\` is the order's number.

      ${PAYLOAD}
  - name: cancel_order
    label: Cancel an order
    path: /v2/shop/cancel_order/
    method: POST
    dest: { app: ${OWNER}, env: stag, path: /api/cancel/ }
    type: operate
    perm_level: sensitive
`;
const BLUEKING_YAML = `- path: /v2/bk_demo/get_template_list/
  name: get_template_list
  label: 查询模板列表
  label_en: Get template list
  method: GET
  comp_codename: generic.v2.bk_demo.demo_component
  dest_path: /o/${OWNER}/apigw/get_template_list/
  dest_http_method: GET
  timeout: 30
`;
const checker = consoleLanguageChecker();
/** Names and values the run creates, the same in either language. */
const NAMES = [
  OWNER,
  CALLER,
  'SHOP_API',
  'BK_DEMO',
  'Shop API',
  'Shop',
  'Get an order',
  'Cancel an order',
  'get_order',
  'cancel_order',
  'get_template_list',
  'Get template list',
  'admin',
  'Administrator',
  'prod',
  'stag',
  'GET',
  'POST',
  'p50',
  'p90',
  'p99',
  'JSON',
  'OpenAPI',
  REQUESTER,
  APPROVER,
  'SHOP_API/get_order',
  'SHOP_API/cancel_order',
];

describe.skipIf(!!skip)('the API gateway pages in Chromium', () => {
  let f: ConsoleFixture;
  let secret: string;

  /** A call through the gateway as the caller app (its own code and secret). */
  const call = (path: string) =>
    fetch(`${f.url}/api/c/${path}`, {
      headers: { 'x-berth-app-code': CALLER, 'x-berth-app-secret': secret },
    });

  beforeAll(async () => {
    f = await startConsoleFixture();
    for (const code of [OWNER, CALLER]) {
      const app = await f.api('POST', '/api/v1/apps', { body: { code, name: code } });
      expect(app.status, JSON.stringify(app.body)).toBe(201);
    }
    secret = (await f.api('GET', `/api/v1/apps/${CALLER}/secret`)).body.secret;
    expect(secret).toBeTruthy();
    const sync = await f.api('POST', '/api/v1/apigw/sync', {
      body: {
        files: [
          { name: 'SHOP_API.yaml', text: SYSTEM_YAML },
          { name: 'bk_demo.yaml', text: BLUEKING_YAML },
        ],
      },
    });
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    const dev = await f.api('POST', '/api/v1/users', {
      body: { username: DEV, password: PASSWORD, role: 'developer', displayName: 'Dev' },
    });
    expect(dev.status, JSON.stringify(dev.body)).toBe(201);
    for (const [username, role, app] of [
      [REQUESTER, 'developer', CALLER],
      [APPROVER, 'developer', OWNER],
      [AUDITOR, 'auditor', undefined],
    ] as const) {
      const user = await f.api('POST', '/api/v1/users', {
        body: { username, password: PASSWORD, role, displayName: username },
      });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      if (app) {
        const member = await f.api('POST', `/api/v1/apps/${app}/members`, { body: { username } });
        expect(member.status, JSON.stringify(member.body)).toBe(204);
      }
    }
  });
  consoleHooks('apigw', () => ({ f, work: undefined }));

  const adminPage = () => f.newPage({ loggedIn: true });
  const grantsOf = async () =>
    (await f.api('GET', `/api/v1/apigw/grants?app=${CALLER}`)).body.items as Array<{
      id: string;
      system: string;
      component: string | null;
    }>;

  it('lists the systems and filters them', async () => {
    const page = await adminPage();
    await page.goto('/apigw');
    await settled(page);
    const table = page.getByTestId('apigw-systems-table');
    await expect.poll(() => table.innerText()).toMatch(/SHOP_API/);
    const shop = await page.getByTestId('apigw-system-row-SHOP_API').innerText();
    expect(shop).toMatch(/Shop API/);
    expect(shop).toContain(OWNER);
    expect(shop).toMatch(/\b2\b/); // components
    expect(shop).toMatch(/10\.0 s/);
    expect(await page.getByTestId('apigw-system-row-BK_DEMO').innerText()).toMatch(/30 s \(default\)/);
    // The built-in system is berthd's own: no update time (it was never declared), a tag instead.
    const builtIn = await page.getByTestId('apigw-system-row-berth').innerText();
    expect(builtIn).toMatch(/Built in/);
    expect(builtIn).not.toMatch(/1970/);

    await page.getByTestId('apigw-system-search').fill('demo');
    await expect.poll(() => page.getByTestId('apigw-system-row-SHOP_API').count()).toBe(0);
    expect(await page.getByTestId('apigw-system-row-BK_DEMO').count()).toBe(1);
  });

  it("shows a system's components and their docs, HTML as text", async () => {
    const page = await adminPage();
    await page.goto('/apigw');
    await settled(page);
    await page.getByTestId('apigw-system-open-SHOP_API').click();
    await page.getByTestId('apigw-components-table').waitFor({ state: 'visible' });
    await settled(page);

    expect(await page.getByTestId('apigw-system-docs').innerText()).toMatch(/The shop's own API/);
    const row = await page.getByTestId('apigw-component-row-get_order').innerText();
    expect(row).toContain('GET /v2/shop/get_order/{id}/');
    expect(row).toContain(`${OWNER} (prod) /api/orders/{id}/`);
    expect(row).toContain('100/min');
    expect(row).toMatch(/Normal/);
    const cancel = await page.getByTestId('apigw-component-row-cancel_order').innerText();
    expect(cancel).toMatch(/Operate/);
    expect(cancel).toMatch(/Sensitive/);

    const docs = page.getByTestId('apigw-component-docs-get_order');
    expect(await docs.locator('h3').innerText()).toBe('Get an order');
    expect(await docs.locator('code').innerText()).toBe('id');
    // The HTML of the docs is text on the page: no element made of it, nothing of it ran.
    expect(await docs.innerText()).toContain(PAYLOAD);
    expect(await docs.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwnedByDocs?: number }).pwnedByDocs)).toBeUndefined();

    // The call URL is the OpenAPI document's server and the component's path.
    expect(await page.getByTestId('apigw-call-url-get_order').innerText()).toBe(
      `${f.t.berthd.urls.apigw}/api/c/SHOP_API/v2/shop/get_order/{id}/`,
    );
    expect(await page.getByTestId('apigw-openapi').getAttribute('href')).toBe(
      '/api/v1/apigw/systems/SHOP_API/openapi.json',
    );
  });

  it('grants the caller a component through the form, then revokes it', async () => {
    const page = await adminPage();
    await page.goto('/apigw/systems/SHOP_API');
    await settled(page);
    await page.getByTestId('apigw-system-grants').click();
    await page.getByTestId('apigw-grants-table').waitFor({ state: 'visible' });
    await page.getByTestId('apigw-grant-add').click();
    await page.getByTestId('apigw-grant-app').fill(CALLER);
    await page.getByTestId('apigw-grant-component').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'get_order' }).click();
    await page.getByTestId('apigw-grant-ok').click();
    const row = page.getByTestId(`apigw-grant-row-${CALLER}-SHOP_API-get_order`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(/Never/);
    const granted = await grantsOf();
    expect(granted.map((g) => [g.system, g.component])).toEqual([['SHOP_API', 'get_order']]);

    // A granted call goes through the gateway; nothing is deployed there, so it answers 503.
    const res = await call('SHOP_API/v2/shop/get_order/7/');
    expect(res.status, await res.text()).toBe(503);

    await page.getByTestId(`apigw-grant-revoke-${granted[0]?.id}`).click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await grantsOf()).toEqual([]);
    const refused = await call('SHOP_API/v2/shop/get_order/8/');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('APIGW_PERMISSION_DENIED');
    await f.t.berthd.apigwRecords.recorder.flush();
  });

  it("shows a developer the API's refusal of a grant they may not make", async () => {
    const page = await f.newPage();
    await page.goto('/apigw?tab=grants');
    await loginThroughForm(page, DEV, PASSWORD);
    await page.getByTestId('apigw-grant-add').click();
    await page.getByTestId('apigw-grant-app').fill(CALLER);
    await page.getByTestId('apigw-grant-system').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'SHOP_API' }).click();
    await page.getByTestId('apigw-grant-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/FORBIDDEN/);
    expect(await grantsOf()).toEqual([]);
    // Trusted apps are not offered to developers.
    expect(await page.getByTestId('apigw-tab-trusted').count()).toBe(0);
  });

  it('shows the calls made through /api/c/ with their last errors', async () => {
    const page = await adminPage();
    await page.goto('/apigw?tab=records&window=24h');
    await settled(page);
    const row = page.getByTestId(`apigw-record-row-SHOP_API-get_order-${CALLER}`);
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.innerText();
    // Two calls: one 503 (the destination is not deployed), one 403 (the grant was revoked).
    expect(text).toMatch(/\t2\t0\/1\/1\t2 \(100 %\)/);
    const errors = await page.getByTestId('apigw-errors-table').innerText();
    expect(errors).toContain('APIGW_DEST_UNAVAILABLE');
    expect(errors).toContain('APIGW_PERMISSION_DENIED');
    expect(errors).toMatch(/503/);
    await page.getByTestId('apigw-window-1h').click();
    await expect.poll(() => page.url()).toMatch(/window=1h/);
    await expect.poll(() => row.count()).toBe(1);
  });

  /** The caller's permission requests, by target (`component`, or `*` for every component). */
  const requestsOf = async () => {
    const res = await f.api('GET', `/api/v1/apigw/permission-requests?app=${CALLER}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const items = res.body.items as Array<{
      id: string;
      component: string | null;
      status: string;
      requestedBy: string;
      reason: string;
      decidedBy: string | null;
      decisionReason: string | null;
      grantId: string | null;
    }>;
    return new Map(items.map((r) => [r.component ?? '*', r]));
  };
  const pick = async (page: Page, testId: string, option: string) => {
    await page.getByTestId(testId).click();
    await page.locator('.ant-select-item-option').filter({ hasText: option }).click();
  };
  const asUser = async (username: string, path: string) => {
    const page = await f.newPage();
    await page.goto(path);
    await loginThroughForm(page, username, PASSWORD);
    return page;
  };

  it('lets a developer of the calling app ask for permission through the form', async () => {
    const page = await asUser(REQUESTER, '/apigw?tab=requests');
    await page.getByTestId('apigw-requests-table').waitFor({ state: 'visible' });
    await page.getByTestId('apigw-request-add').click();
    await pick(page, 'apigw-request-app', CALLER);
    await pick(page, 'apigw-request-system', 'SHOP_API (Shop API)');
    await page.getByTestId('apigw-request-component').click();
    // Only the components that need a grant are offered, beside every component.
    const options = page.locator('.ant-select-dropdown:visible .ant-select-item-option');
    await expect
      .poll(() => options.allInnerTexts())
      .toEqual(['Every component', 'get_order (Get an order)', 'cancel_order (Cancel an order)']);
    await options.filter({ hasText: 'get_order' }).click();
    // No reason: the form says so and files nothing.
    await page.getByTestId('apigw-request-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/Required/);
    expect((await requestsOf()).size).toBe(0);
    await page.getByTestId('apigw-request-reason').fill(REASONS.get_order);
    await page.getByTestId('apigw-request-ok').click();
    await expect.poll(async () => (await requestsOf()).get('get_order')?.status).toBe('requested');
    const filed = (await requestsOf()).get('get_order');
    expect(filed).toMatchObject({ requestedBy: REQUESTER, reason: REASONS.get_order });
    const row = page.getByTestId(`apigw-request-row-${filed?.id}`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('SHOP_API/get_order');
    expect(await row.innerText()).toMatch(/Open/);
    // The requester may withdraw it, not decide it (they are no member of the owner app).
    expect(await page.getByTestId(`apigw-request-withdraw-${filed?.id}`).count()).toBe(1);
    expect(await page.getByTestId(`apigw-request-approve-${filed?.id}`).count()).toBe(0);
    await expect
      .poll(() => page.getByTestId('apigw-tab-requests').innerText())
      .toBe('Permission requests (1)');

    // The system's page offers the form for one component, prefilled with it.
    await page.goto('/apigw/systems/SHOP_API');
    await page.getByTestId('apigw-component-ask-cancel_order').click();
    await expect.poll(() => page.getByTestId('apigw-request-component').innerText()).toMatch(/cancel_order/);
    await pick(page, 'apigw-request-app', CALLER);
    await page.getByTestId('apigw-request-reason').fill(REASONS.cancel_order);
    await page.getByTestId('apigw-request-ok').click();
    await expect.poll(async () => (await requestsOf()).get('cancel_order')?.status).toBe('requested');
    // And for the whole system.
    await page.getByTestId('apigw-system-ask').click();
    await pick(page, 'apigw-request-app', CALLER);
    await page.getByTestId('apigw-request-reason').fill(REASONS.whole);
    await page.getByTestId('apigw-request-ok').click();
    await expect.poll(async () => (await requestsOf()).get('*')?.status).toBe('requested');
    // Asking again for an open target is the API's refusal, shown with its code.
    await page.getByTestId('apigw-system-ask').click();
    await pick(page, 'apigw-request-app', CALLER);
    await page.getByTestId('apigw-request-reason').fill(REASONS.whole);
    await page.getByTestId('apigw-request-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/APIGW_REQUEST_PENDING/);
  });

  it("lets a developer of the system's owner app refuse one request and approve another", async () => {
    const filed = await requestsOf();
    const getOrder = filed.get('get_order');
    const cancel = filed.get('cancel_order');
    const page = await asUser(APPROVER, '/apigw?tab=requests');
    const table = page.getByTestId('apigw-requests-table');
    await expect.poll(() => table.innerText()).toContain(REASONS.whole);
    expect(await table.innerText()).toContain(REASONS.get_order);
    await expect
      .poll(() => page.getByTestId('apigw-tab-requests').innerText())
      .toBe('Permission requests (3)');
    // The owner's developer decides; withdrawing is the calling app's.
    expect(await page.getByTestId(`apigw-request-withdraw-${getOrder?.id}`).count()).toBe(0);

    await page.getByTestId(`apigw-request-refuse-${getOrder?.id}`).click();
    await page.getByTestId('apigw-decision-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/Say why you refuse/);
    expect((await requestsOf()).get('get_order')?.status).toBe('requested');
    await page.getByTestId('apigw-decision-reason').fill(REASONS.refusal);
    await page.getByTestId('apigw-decision-ok').click();
    const refusedTag = page.getByTestId(`apigw-request-status-${getOrder?.id}`);
    await expect.poll(() => refusedTag.innerText()).toBe('Refused');
    expect(await page.getByTestId(`apigw-request-decision-${getOrder?.id}`).innerText()).toContain(
      REASONS.refusal,
    );
    expect(await page.getByTestId(`apigw-request-refuse-${getOrder?.id}`).count()).toBe(0);
    expect((await requestsOf()).get('get_order')).toMatchObject({
      status: 'refused',
      decidedBy: APPROVER,
      decisionReason: REASONS.refusal,
      grantId: null,
    });

    await page.getByTestId(`apigw-request-approve-${cancel?.id}`).click();
    await page.getByTestId('apigw-decision-ok').click();
    await expect
      .poll(() => page.getByTestId(`apigw-request-status-${cancel?.id}`).innerText())
      .toBe('Approved');
    const approved = (await requestsOf()).get('cancel_order');
    // Approved without a reason: nothing typed for the refusal went with it.
    expect(approved).toMatchObject({ status: 'approved', decidedBy: APPROVER, decisionReason: null });
    expect(approved?.grantId).toBeTruthy();
    await expect
      .poll(() => page.getByTestId('apigw-tab-requests').innerText())
      .toBe('Permission requests (1)');

    // The grant it wrote, in the grants tab filtered by the calling app.
    await page.getByTestId(`apigw-request-grant-${cancel?.id}`).click();
    await expect.poll(() => page.url()).toMatch(/tab=grants&app=gwcaller/);
    await expect
      .poll(() => page.getByTestId(`apigw-grant-row-${CALLER}-SHOP_API-cancel_order`).count())
      .toBe(1);
    expect((await grantsOf()).map((g) => [g.id, g.component])).toEqual([[approved?.grantId, 'cancel_order']]);
  });

  it('lets the requester withdraw a request', async () => {
    const whole = (await requestsOf()).get('*');
    const page = await asUser(REQUESTER, '/apigw?tab=requests');
    await page.getByTestId(`apigw-request-withdraw-${whole?.id}`).click();
    await page.getByTestId('apigw-decision-ok').click();
    await expect
      .poll(() => page.getByTestId(`apigw-request-status-${whole?.id}`).innerText())
      .toBe('Withdrawn');
    expect((await requestsOf()).get('*')).toMatchObject({ status: 'withdrawn', decidedBy: REQUESTER });
    await expect.poll(() => page.getByTestId('apigw-tab-requests').innerText()).toBe('Permission requests');
  });

  it("shows the API's refusal of a decision made too late, and reads the list again", async () => {
    const requester = await f.t.login(REQUESTER, PASSWORD);
    const filed = await f.api('POST', '/api/v1/apigw/permission-requests', {
      cookie: requester,
      body: { app: CALLER, system: 'SHOP_API', component: 'get_order', reason: REASONS.get_order },
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const id = filed.body.request.id as string;
    const page = await asUser(APPROVER, '/apigw?tab=requests');
    await page.getByTestId(`apigw-request-approve-${id}`).click();
    // An admin withdraws it while the approver's form is open.
    const withdrawn = await f.api('POST', `/api/v1/apigw/permission-requests/${id}/withdraw`, { body: {} });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    await page.getByTestId('apigw-decision-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/APIGW_REQUEST_DECIDED/);
    // The open requests are read again: it is not one of them any more.
    await expect.poll(() => page.getByTestId(`apigw-request-row-${id}`).count()).toBe(0);
    expect(await grantsOf()).toHaveLength(1);
  });

  it('shows an auditor every request without actions', async () => {
    const page = await asUser(AUDITOR, '/apigw?tab=requests&status=all');
    const table = page.getByTestId('apigw-requests-table');
    const filed = await requestsOf();
    for (const r of filed.values()) {
      await expect.poll(() => page.getByTestId(`apigw-request-row-${r.id}`).count()).toBe(1);
    }
    const text = await table.innerText();
    for (const status of ['Refused', 'Approved', 'Withdrawn']) expect(text).toContain(status);
    expect(await table.locator('button').count()).toBe(0);
    expect(await page.getByTestId('apigw-request-add').count()).toBe(0);
    // The status filter is kept in the address.
    await page.getByTestId('apigw-requests-status').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Approved' }).click();
    await expect.poll(() => page.url()).toMatch(/status=approved/);
    await expect.poll(() => page.locator('[data-testid^="apigw-request-row-"]').count()).toBe(1);
    expect(await page.getByTestId(`apigw-request-row-${filed.get('cancel_order')?.id}`).count()).toBe(1);
    // The system's page offers no request form either.
    await page.goto('/apigw/systems/SHOP_API');
    await page.getByTestId('apigw-components-table').waitFor({ state: 'visible' });
    expect(await page.getByTestId('apigw-system-ask').count()).toBe(0);
    expect(await page.getByTestId('apigw-component-ask-get_order').count()).toBe(0);
  });

  describe.each(['en', 'zh-CN'] as const)('the pages in %s', (locale) => {
    const stops: TourStop[] = [
      { name: 'apigw-systems', path: '/apigw', ready: 'apigw-systems-table', loggedIn: true },
      {
        name: 'apigw-system',
        path: '/apigw/systems/SHOP_API',
        ready: 'apigw-components-table',
        loggedIn: true,
      },
      { name: 'apigw-grants', path: '/apigw?tab=grants', ready: 'apigw-grants-table', loggedIn: true },
      {
        name: 'apigw-requests',
        path: '/apigw?tab=requests&status=all',
        ready: 'apigw-requests-table',
        loggedIn: true,
      },
      {
        name: 'apigw-records',
        path: '/apigw?tab=records&window=24h',
        ready: 'apigw-records-table',
        loggedIn: true,
      },
      { name: 'apigw-trusted', path: '/apigw?tab=trusted', ready: 'apigw-trusted-table', loggedIn: true },
    ];
    it.each(stops.map((s) => [s.name, s] as const))(
      '%s is in its language and accessible',
      { timeout: 120_000 },
      async (_name, stop) => {
        const page: Page = await f.newPage({ locale, loggedIn: true });
        await openStop(page, stop);
        assertReport(await checkStop(page, stop, locale, checker, NAMES));
      },
    );
  });
});
