// The test suite in four tiers (vitest projects), chosen by the test file's name so that a new file
// lands in a tier without a list to edit (docs/testing.md):
//   unit    `*.test.ts`         no child processes, no databases, no berthd (and bench/test/)
//   store   `*.store.test.ts`   the store under test: runs on every dialect (testDialects())
//   system  `*.system.test.ts`  a real berthd, app processes, builders, the CLI: one dialect
//   docker  `*.docker.test.ts`  anything that talks to the Docker engine (BERTH_TEST_DOCKER=1)
//   browser `*.browser.test.ts` Chromium (playwright-core) driving the built console on a real berthd
// and the web console's own logic (i18n coverage, formatting, error mapping) in a project of its own,
//   console `packages/console/test/**/*.test.ts`, resolved the way Vite builds the console
// scripts/test.mjs runs the tiers one after another, with the worker count each one takes.
import { defineConfig } from 'vitest/config';

const ALL = 'packages/*/test/**/*.test.ts';
const TIERS = ['store', 'system', 'docker'] as const;
const tierFiles = (tier: string) => `packages/*/test/**/*.${tier}.test.ts`;
const SERVER_SETUP = 'packages/server/test/support/global-setup.ts';
const CLI_SETUP = 'packages/cli/test/support/global-setup.ts';
/** Builds the stack images once before the docker tier's files run (a fresh machine lacks them). */
const DOCKER_SETUP = 'packages/server/test/support/docker-global-setup.ts';
/** Builds the console once (packages/console/dist) and checks that Chromium is there. */
const BROWSER_SETUP = 'packages/console/test/support/global-setup.ts';
const BROWSER = 'packages/*/test/**/*.browser.test.ts';
const CONSOLE = 'packages/console/**';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Each project names its global setup (a setup at the root would run once more, beside them);
    // only the system tier spawns the real `berth`, so only it builds the CLI bundle.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // The bench's own statistics and verdicts too (bench/test/).
          include: [ALL, 'bench/test/**/*.test.ts'],
          exclude: [...TIERS.map(tierFiles), BROWSER, CONSOLE],
          globalSetup: [SERVER_SETUP],
        },
      },
      {
        extends: true,
        test: {
          name: 'console',
          include: ['packages/console/test/**/*.test.ts'],
          exclude: [...TIERS.map(tierFiles), BROWSER],
        },
      },
      ...TIERS.map((tier) => ({
        extends: true as const,
        test: {
          name: tier,
          include: [tierFiles(tier)],
          globalSetup:
            tier === 'system'
              ? [SERVER_SETUP, CLI_SETUP]
              : tier === 'docker'
                ? [SERVER_SETUP, DOCKER_SETUP]
                : [SERVER_SETUP],
        },
      })),
      {
        extends: true,
        test: {
          name: 'browser',
          include: [BROWSER],
          globalSetup: [SERVER_SETUP, BROWSER_SETUP],
          // One long scenario per file, each step a test: later steps build on earlier ones.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // A page's state changes after its chunk and its API calls load (a lazy route changes the
          // address only once its code is there): polls wait as long as element waits do.
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
    ],
  },
});
