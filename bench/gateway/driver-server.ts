// One gateway driver under benchmark, in a process of its own (as in berthd, where the control
// plane calls the driver): the built-in driver in this process (workers 0) or with N node:cluster
// workers, or the nginx driver with its own nginx master (N workers) in a prefix directory.
// Usage (forked, IPC): driver-server.ts <builtin|nginx> <workers> <httpPort> <httpsPort|0> [prefix] [nginx]
//   [modules,…]  (the nginx driver's dynamic upstreams: the module files to load; none: static upstreams)
//   parent -> { type: 'apply', id, seq, spec }  builds the table of `spec` (not timed), then times
//             start (first call) or apply until it resolves: { type: 'applied', id, ms, pids }
//   parent -> { type: 'close', id }              closes the driver (nginx stops): { type: 'closed', id }
// SIGTERM closes the driver too. Errors answer { type: 'failed', id, message }.
import { buildGatewayTable } from '../../packages/server/src/engine/gateway-table.ts';
import {
  createBuiltinDriver,
  type GatewayDriver,
  type GatewayTable,
} from '../../packages/server/src/gateway/index.ts';
import { createNginxDriver } from '../../packages/server/src/gateway/nginx/index.ts';
import { silentLogger } from '../../packages/server/src/logger.ts';

/** What the table holds: `apps` path routes `/o/app{i}/` to one upstream port, and optionally a
 *  host route for `/o/app0/` on a name with its certificate (served over HTTPS too). */
export interface TableSpec {
  apps: number;
  upstreamPort: number;
  tls?: { host: string; certPem: string; keyPem: string; names: string[]; notAfter: string };
}

export type DriverRequest =
  | { type: 'apply'; id: number; seq: number; spec: TableSpec }
  | { type: 'close'; id: number };

export type DriverReply =
  | { type: 'applied'; id: number; ms: number; pids: number[] }
  | { type: 'closed'; id: number }
  | { type: 'failed'; id: number; message: string; ms?: number };

/** Each instance id names one address: a table that moves the apps to another port names new
 *  instances, as a deploy does. */
function benchTable(spec: TableSpec): GatewayTable {
  const envs = [];
  for (let i = 0; i < spec.apps; i++) {
    envs.push({
      app: `app${i}`,
      env: 'prod' as const,
      upstreams: [{ id: `i${i}-${spec.upstreamPort}`, host: '127.0.0.1', port: spec.upstreamPort }],
    });
  }
  const table = buildGatewayTable({ envs });
  if (spec.tls !== undefined) {
    table.routes.push({
      id: `host/${spec.tls.host}`,
      match: { host: spec.tls.host, pathPrefix: '/o/app0/' },
      target: {
        kind: 'proxy',
        upstreams: [{ id: `i0-${spec.upstreamPort}`, host: '127.0.0.1', port: spec.upstreamPort }],
        stripPrefix: true,
      },
      app: { code: 'app0', env: 'prod' },
    });
    table.certificates = [
      {
        id: 'bench',
        certPem: spec.tls.certPem,
        keyPem: spec.tls.keyPem,
        names: spec.tls.names,
        notAfter: spec.tls.notAfter,
      },
    ];
    table.hosts = [{ host: spec.tls.host, certificate: 'bench' }];
  }
  return table;
}

const [kind, workersArg, httpPort, httpsPort, prefix, binary, modules] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
  string | undefined,
];
const workers = Number(workersArg);
const listen = { host: '127.0.0.1', port: Number(httpPort) };
const https = Number(httpsPort) > 0 ? { host: '127.0.0.1', port: Number(httpsPort) } : undefined;
const logger = silentLogger();

const driver: GatewayDriver =
  kind === 'nginx'
    ? createNginxDriver({
        logger,
        prefix: prefix!,
        listen,
        https,
        binary: binary ?? '/usr/sbin/nginx',
        render: { workerProcesses: workers },
        dynamicUpstreams: modules ? { modules: modules.split(',') } : undefined,
      })
    : createBuiltinDriver({
        logger,
        workers,
        listen,
        https,
        cluster: { worker: { logLevel: 'silent', accessLog: false, trustProxy: false } },
      });

let started = false;
let closing: Promise<void> | null = null;
const close = (): Promise<void> => {
  closing ??= driver.close();
  return closing;
};

const pids = (): number[] => {
  const own = driver.status().processes.map((p) => p.pid);
  return kind === 'nginx' ? own : [process.pid, ...own.filter((p) => p !== process.pid)];
};

/** When the apply being handled began (for the time a failed one took). */
let applyBegan = 0;

async function handle(message: DriverRequest): Promise<DriverReply> {
  if (message.type === 'close') {
    await close();
    return { type: 'closed', id: message.id };
  }
  const table = benchTable(message.spec);
  const began = performance.now();
  applyBegan = began;
  if (started) await driver.apply(table, message.seq);
  else {
    started = true;
    await driver.start(table, message.seq);
  }
  return { type: 'applied', id: message.id, ms: performance.now() - began, pids: pids() };
}

process.on('message', (message: DriverRequest) => {
  handle(message).then(
    (reply) => {
      process.send!(reply);
      if (reply.type === 'closed') process.disconnect();
    },
    (error: unknown) => {
      const detail = (error as { detail?: string }).detail;
      process.send!({
        type: 'failed',
        id: message.id,
        message: `${(error as Error).message}${detail ? `: ${detail.slice(0, 500)}` : ''}`,
        ...(message.type === 'apply' ? { ms: performance.now() - applyBegan } : {}),
      } satisfies DriverReply);
    },
  );
});
const onSignal = () => {
  close().finally(() => process.exit(0));
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.send!({ type: 'ready' });
