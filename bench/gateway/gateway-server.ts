// The gateway under benchmark when it is not measured through a whole berthd: a `node:cluster`
// primary with N workers running Berth's own gateway worker (`startGatewayWorker`, the code berthd's
// multi-core gateway runs), serving a table of `apps` apps whose instances all point at one upstream.
// Usage: node --import tsx bench/gateway/gateway-server.ts <port> <upstreamPort> <workers> <apps>
// Prints "ready" once every worker listens and holds the table.
import cluster from 'node:cluster';
import { buildGatewayTable } from '../../packages/server/src/engine/gateway-table.ts';
import {
  broadcastRouteTable,
  type GatewayTable,
  startGatewayWorker,
} from '../../packages/server/src/gateway/index.ts';
import { silentLogger } from '../../packages/server/src/logger.ts';
import { stopWorkersOnSignal } from './stop-workers.ts';

const [port, upstreamPort, workerCount, appCount] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
];

/** `app0` … `app{n-1}`, every one routed to the same upstream (a distinct instance id each). */
function benchTable(apps: number, upstream: number): GatewayTable {
  const envs = [];
  for (let i = 0; i < apps; i++) {
    envs.push({
      app: `app${i}`,
      env: 'prod' as const,
      upstreams: [{ id: `i${i}`, host: '127.0.0.1', port: upstream }],
    });
  }
  return buildGatewayTable({ envs, appsDomain: 'bench.test' });
}

if (cluster.isPrimary) {
  let listening = 0;
  const workers = Array.from({ length: workerCount }, () => cluster.fork());
  for (const worker of workers) {
    worker.on('message', (message: { type?: string }) => {
      if (message.type === 'listening') {
        broadcastRouteTable([worker], benchTable(appCount, upstreamPort));
        worker.send({ type: 'bench:ping' });
      } else if (message.type === 'bench:pong' && ++listening === workers.length) {
        process.stdout.write('ready\n');
      }
    });
  }
  stopWorkersOnSignal(workers);
} else {
  const worker = await startGatewayWorker({
    logger: silentLogger(),
    port,
    host: '127.0.0.1',
  });
  // Messages arrive in order: the pong answers once the table sent before the ping is applied.
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'bench:ping') process.send!({ type: 'bench:pong' });
  });
  process.send!({ type: 'listening', port: worker.port });
}
