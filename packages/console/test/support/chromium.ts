// Debian's Chromium driven by playwright-core, the same way for the browser tests and the bench:
// headless, no sandbox (CI runs as root), and none of the browser's own traffic (updates, sync,
// field trials) next to what is measured.
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when Chromium is installed. */
export function chromiumMissing(): string | undefined {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return undefined;
  } catch {
    return `${CHROMIUM} is missing (Debian: apt-get install -y chromium fonts-noto-cjk)`;
  }
}

/** True on CI (.ci/run sets BERTH_TEST_BROWSER=1), where a missing Chromium fails the tier. */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['BERTH_TEST_BROWSER'] === '1' || (!!env['CI'] && env['CI'] !== 'false' && env['CI'] !== '0');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
