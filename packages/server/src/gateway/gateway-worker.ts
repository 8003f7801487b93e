// The worker side of the multi-core gateway (design in index.ts): a process that serves the
// gateway on the shared public port and applies the gateway tables its primary sends over IPC.
import type http from 'node:http';
import type https from 'node:https';
import type { Logger } from '../logger.ts';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connection-guard.ts';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
import { closeServer, createGatewayServer, createGatewayTlsServer, listenServer } from './gateway-server.ts';
import type { GatewayTable } from './route-model.ts';

export const ROUTE_TABLE_MESSAGE = 'berth:gateway:route-table';

/** What the primary sends a worker: the table as plain data (survives structuredClone / JSON). */
export interface RouteTableMessage {
  type: typeof ROUTE_TABLE_MESSAGE;
  table: GatewayTable;
  /** Version of the table; a berthd worker acknowledges it once it serves the table. */
  seq?: number;
}

/** A table for IPC (plain data: the channel serialises it). */
export function routeTableMessage(table: GatewayTable, seq?: number): RouteTableMessage {
  const message: RouteTableMessage = { type: ROUTE_TABLE_MESSAGE, table };
  if (seq !== undefined) message.seq = seq;
  return message;
}

export function isRouteTableMessage(message: unknown): message is RouteTableMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === ROUTE_TABLE_MESSAGE &&
    typeof (message as { table?: unknown }).table === 'object'
  );
}

/** Sends a table to every worker (the primary's side; `cluster.workers` values fit). */
export function broadcastRouteTable(
  workers: Iterable<{ send(message: RouteTableMessage): unknown } | undefined>,
  table: GatewayTable,
): void {
  const message = routeTableMessage(table);
  for (const worker of workers) worker?.send(message);
}

/** The IPC end a worker listens on (`process` in a cluster worker or forked child). */
export interface IpcChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface GatewayWorkerOptions {
  logger: Logger;
  /** The public port (in a cluster worker, the listening socket is shared with the other workers). */
  port: number;
  host: string;
  /** Also serve HTTPS here (SNI certificates from the table). A cluster worker needs a port other
   *  than 0: workers share one listening handle per address and port. */
  https?: { host: string; port: number } | undefined;
  gateway?: Omit<GatewayOptions, 'logger' | 'httpsPort'>;
  /** Where tables arrive; default `process` when it has an IPC channel; `null`: the caller applies
   *  tables itself (`applyTable`), as the berthd worker process (worker-main.ts) does. */
  channel?: IpcChannel | null;
  /** A table to serve until the first message arrives. */
  table?: GatewayTable;
  /** Header timeout and per-address connection cap (trusted proxies from `gateway.trustProxy`). */
  limits?: Omit<ConnectionLimits, 'trustProxy'>;
}

export interface GatewayWorker {
  readonly gateway: Gateway;
  readonly server: http.Server;
  readonly port: number;
  readonly tlsServer: https.Server | null;
  /** The HTTPS port, when it serves HTTPS. */
  readonly httpsPort: number | undefined;
  /** Applies a table (what an IPC message does); the error when the table was rejected. */
  applyTable(table: GatewayTable): Error | null;
  close(): Promise<void>;
}

export async function startGatewayWorker(options: GatewayWorkerOptions): Promise<GatewayWorker> {
  const logger = options.logger;
  let httpsPort: number | undefined;
  const gateway = createGateway({ ...options.gateway, logger, httpsPort: () => httpsPort });
  if (options.table !== undefined) gateway.applyTable(options.table);

  const limits = {
    ...(options.limits ?? DEFAULT_CONNECTION_LIMITS),
    ...(options.gateway?.trustProxy === undefined ? {} : { trustProxy: options.gateway.trustProxy }),
  };
  const server = createGatewayServer(gateway, limits);
  const tlsServer = options.https === undefined ? null : createGatewayTlsServer(gateway, limits);

  const applyTable = (table: GatewayTable): Error | null => {
    try {
      gateway.applyTable(table);
      return null;
    } catch (err) {
      // A bad table keeps the previous one serving.
      logger.error({ err }, 'route table rejected');
      return err as Error;
    }
  };
  const onMessage = (message: unknown): void => {
    if (isRouteTableMessage(message)) applyTable(message.table);
  };
  const channel =
    options.channel === null
      ? undefined
      : (options.channel ?? (process.send === undefined ? undefined : (process as IpcChannel)));
  channel?.on('message', onMessage);

  const port = await listenServer(server, options.port, options.host);
  if (tlsServer !== null) {
    try {
      httpsPort = await listenServer(tlsServer, options.https!.port, options.https!.host);
    } catch (err) {
      await closeServer(server);
      throw err;
    }
  }
  logger.info({ port, httpsPort, pid: process.pid }, 'gateway worker listening');

  return {
    gateway,
    server,
    port,
    tlsServer,
    httpsPort,
    applyTable,
    async close() {
      channel?.off('message', onMessage);
      await Promise.all([closeServer(server), tlsServer === null ? undefined : closeServer(tlsServer)]);
      await gateway.close();
    },
  };
}
