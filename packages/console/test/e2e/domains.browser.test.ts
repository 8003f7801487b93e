// The domains page in Chromium against a real berthd: an admin binds a domain through the form,
// uploads a certificate made by the test (pasted as PEM), and the domain's row shows it served with
// its expiry; a refused upload shows the server's code in the form. Then the page is checked in
// English and Chinese (language, accessibility, screenshots), like the main run's tour.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeCert } from '../../../server/test/domains/make-certs.ts';
import { type ConsoleFixture, settled, startConsoleFixture } from '../support/console-fixture.ts';
import { languageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = inject('browserSkip');
if (skip) process.stdout.write(`domains.browser.test.ts skipped: ${skip}\n`);

const CODE = 'domainapp';
const HOST = 'shop.example.com';
const checker = languageChecker(
  import.meta.glob<Record<string, unknown>>('../../src/**/*messages.ts', { eager: true }),
);
const NAMES = [CODE, HOST, 'Domain app', 'admin', 'Administrator', 'prod', 'HSTS', 'HTTPS', 'ACME', '0'];

describe.skipIf(!!skip)('the domains page in Chromium', () => {
  let f: ConsoleFixture;

  beforeAll(async () => {
    f = await startConsoleFixture();
    const app = await f.api('POST', '/api/v1/apps', { body: { code: CODE, name: 'Domain app' } });
    expect(app.status).toBe(201);
  });
  afterEach(async (context) => {
    const failed = context.task.result?.state === 'fail';
    await f?.closePages(failed ? context.task.name.replace(/\W+/g, '-').slice(0, 100) : undefined);
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('binds a domain and uploads a certificate that then serves it', async () => {
    const page = await f.newPage({ loggedIn: true });
    await page.goto('/domains');
    await settled(page);
    await page.getByTestId('domain-add').click();
    await page.getByTestId('domain-host').fill(HOST);
    await page.getByTestId('domain-app').fill(CODE);
    await page.getByTestId('domain-redirect').check();
    await page.getByTestId('domain-add-ok').click();
    await expect.poll(() => page.getByTestId(`domain-row-${HOST}`).innerText()).toMatch(/HTTP/);

    // A certificate that is not PEM is refused with the server's code, shown in the form.
    await page.getByTestId('cert-upload').click();
    await page.getByTestId('cert-pem').fill('not a certificate');
    await page.getByTestId('cert-key').fill('not a key');
    await page.getByTestId('cert-upload-ok').click();
    await expect.poll(() => page.getByRole('dialog').innerText()).toMatch(/CERT_INVALID_PEM/);

    const cert = await makeCert({ names: [HOST] });
    await page.getByTestId('cert-pem').fill(cert.pem);
    await page.getByTestId('cert-key').fill(cert.keyPem);
    await page.getByTestId('cert-upload-ok').click();
    await expect
      .poll(() => page.getByTestId(`domain-row-${HOST}`).innerText())
      .toMatch(/Expires in 8\d days/);
    expect(await page.getByTestId('certs-table').innerText()).toContain(HOST);
    const listed = (await f.api('GET', '/api/v1/domains')).body.items;
    expect(listed).toEqual([
      expect.objectContaining({ host: HOST, httpsRedirect: true, certificate: expect.anything() }),
    ]);
    expect(f.pageErrors).toEqual([]);
  });

  describe.each(['en', 'zh-CN'] as const)('the page in %s', (locale) => {
    it('is in its language and accessible', { timeout: 120_000 }, async () => {
      const page = await f.newPage({ locale, loggedIn: true });
      const stop: TourStop = { name: 'domains', path: '/domains', ready: 'domains-table', loggedIn: true };
      await openStop(page, stop);
      assertReport(await checkStop(page, stop, locale, checker, NAMES));
    });
  });
});
