// The composition root: config -> store -> modules -> http -> workers. Every module gets its
// dependencies here; nothing is created at import time.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appsRoutes, createApps } from './apps/index.ts';
import { createBuilders } from './build/index.ts';
import type { Config } from './config.ts';
import { createSecretBox, loadSecretKey } from './crypto/secret-box.ts';
import { createEngine, type Engine } from './engine/index.ts';
import { type HistoryPurger, schedulePurge } from './engine/purge-history.ts';
import { accessLogger } from './gateway/access-log.ts';
import {
  apiTrustProxy,
  clusteredGateway,
  createGateway,
  createGatewayCluster,
  forwardedGuard,
  type Gateway,
  type GatewayCluster,
  guardServer,
} from './gateway/index.ts';
import { healthRoutes } from './http/health-routes.ts';
import { type Api, createHttpApp } from './http/server.ts';
import { type BootstrapResult, createAuditLog, createIdentity, identityRoutes } from './identity/index.ts';
import {
  createJobQueue,
  createJobWorkers,
  type JobHandlers,
  type JobQueue,
  type JobWorkers,
  jobsRoutes,
} from './jobs/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { ALL_MIGRATIONS } from './migrations.ts';
import type { DockerParts } from './runtime/docker/berthd-parts.ts';
import type { RuntimeDriver } from './runtime/index.ts';
import { createAppUsers } from './runtime/process/app-user.ts';
import { createProcessDriver } from './runtime/process/index.ts';
import { migrateToLatest } from './store/migrate.ts';
import { openStore, type Store } from './store/store.ts';
import { VERSION } from './version.ts';

export interface BerthdOptions {
  logger?: Logger;
  /** Extra job handlers (tests register their own kinds here). */
  jobHandlers?: JobHandlers;
}

export interface Berthd {
  readonly config: Readonly<Config>;
  /** The address berthd listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly jobs: JobQueue;
  readonly http: Api;
  readonly runtime: RuntimeDriver;
  readonly gateway: Gateway;
  /** The gateway worker processes serving the public port (BERTH_GATEWAY_WORKERS > 0), else null:
   *  then berthd's own process serves it. */
  readonly gatewayWorkers: GatewayCluster | null;
  readonly engine: Engine;
  /** What the first start did about the bootstrap admin (the generated password, once). */
  readonly bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export async function startBerthd(config: Readonly<Config>, options: BerthdOptions = {}): Promise<Berthd> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const secretBox = createSecretBox(loadSecretKey(config.dataDir, config.secretKey));
  const store = openStore(config.database, (err) =>
    logger.warn({ err: err.message }, 'an idle store connection was closed by the server'),
  );
  let workers: JobWorkers | undefined;
  let http: Api | undefined;
  let runtime: RuntimeDriver | undefined;
  let gateway: Gateway | undefined;
  let gatewayWorkers: GatewayCluster | undefined;
  let engine: Engine | undefined;
  try {
    // With workers (one per core) serving the public port, berthd's server moves to a loopback port
    // that the workers forward non-app requests to; every route table goes to the workers too. They
    // are forked first, to load their code while berthd migrates and recovers (a restart is served
    // again sooner), and listen once berthd has its route table (`start` below).
    const gatewayLimits = {
      headersTimeoutMs: config.gateway.headerTimeoutMs,
      maxConnectionsPerAddress: config.gateway.maxConnectionsPerAddress,
    };
    if (config.gatewayWorkers > 0) {
      gatewayWorkers = createGatewayCluster({
        logger,
        workers: config.gatewayWorkers,
        port: config.port,
        host: config.host,
        worker: {
          logLevel: config.logLevel,
          accessLog: config.engine.accessLog,
          trustProxy: config.trustProxy,
          limits: gatewayLimits,
          pool: { connections: config.gateway.upstreamConnections },
        },
        currentTable: () => gateway!.table,
      });
      gatewayWorkers.preload();
    }
    await migrateToLatest(store, [...ALL_MIGRATIONS], logger.child({ mod: 'store' }));

    const audit = createAuditLog({ store });
    const identity = createIdentity({
      store,
      audit,
      logger: logger.child({ mod: 'identity' }),
      sessionTtlMs: config.sessionTtlMs,
      login: config.login,
    });
    const bootstrap = await identity.bootstrapAdmin(config.adminPassword);
    const apps = createApps({
      store,
      audit,
      secretBox,
      logger: logger.child({ mod: 'apps' }),
      lookupUser: identity.lookupUser,
      usersByIds: identity.usersByIds,
      publicUrl: config.publicUrl,
      onConfigChanged: (actor, code, env) => engine!.service.configChanged(actor, code, env),
      onAppDeleted: (code) => engine!.service.appDeleted(code),
    });
    const jobs = createJobQueue({
      store,
      logger: logger.child({ mod: 'jobs' }),
      leaseMs: config.jobs.leaseMs,
    });

    // Apps keep running across berthd restarts: pick up the instances that still run first.
    // The Docker client and runtime are loaded only when configured (dockerode alone is ~24 MB).
    const docker: DockerParts | undefined =
      config.runtime.driver === 'docker'
        ? (await import('./runtime/docker/berthd-parts.ts')).createDockerParts(config, logger)
        : undefined;
    runtime =
      docker?.driver ??
      createProcessDriver({
        dataDir: config.dataDir,
        logger,
        secretBox,
        stopGraceMs: config.runtime.stopGraceMs,
        logs: {
          maxBytes: config.runtime.logMaxBytes,
          keepFiles: config.runtime.logFiles,
          retainMs: config.runtime.logRetentionMs,
        },
      });
    await runtime.recover();
    // The public port: app requests go to the gateway, everything else to the API.
    let apiHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    let guard: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const localGateway = createGateway({
      logger,
      trustProxy: config.trustProxy,
      pool: { connections: config.gateway.upstreamConnections },
      fallback: {
        request: (req, res) => {
          guard?.(req, res);
          apiHandler!(req, res);
        },
      },
      ...(config.engine.accessLog ? { onRequestDone: accessLogger(logger) } : {}),
    });
    gateway = localGateway;
    if (gatewayWorkers !== undefined) {
      guard = forwardedGuard(gatewayWorkers.key);
      gateway = clusteredGateway(localGateway, gatewayWorkers);
    }
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const appUsers = isRoot ? createAppUsers(logger.child({ mod: 'engine' })) : undefined;
    engine = createEngine({
      store,
      queue: jobs,
      driver: runtime,
      builders: createBuilders({ logger }),
      gateway,
      access: apps.access,
      audit,
      secretBox,
      configSnapshot: (code, env) => apps.configSnapshot(code, env),
      appUser: appUsers ? (code) => appUsers.ensure(code) : undefined,
      containers: docker?.containers,
      logger,
      settings: {
        dataDir: config.dataDir,
        maxPackageBytes: config.engine.maxPackageBytes,
        keepReleases: config.engine.keepReleases,
        drainMs: config.engine.drainMs,
        healIntervalMs: config.engine.healIntervalMs,
        appsDomain: config.engine.appsDomain,
        logStreamsPerUser: config.engine.logStreamsPerUser,
      },
    });
    const publicHandler = engine.handleRequest;
    const publicGateway = gateway;

    http = await createHttpApp({
      logger,
      version: VERSION,
      // Behind gateway workers X-Forwarded-* come from them only (the guard drops anyone else's).
      trustProxy: apiTrustProxy(config.trustProxy, gatewayWorkers !== undefined),
      authenticate: identity.authenticate,
      serverFactory: (handler) => {
        apiHandler = handler;
        const server = createServer(publicHandler);
        if (gatewayWorkers === undefined)
          guardServer(server, { ...gatewayLimits, trustProxy: config.trustProxy });
        server.on('upgrade', publicGateway.handleUpgrade);
        return server;
      },
      routes: [
        healthRoutes({ store, version: VERSION }),
        identityRoutes({
          identity,
          audit,
          verifyAppSecret: apps.verifySecret,
          cookieSecure: config.cookieSecure,
          sessionTtlMs: config.sessionTtlMs,
        }),
        appsRoutes({ apps }),
        jobsRoutes({ queue: jobs, access: apps.access, audit }),
        engine.routes,
      ],
    });
    await engine.reconcile();
    await http.listen(
      gatewayWorkers === undefined
        ? { port: config.port, host: config.host }
        : { port: 0, host: '127.0.0.1' },
    );
    const address = http.server.address() as AddressInfo;
    await gatewayWorkers?.start({ host: '127.0.0.1', port: address.port });
    const publicPort = gatewayWorkers?.port ?? address.port;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

    workers = createJobWorkers({
      queue: jobs,
      handlers: { ...engine.jobHandlers, ...options.jobHandlers },
      logger: logger.child({ mod: 'workers' }),
      concurrency: config.jobs.workers,
      pollMs: config.jobs.pollMs,
    });
    workers.start();
    const purger: HistoryPurger = schedulePurge(
      { store, queue: jobs, logger: logger.child({ mod: 'engine' }) },
      { retentionMs: config.engine.historyRetentionMs },
    );

    const started = { http, workers, runtime, gateway, engine };
    let closing: Promise<void> | undefined;
    return {
      config,
      url: `http://${shownHost}:${publicPort}`,
      port: publicPort,
      store,
      jobs,
      http,
      runtime,
      gateway,
      gatewayWorkers: gatewayWorkers ?? null,
      engine,
      bootstrap,
      close() {
        closing ??= (async () => {
          // Public traffic stops first: the workers finish what they serve, then exit.
          await gatewayWorkers?.close();
          await started.http.close();
          await started.workers.stop();
          purger.stop();
          started.engine.close();
          await started.gateway.close();
          // Detach only: the apps keep running and the next berthd adopts them.
          await started.runtime.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await workers?.stop().catch(() => {});
    await gatewayWorkers?.close().catch(() => {});
    await http?.close().catch(() => {});
    engine?.close();
    await gateway?.close().catch(() => {});
    await runtime?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
