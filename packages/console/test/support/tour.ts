// The page tour of the E2E run: every page the run used, visited again in one language, each checked
// for its language (i18n-check.ts), for accessibility (axe.ts) and saved as screenshots at desktop
// and phone width (screenshots.ts).
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type AxeFinding, axeViolations, describeFindings, isSerious } from './axe.ts';
import type { LanguageChecker } from './i18n-check.ts';
import { visibleTexts } from './i18n-check.ts';
import { screenshot } from './screenshots.ts';
import type { ConsoleLocale } from './viewports.ts';

export interface TourStop {
  /** The screenshot's name, e.g. `apps-list`. */
  name: string;
  path: string;
  /** The test id whose element shows that the page's content is there (not only its frame); the
   *  page's heading when the page has none. */
  ready?: string;
  /** Whether the stop needs the admin's session (else the browser is logged out). */
  loggedIn: boolean;
}

export interface StopReport {
  stop: string;
  untranslated: string[];
  serious: AxeFinding[];
  minor: AxeFinding[];
}

/** Opens the page and waits until it has rendered its content. */
export async function openStop(page: Page, stop: TourStop, timeout = 10_000): Promise<void> {
  await page.goto(stop.path);
  if (stop.ready) await page.getByTestId(stop.ready).first().waitFor({ state: 'visible', timeout });
  await page.locator('h1').first().waitFor({ state: 'visible', timeout });
  // Loading spinners of the page's first calls; a live view may keep one (follow), so not forever.
  await page
    .waitForFunction(
      () => document.querySelectorAll('.ant-spin-spinning, .ant-skeleton-active').length === 0,
      null,
      {
        timeout: 5_000,
      },
    )
    .catch(() => undefined);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await animationsDone(page);
}

/** Waits (up to 2 s) for the page's finite CSS animations and transitions (a menu item fading in):
 *  axe measures colours as they are drawn, and a half-faded text is no contrast finding. */
async function animationsDone(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.race([
      Promise.all(
        document
          .getAnimations()
          .filter((a) => a.effect?.getComputedTiming().iterations !== Number.POSITIVE_INFINITY)
          .map((a) => a.finished.catch(() => undefined)),
      ),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]).then(() => undefined),
  );
}

/** Checks the page as it is: language, accessibility; saves its screenshots at both widths. */
export async function checkStop(
  page: Page,
  stop: TourStop,
  locale: ConsoleLocale,
  checker: LanguageChecker,
  names: readonly string[],
): Promise<StopReport> {
  const texts = await visibleTexts(page);
  const untranslated =
    locale === 'zh-CN'
      ? checker.untranslated(texts, names)
      : texts
          .filter((t) => /^[a-z]+[A-Z]\w*$/.test(t.text))
          .map((t) => `${t.where}: a message key? "${t.text}"`);
  const findings = await axeViolations(page);
  await screenshot(page, stop.name, locale, 'desktop');
  const desktop = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  // antd's breakpoints follow the resize through matchMedia listeners: let the layout settle.
  await page.waitForTimeout(250);
  await screenshot(page, stop.name, locale, 'phone');
  if (desktop) await page.setViewportSize(desktop);
  return {
    stop: `${stop.name} (${locale})`,
    untranslated,
    serious: findings.filter(isSerious),
    minor: findings.filter((f) => !isSerious(f)),
  };
}

/** Prints what the tour found and fails (softly, per stop) on untranslated text or serious findings. */
export function assertReport(report: StopReport): void {
  if (report.minor.length > 0) {
    process.stdout.write(
      `axe (moderate/minor, not failing):\n${describeFindings(report.stop, report.minor)}\n`,
    );
  }
  if (report.serious.length > 0) {
    process.stdout.write(`axe SERIOUS:\n${describeFindings(report.stop, report.serious)}\n`);
  }
  if (report.untranslated.length > 0) {
    process.stdout.write(`untranslated on ${report.stop}:\n  ${report.untranslated.join('\n  ')}\n`);
  }
  expect.soft(report.untranslated, `${report.stop}: text not in its language`).toEqual([]);
  expect
    .soft(
      report.serious.map((f) => `${f.id}: ${f.targets.join(', ')}`),
      `${report.stop}: serious or critical accessibility violations`,
    )
    .toEqual([]);
}
