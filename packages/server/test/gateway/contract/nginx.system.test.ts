// The gateway contract (gateway-contract.ts) for the nginx driver: berthd's own nginx (Debian's
// binary) in a temporary prefix, on free loopback ports (nginx's configuration names concrete
// ports), with two workers; once with dynamic upstreams (the Lua module, which .ci/run installs)
// and once with static ones. The suite runs unchanged; no case is skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNginxDriver, freePort, stopNginx } from '../../../src/gateway/nginx/index.ts';
import { silentLogger } from '../../../src/logger.ts';
import { luaModulesForTests, NGINX, nginxUnavailable } from '../nginx/nginx-support.ts';
import { gatewayContract } from './gateway-contract.ts';

const variants: Array<{ name: string; modules: string[] | undefined }> = [];
if (nginxUnavailable('the gateway contract on nginx') === null) {
  const modules = luaModulesForTests('the gateway contract on nginx with dynamic upstreams');
  if (modules !== null) variants.push({ name: 'nginx, two workers, dynamic upstreams', modules });
  variants.push({ name: 'nginx, two workers, static upstreams', modules: undefined });
}

for (const variant of variants) {
  gatewayContract(
    variant.name,
    async (settings) => {
      const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-contract-nginx-'));
      // The workers (nobody, when the tests run as root) read the error bodies in the prefix.
      fs.chmodSync(prefix, 0o755);
      const driver = createNginxDriver({
        logger: silentLogger(),
        prefix,
        binary: NGINX,
        listen: { host: '127.0.0.1', port: await freePort('127.0.0.1') },
        https: { host: '127.0.0.1', port: await freePort('127.0.0.1') },
        dynamicUpstreams: variant.modules === undefined ? undefined : { modules: variant.modules },
        render: {
          workerProcesses: 2,
          trustedProxies: settings.trustProxy,
          timeouts: { headersMs: settings.upstreamTimeoutMs, bodyMs: settings.upstreamTimeoutMs },
        },
      });
      return {
        driver,
        cleanup: async () => {
          await stopNginx(prefix);
          fs.rmSync(prefix, { recursive: true, force: true });
        },
      };
    },
    { swapsKeepConnections: variant.modules !== undefined },
  );
}
