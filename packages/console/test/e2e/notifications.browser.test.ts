// The notification pages in Chromium against a real berthd and a real webhook receiver: an admin
// adds a webhook channel through the form, edits it without retyping its secret, sends a test and
// sees it sent in the channel's history; then subscribes an app to it, changes what it hears and
// unsubscribes it. Both pages are then checked in English and Chinese (language, accessibility,
// screenshots), like the main run's tour.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Receiver, startReceiver } from '../../../server/test/notify/receiver.ts';
import { type ConsoleFixture, settled, startConsoleFixture } from '../support/console-fixture.ts';
import { languageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = inject('browserSkip');
if (skip) process.stdout.write(`notifications.browser.test.ts skipped: ${skip}\n`);

const CODE = 'notifyapp';
const CHANNEL = 'ops-hook';
const checker = languageChecker(
  import.meta.glob<Record<string, unknown>>('../../src/**/*messages.ts', { eager: true }),
);
const NAMES = [CODE, CHANNEL, 'Notify app', 'admin', 'Administrator', 'http://127.0.0.1', '0'];

describe.skipIf(!!skip)('the notification pages in Chromium', () => {
  let f: ConsoleFixture;
  let receiver: Receiver;

  beforeAll(async () => {
    f = await startConsoleFixture();
    receiver = await startReceiver();
    const app = await f.api('POST', '/api/v1/apps', { body: { code: CODE, name: 'Notify app' } });
    expect(app.status).toBe(201);
  });
  afterEach(async (context) => {
    const failed = context.task.result?.state === 'fail';
    await f?.closePages(failed ? context.task.name.replace(/\W+/g, '-').slice(0, 100) : undefined);
  });
  afterAll(async () => {
    await f?.stop();
    await receiver?.close();
  });

  async function channelId(): Promise<string> {
    const list = await f.api('GET', '/api/v1/channels');
    const channel = list.body.channels.find((c: { name: string }) => c.name === CHANNEL);
    expect(channel).toBeDefined();
    return channel.id;
  }

  async function confirm(page: Page): Promise<void> {
    await page.getByTestId('confirm-ok').click();
  }

  it('adds a webhook channel, edits it, sends a test and shows it sent', async () => {
    const page = await f.newPage({ loggedIn: true });
    await page.goto('/admin/channels');
    await settled(page);
    await page.getByTestId('channel-add').click();
    await page.getByTestId('channel-name').fill(CHANNEL);
    await page.getByTestId('channel-url').fill(`${receiver.url}/hook`);
    await page.getByTestId('channel-secret').fill('a-webhook-secret-of-16+');
    await page.getByTestId('channel-submit').click();
    await page.getByTestId(`channel-row-${CHANNEL}`).waitFor();
    await expect.poll(() => page.getByTestId(`channel-row-${CHANNEL}`).textContent()).toContain('127.0.0.1');

    // An edit starts with the URL and secret empty and keeps them when left so.
    await page.getByTestId(`channel-edit-${CHANNEL}`).click();
    expect(await page.getByTestId('channel-url').inputValue()).toBe('');
    await page.getByRole('dialog').getByRole('combobox').nth(1).click();
    await page.getByTitle('Simplified Chinese').click();
    await page.getByTestId('channel-submit').click();
    await page.getByTestId('channel-submit').waitFor({ state: 'detached' });
    const id = await channelId();
    const saved = await f.api('GET', `/api/v1/channels/${id}`);
    expect(saved.body.channel).toMatchObject({
      language: 'zh-CN',
      config: { kind: 'webhook', secretSet: true },
    });

    await page.getByTestId(`channel-test-${CHANNEL}`).click();
    await expect.poll(() => receiver.requests.length, { timeout: 15_000 }).toBe(1);
    expect(receiver.requests[0]?.url).toBe('/hook');
    const history = page.getByTestId('channel-deliveries');
    await history.waitFor();
    await expect
      .poll(
        async () => {
          await page.getByTestId('channel-deliveries-refresh').click();
          return history.textContent();
        },
        { timeout: 15_000 },
      )
      .toContain('Sent');
  });

  it('subscribes an app to the channel, changes what it hears and unsubscribes it', async () => {
    const id = await channelId();
    const page = await f.newPage({ loggedIn: true });
    await page.goto(`/notifications?app=${CODE}`);
    await settled(page);
    await page.getByTestId('subscription-add').click();
    await page.getByTestId('subscription-channel').click();
    await page.getByTitle(new RegExp(`^${CHANNEL} `)).click();
    await page.getByRole('checkbox', { name: 'Deploy succeeded' }).check();
    await page.getByTestId('subscription-submit').click();
    const table = page.getByTestId('subscriptions-table');
    await expect.poll(() => table.textContent()).toContain(CHANNEL);
    let subs = await f.api('GET', `/api/v1/apps/${CODE}/subscriptions`);
    expect(subs.body.subscriptions).toEqual([
      expect.objectContaining({ channelId: id, envs: ['stag', 'prod'] }),
    ]);
    expect([...subs.body.subscriptions[0].events].sort()).toEqual(['deploy.failed', 'deploy.succeeded']);

    await page.getByTestId(`subscription-edit-${CHANNEL}`).click();
    await page.getByRole('checkbox', { name: 'Staging' }).uncheck();
    await page.getByTestId('subscription-submit').click();
    await page.getByTestId('subscription-submit').waitFor({ state: 'detached' });
    subs = await f.api('GET', `/api/v1/apps/${CODE}/subscriptions`);
    expect(subs.body.subscriptions[0].envs).toEqual(['prod']);

    await page.getByTestId(`subscription-delete-${CHANNEL}`).click();
    await confirm(page);
    await expect
      .poll(async () => (await f.api('GET', `/api/v1/apps/${CODE}/subscriptions`)).body.subscriptions)
      .toEqual([]);
    expect(f.pageErrors).toEqual([]);
  });

  describe.each(['en', 'zh-CN'] as const)('both pages in %s', (locale) => {
    it('are in their language and accessible', { timeout: 120_000 }, async () => {
      const page = await f.newPage({ locale, loggedIn: true });
      const stops: TourStop[] = [
        { name: 'admin-channels', path: '/admin/channels', ready: 'channels-table', loggedIn: true },
        {
          name: 'notifications',
          path: `/notifications?app=${CODE}`,
          ready: 'app-deliveries',
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
