// The browser tier's global setup: builds the console once (Vite, into packages/console/dist, where
// berthd serves it from by default) and checks that Chromium is installed. Without Chromium the
// tier's files skip, saying why, except on CI (BERTH_TEST_BROWSER=1 or CI set), where the tier fails.
import path from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { browserRequired, chromiumMissing } from './chromium.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The console build the test berthd serves (BERTH_CONSOLE_DIR). */
    consoleDir: string;
    /** Set when Chromium is missing outside CI: why the browser tests skip. */
    browserSkip: string | undefined;
  }
}

export const CONSOLE_ROOT = path.resolve(import.meta.dirname, '../..');

export default async function setup(project: TestProject): Promise<void> {
  const missing = chromiumMissing();
  if (missing && browserRequired()) {
    throw new Error(`browser tests: ${missing}; CI requires it (.ci/run installs it)`);
  }
  if (missing) {
    process.stdout.write(`\nbrowser tests SKIPPED: ${missing}\n\n`);
  }
  const started = Date.now();
  await build({ configFile: path.join(CONSOLE_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  process.stdout.write(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('consoleDir', path.join(CONSOLE_ROOT, 'dist'));
  project.provide('browserSkip', missing);
}
