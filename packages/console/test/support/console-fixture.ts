// What a browser test of the console starts with: a real berthd (the server's test harness, serving
// the console build of the tier's global setup), Debian's Chromium, a fresh browser context per page
// the test opens, and the admin's session on the API for setting things up and checking them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as tar from 'tar';
import { afterAll, afterEach, expect, inject, vi } from 'vitest';
import type { BerthdOptions } from '../../../server/src/berthd.ts';
import {
  ADMIN_PASSWORD,
  type ApiOptions,
  type ApiResponse,
  startTestBerthd,
  type TestBerthd,
} from '../../../server/test/support/harness.ts';
import { launchChromium } from './chromium.ts';
// The values the tier's global setup provides (its `declare module 'vitest'`).
import type {} from './global-setup.ts';
import { SCREENSHOT_DIR } from './screenshots.ts';
import { type ConsoleLocale, VIEWPORTS, type ViewportName } from './viewports.ts';

export { ADMIN_PASSWORD };
export const EXAMPLES = path.resolve(import.meta.dirname, '../../../../examples');

export type { ConsoleLocale, ViewportName };

export interface PageOptions {
  locale?: ConsoleLocale;
  viewport?: ViewportName;
  /** Starts logged in as admin (a session of its own), without the login form. */
  loggedIn?: boolean;
}

export interface ConsoleFixture {
  t: TestBerthd;
  browser: Browser;
  /** The console's origin (the API under /api/). */
  url: string;
  /** The apps origin (/t/{code}/, /o/{code}/). */
  appsUrl: string;
  /** The admin's session token, for API calls made by the test itself. */
  adminCookie: string;
  /** An API call as the admin (or with `options.token` / `options.cookie`). */
  api(method: string, p: string, options?: ApiOptions): Promise<ApiResponse>;
  /** A page in a fresh browser context (its own cookies and storage), closed by `stop()`. */
  newPage(options?: PageOptions): Promise<Page>;
  /** Saves a screenshot of every open page (`failed-{name}-{n}.png`), then closes their contexts. */
  closePages(failedName?: string): Promise<void>;
  /** Errors the console's pages threw (uncaught exceptions) and what its CSP refused, with the page's URL. */
  pageErrors: string[];
  stop(): Promise<void>;
}

/**
 * Waits for the page's URL to match; when it does not in time, the error says where the page is
 * and what it shows in its notifications and alerts (an API error the console reported, say), so
 * that a step that never got there says why.
 */
export async function waitForPageUrl(page: Page, url: RegExp, timeout = 20_000): Promise<void> {
  try {
    await page.waitForURL(url, { timeout });
  } catch (err) {
    const shown = await page
      .locator('.ant-notification-notice, .ant-message-notice, [role="alert"]')
      .allInnerTexts()
      .catch((e: Error) => [`(could not read the page: ${e.message})`]);
    const said = shown.map((text) => text.replace(/\s+/g, ' ').trim()).filter(Boolean);
    throw new Error(
      `the page stayed at ${page.url()} (waited ${timeout} ms for ${url}); it shows: ${said.length > 0 ? said.join(' | ') : 'no notification or alert'}`,
      { cause: err },
    );
  }
}

export async function startConsoleFixture(
  env: Record<string, string> = {},
  berthd: BerthdOptions = {},
): Promise<ConsoleFixture> {
  const t = await startTestBerthd({
    env: {
      BERTH_CONSOLE_DIR: inject('consoleDir'),
      BERTH_DRAIN: '300ms',
      BERTH_JOB_WORKERS: '4',
      ...env,
    },
    berthd,
  });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await t.stop();
    throw err;
  }
  const adminCookie = await t.login('admin', ADMIN_PASSWORD);
  const contexts = new Set<BrowserContext>();
  const pageErrors: string[] = [];

  const fixture: ConsoleFixture = {
    t,
    browser,
    url: t.url,
    appsUrl: t.appsUrl,
    adminCookie,
    pageErrors,
    api: (method, p, options = {}) =>
      t.api(method, p, options.token || options.cookie ? options : { ...options, cookie: adminCookie }),
    async newPage(options = {}) {
      const context = await browser.newContext({
        viewport: VIEWPORTS[options.viewport ?? 'desktop'],
        deviceScaleFactor: 1,
        // The browser's language, from which the console picks its own on a first visit.
        locale: options.locale ?? 'en',
        baseURL: t.url,
      });
      // Steps wait for a console page's elements this long; deploys are followed with their own timeout.
      context.setDefaultTimeout(15_000);
      contexts.add(context);
      context.on('close', () => contexts.delete(context));
      if (options.loggedIn) {
        // A login through the context's own request client: the browser keeps the cookie exactly
        // as berthd set it (`__Host-`, HttpOnly), as after the login form, in a session of its own.
        const res = await context.request.post('/api/v1/auth/login', {
          data: { username: 'admin', password: ADMIN_PASSWORD },
          headers: { origin: t.url },
        });
        if (res.status() !== 200)
          throw new Error(`login for a new page: ${res.status()} ${await res.text()}`);
      }
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
      // The console runs under a strict CSP: anything it refuses is a bug of the console's.
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
          pageErrors.push(`${page.url()}: ${message.text()}`);
        }
      });
      return page;
    },
    async closePages(failedName) {
      let n = 0;
      for (const context of [...contexts]) {
        if (failedName) {
          for (const page of context.pages()) {
            const file = path.join(SCREENSHOT_DIR, `failed-${failedName}-${++n}.png`);
            fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
            await page.screenshot({ path: file }).catch(() => undefined);
            process.stdout.write(`failed step's page ${page.url()}: ${file}\n`);
          }
        }
        await context.close();
      }
    },
    async stop() {
      for (const context of [...contexts]) await context.close();
      await browser.close();
      await t.stop();
    },
  };
  return fixture;
}

/**
 * The hooks of a browser file: after each test its pages close (screenshotted first when it
 * failed); after the last, no page threw, the fixture stops and the work directory goes.
 */
export function consoleHooks(
  prefix: string,
  state: () => { f: ConsoleFixture | undefined; work: string | undefined },
): void {
  afterEach(async (context) => {
    const failed = context.task.result?.state === 'fail';
    const name = `${prefix} ${context.task.suite?.name ?? ''} ${context.task.name}`
      .trim()
      .replace(/\W+/g, '-');
    await state().f?.closePages(failed ? name.slice(0, 100) : undefined);
  });
  afterAll(async () => {
    const { f, work } = state();
    if (f) {
      expect(f.pageErrors, 'uncaught errors in the console').toEqual([]);
      await f.stop();
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });
}

/** Why the browser files skip (Chromium missing outside CI), said once per file; undefined: they run. */
export function browserSkip(file: string): string | undefined {
  const skip = inject('browserSkip');
  if (skip) process.stdout.write(`${file} skipped: ${skip}\n`);
  return skip;
}

/** Logs in through the console's login form (the page must show it). */
export async function loginThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await expect.poll(() => page.getByTestId('login-submit').count(), { timeout: 15_000 }).toBe(0);
}

/** A .tar.gz of an example app, made with the `tar` package; returns the file's path. */
export async function packExample(example: string, dir: string): Promise<string> {
  const source = path.join(EXAMPLES, example);
  const file = path.join(dir, `${example}.tar.gz`);
  await tar.c({ gzip: true, cwd: source, portable: true, file }, fs.readdirSync(source));
  return file;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

/** The deploy's log as the API has it (for a failed deploy's message). */
export async function deployLog(f: ConsoleFixture, id: string): Promise<string> {
  const res = await f.api('GET', `/api/v1/deploys/${id}/logs?limit=2000`);
  return ((res.body.lines ?? []) as Array<{ line: string }>).map((l) => l.line).join('\n');
}

/** Waits (through the API) until the deploy ended, and expects it to have succeeded. */
export async function waitDeploySucceeded(f: ConsoleFixture, id: string): Promise<void> {
  // vi.waitFor, not expect.poll: set-up hooks deploy too.
  const status = await vi.waitFor(
    async () => {
      const now = (await f.api('GET', `/api/v1/deploys/${id}`)).body.deploy.status as string;
      if (!TERMINAL.includes(now)) throw new Error(`deploy ${id} is still ${now}`);
      return now;
    },
    { timeout: 120_000, interval: 250 },
  );
  expect(status, await deployLog(f, id)).toBe('succeeded');
}

/** Deploys a package through the API as the admin and waits for it to succeed; returns its id. */
export async function deployThroughApi(
  f: ConsoleFixture,
  code: string,
  env: string,
  tarball: string,
): Promise<string> {
  const res = await fetch(`${f.url}/api/v1/apps/${code}/envs/${env}/deploys`, {
    method: 'POST',
    headers: { cookie: `${f.t.cookieName}=${f.adminCookie}`, 'content-type': 'application/gzip' },
    body: fs.readFileSync(tarball),
  });
  const body = (await res.json()) as { deploy: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(202);
  await waitDeploySucceeded(f, body.deploy.id);
  return body.deploy.id;
}

/** A temporary directory of the test's own. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `berth-${prefix}-`));
}

/** Waits until a page of the console has rendered: its heading is there and nothing spins. */
export async function settled(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('h1').first().waitFor({ state: 'visible', timeout });
  await expect
    .poll(() => page.locator('.ant-spin-spinning, .ant-skeleton-active').count(), { timeout })
    .toBe(0);
}
