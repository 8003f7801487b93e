// Zero downtime on the process runtime, on both gateway drivers (the built-in one in berthd's
// process, and nginx when it is installed): zero-downtime-scenario.ts says what is checked.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { nginxUnavailable } from '../gateway/nginx/nginx-support.ts';
import { systemDialects } from '../support/databases.ts';
import { type EngineFixture, startEngineFixture } from './support.ts';
import { ZERO_DOWNTIME_APPS, zeroDowntimeScenario } from './zero-downtime-scenario.ts';

const GATEWAYS: Array<{ gateway: string; env: Record<string, string> }> = [
  { gateway: 'builtin', env: {} },
  ...(nginxUnavailable('zero downtime on nginx') === null
    ? [{ gateway: 'nginx', env: { BERTH_GATEWAY: 'nginx', BERTH_GATEWAY_WORKERS: '2' } }]
    : []),
];
const CASES = systemDialects().flatMap((dialect) => GATEWAYS.map((g) => ({ dialect, ...g })));

describe.each(CASES)('zero downtime on $dialect, $gateway gateway', ({ dialect, env }) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect, env);
    for (const code of ZERO_DOWNTIME_APPS) await f.createApp(code);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it(
    'serves every request, to the app and to two bystanders, during 10 deploys with npm ci and 5 rollbacks',
    () => zeroDowntimeScenario(f),
    300_000,
  );
});
