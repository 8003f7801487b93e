// The gateway under benchmark: a `node:cluster` primary with N workers (as berthd would run it),
// serving a table of 500 apps whose instances all point at one fast upstream.
// Usage: node --import tsx bench/gateway/gateway-server.ts <port> <upstreamPort> <workers>
// Prints "ready" once every worker listens.
import cluster from 'node:cluster';
import {
  broadcastRouteTable,
  type RouteTableInput,
  startGatewayWorker,
} from '../../packages/server/src/gateway/index.ts';
import { silentLogger } from '../../packages/server/src/logger.ts';

const [port, upstreamPort, workerCount] = process.argv.slice(2).map(Number) as [number, number, number];

function table(): RouteTableInput {
  const routes: RouteTableInput['routes'] = [];
  for (let i = 0; i < 500; i++) {
    routes.push({
      app: `app${i}`,
      env: 'prod',
      upstreams: [{ id: `i${i}`, host: '127.0.0.1', port: upstreamPort }],
    });
  }
  return { baseDomain: 'bench.test', routes };
}

if (cluster.isPrimary) {
  let listening = 0;
  const workers = Array.from({ length: workerCount }, () => cluster.fork());
  for (const worker of workers) {
    worker.on('message', (message: { type?: string }) => {
      if (message.type !== 'listening') return;
      broadcastRouteTable([worker], table());
      if (++listening === workers.length) {
        // Let the tables land before the load starts.
        setTimeout(() => process.stdout.write('ready\n'), 300);
      }
    });
  }
  const stop = () => {
    for (const worker of workers) worker.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const worker = await startGatewayWorker({
    logger: silentLogger(),
    port,
    host: '127.0.0.1',
    gateway: { healthChecks: false },
  });
  process.send!({ type: 'listening', port: worker.port });
}
