// The status page in Chromium when the gateway refused a route table: berthd on the nginx gateway,
// whose configuration a test hook breaks while a domain is added. The page shows the refused
// table, the one still served and nginx's own words; once a later table is served, it shows none.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { nginxUnavailable } from '../../../server/test/gateway/nginx/nginx-support.ts';
import { type ConsoleFixture, settled, startConsoleFixture } from '../support/console-fixture.ts';

const browserSkip = inject('browserSkip');
if (browserSkip) process.stdout.write(`gateway-status.browser.test.ts skipped: ${browserSkip}\n`);
// Without nginx: a message, or a failure with BERTH_TEST_NGINX=1 (CI).
const skip = browserSkip || (nginxUnavailable('the gateway status page test') ?? '');

const CODE = 'gwstatus';

describe.skipIf(!!skip)('the status page when the gateway refused a table', () => {
  let f: ConsoleFixture;
  let broken = false;

  beforeAll(async () => {
    f = await startConsoleFixture(
      { BERTH_GATEWAY: 'nginx', BERTH_GATEWAY_WORKERS: '1' },
      { mangleNginxConfig: (text) => (broken ? `${text}\nthis_is_not_a_directive on;\n` : text) },
    );
    const app = await f.api('POST', '/api/v1/apps', { body: { code: CODE, name: 'Gateway status' } });
    expect(app.status).toBe(201);
  });
  afterEach(async (context) => {
    const failed = context.task.result?.state === 'fail';
    await f?.closePages(failed ? context.task.name.replace(/\W+/g, '-').slice(0, 100) : undefined);
  });
  afterAll(async () => {
    await f?.stop();
  });

  it("shows the refused table with nginx's words, until a later table is served", async () => {
    const addDomain = (host: string) =>
      f.api('POST', '/api/v1/domains', { body: { host, app: CODE, env: 'prod' } });
    broken = true;
    try {
      await addDomain('refused.example.com');
    } finally {
      broken = false;
    }
    const status = (await f.api('GET', '/api/v1/platform/status')).body.gateway;
    expect(status.lastFailure).not.toBeNull();

    const page = await f.newPage({ loggedIn: true });
    await page.goto('/admin/status');
    await settled(page);
    const failure = page.getByTestId('status-gateway-failure');
    await expect.poll(() => failure.isVisible()).toBe(true);
    const text = await failure.innerText();
    expect(text).toContain(`Table ${status.lastFailure.table} was not taken`);
    expect(text).toContain(`table ${status.table} still serves`);
    expect(text).toContain('this_is_not_a_directive');

    // A later table is served: the page has nothing to report.
    expect((await addDomain('served.example.com')).status).toBe(201);
    await expect
      .poll(async () => (await f.api('GET', '/api/v1/platform/status')).body.gateway.lastFailure)
      .toBeNull();
    await page.reload();
    await settled(page);
    await expect.poll(() => page.getByTestId('status-version').isVisible()).toBe(true);
    expect(await failure.count()).toBe(0);
    expect(f.pageErrors).toEqual([]);
  });
});
