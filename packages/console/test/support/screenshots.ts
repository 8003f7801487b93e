// Screenshots of the console's pages, saved by the E2E run into packages/console/test/screenshots/
// (git-ignored): one PNG per page, language and width, at device scale 1 and cropped to the
// viewport, so that a few can be copied into docs/console-screenshots/ as they are.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { type ConsoleLocale, VIEWPORTS, type ViewportName } from './viewports.ts';

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../screenshots');

/** `{page}-{locale}-{width}.png` under SCREENSHOT_DIR; returns the file's path. */
export async function screenshot(
  page: Page,
  name: string,
  locale: ConsoleLocale,
  viewport: ViewportName,
): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = VIEWPORTS[viewport];
  const file = path.join(SCREENSHOT_DIR, `${name}-${locale}-${size.width}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  return file;
}
