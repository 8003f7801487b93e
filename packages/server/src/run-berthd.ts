// berthd's process: read config, start, print where to go, stop cleanly on SIGINT/SIGTERM (loaded by
// main.ts once the Node.js version is known to be good enough).
import { type Berthd, startBerthd } from './berthd.ts';
import { ConfigError, loadConfig } from './config.ts';
import { forgetSecrets } from './forget-secrets.ts';
import { consoleBuilt } from './http/console-routes.ts';
import { createLogger } from './logger.ts';

export async function runBerthd(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berthd: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Read once; gone from the environment before any child process is started.
  forgetSecrets(logger);
  let berthd: Berthd;
  try {
    berthd = await startBerthd(config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'berthd failed to start');
    logger.flush();
    process.stderr.write(`berthd: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(berthd));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    berthd.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function banner(berthd: Berthd): string {
  const url = berthd.urls.console;
  const lines = [
    '',
    `Berth is running at ${url}`,
    berthd.config.sharedOrigin
      ? `  apps:     ${berthd.urls.apps}/t/{app}/, /o/{app}/ (on the console's origin: BERTH_SHARED_ORIGIN)`
      : `  apps:     ${berthd.urls.apps}/t/{app}/, /o/{app}/`,
    `  data dir: ${berthd.config.dataDir}`,
    `  store:    ${berthd.store.dialect}`,
    consoleBuilt(berthd.consoleDir)
      ? `  console:  open ${url}/ in a browser to log in (the API is under ${url}/api/v1)`
      : `  console:  not built (npm run build writes it; or set BERTH_CONSOLE_DIR): ${url}/ answers CONSOLE_MISSING`,
  ];
  const b = berthd.bootstrap;
  if (b.generatedPassword) {
    lines.push(
      '',
      `  First start: created the user "${b.username}" with this password (shown once; it must be changed at the first login):`,
      `    ${b.generatedPassword}`,
    );
  } else if (b.created) {
    lines.push(
      '',
      `  First start: created the user "${b.username}" with the password from BERTH_ADMIN_PASSWORD.`,
    );
  }
  lines.push(
    '',
    '  Or log in with the CLI from another terminal, in this checkout:',
    '    export PATH="$PWD/node_modules/.bin:$PATH"',
    `    berth login ${url} --username ${b.username}`,
    '',
  );
  return `${lines.join('\n')}\n`;
}
