// The gateway contract (gateway-contract.ts) for the built-in driver: in berthd's own process
// (BERTH_GATEWAY_WORKERS=0) and in two node:cluster workers. A swap replaces no process: no client
// connection is closed by it.
import { createBuiltinDriver } from '../../../src/gateway/index.ts';
import { silentLogger } from '../../../src/logger.ts';
import { gatewayContract } from './gateway-contract.ts';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

gatewayContract(
  "built-in, in berthd's process",
  async (settings) => ({
    driver: createBuiltinDriver({
      logger: silentLogger(),
      workers: 0,
      listen: LOOPBACK,
      https: LOOPBACK,
      gateway: { trustProxy: settings.trustProxy, headersTimeoutMs: settings.upstreamTimeoutMs },
    }),
  }),
  { swapsKeepConnections: true },
);

gatewayContract(
  'built-in, two cluster workers',
  async (settings) => ({
    driver: createBuiltinDriver({
      logger: silentLogger(),
      workers: 2,
      listen: LOOPBACK,
      https: LOOPBACK,
      cluster: {
        worker: {
          logLevel: 'silent',
          accessLog: false,
          trustProxy: settings.trustProxy,
          upstreamHeadersTimeoutMs: settings.upstreamTimeoutMs,
        },
      },
    }),
  }),
  { swapsKeepConnections: true },
);
