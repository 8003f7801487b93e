// Zero downtime on Swarm (BERTH_RUNTIME=swarm, this machine's single-node swarm, berthd's own
// registry), on both gateway drivers: the scenario of zero-downtime-scenario.ts, where every
// release is baked into its image, pushed and started as Swarm services. Needs BERTH_TEST_DOCKER=1.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { nginxUnavailable } from '../gateway/nginx/nginx-support.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import type { EngineFixture } from './support.ts';
import { startSwarmEngineFixture } from './swarm-support.ts';
import { ZERO_DOWNTIME_APPS, zeroDowntimeScenario } from './zero-downtime-scenario.ts';

const GATEWAYS: Array<{ gateway: string; env: Record<string, string> }> = [
  { gateway: 'builtin', env: {} },
  ...(nginxUnavailable('zero downtime on Swarm with nginx') === null
    ? [{ gateway: 'nginx', env: { BERTH_GATEWAY: 'nginx', BERTH_GATEWAY_WORKERS: '2' } }]
    : []),
];

if (!dockerEnabled) {
  process.stdout.write(`zero downtime on Swarm skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('zero downtime on Swarm', () => {
    it.skip(`deploys and rollbacks under load (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  describe.each(GATEWAYS)('zero downtime on Swarm, $gateway gateway', ({ env }) => {
    let f: EngineFixture;
    beforeAll(async () => {
      f = await startSwarmEngineFixture(new Docker(), env);
      for (const code of ZERO_DOWNTIME_APPS) await f.createApp(code);
    }, 120_000);
    afterAll(async () => f?.stop(), 120_000);

    it(
      'serves every request, to the app and to two bystanders, during 10 deploys with npm ci and 5 rollbacks',
      () => zeroDowntimeScenario(f),
      900_000,
    );
  });
}
