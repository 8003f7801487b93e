// The composition root: config -> store -> modules -> http -> workers. Every module gets its
// dependencies here; nothing is created at import time.
//
// Two origins (docs/security.md, "Session design"): the console and API listen on BERTH_PORT, the
// gateway serves the apps on BERTH_APPS_PORT, so no app shares the origin that the session cookie
// belongs to. Only with BERTH_SHARED_ORIGIN does the gateway sit in front of the API on one port.
import fs from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { envPathPrefix } from '@berth/sdk';
import { createBuiltinHandlers } from './apigw/builtin-system.ts';
import { type CallAnswerer, createCallAnswerer } from './apigw/call-http.ts';
import { APIGW_CALL_BODY_LIMIT, apigwCallRoutes } from './apigw/call-routes.ts';
import { createCallSteps } from './apigw/call-steps.ts';
import { createDestinations, type Destinations } from './apigw/destinations.ts';
import { storeDeclarations } from './apigw/directory.ts';
import { storeAccess } from './apigw/grant-cache.ts';
import { type ApigwModule, createApigwModule } from './apigw/index.ts';
import { type ApigwRecords, createApigwRecords } from './apigw/records-module.ts';
import {
  APIGW_PURGE_EVERY_MS,
  APIGW_PURGE_SCHEDULE,
  type ApigwSecurity,
  createApigwSecurity,
} from './apigw/security-module.ts';
import { WORKER_NOTICES } from './apigw/worker-methods.ts';
import { createApigwWorkerServices } from './apigw/worker-services.ts';
import { appsRoutes, createApps } from './apps/index.ts';
import { closeGracefully } from './close-gracefully.ts';
import { type Config, childEnvironment } from './config.ts';
import { createSecretBox, loadSecretKey } from './crypto/secret-box.ts';
import { createDomainsModule, type DomainsModule } from './domains/index.ts';
import { clearBuildScratch } from './engine/build-release.ts';
import { containerBuildPlace, createEngine, type Engine, hostBuildPlace } from './engine/index.ts';
import { purgeHistory } from './engine/purge-history.ts';
import { BerthError } from './errors.ts';
import { accessLogger } from './gateway/access-log.ts';
import {
  apiTrustProxy,
  type BuiltinDriver,
  type BuiltinDriverOptions,
  createBuiltinDriver,
  createHealthMonitor,
  createProxyTrust,
  forwardedGuard,
  type GatewayCluster,
  type GatewayDriver,
  guardServer,
  type HealthMonitor,
  newGatewayKey,
  trustedRequestId,
} from './gateway/index.ts';
import { createGitHosting, type GitHosting, type PushHooks } from './git/index.ts';
import { BUILT_CONSOLE_DIR, createConsoleSite } from './http/console-routes.ts';
import { downloadRoutes } from './http/download-routes.ts';
import { healthRoutes } from './http/health-routes.ts';
import { type Api, createHttpApp } from './http/server.ts';
import {
  API_TOKEN_PREFIX,
  type BootstrapResult,
  createAuditLog,
  createIdentity,
  identityRoutes,
} from './identity/index.ts';
import {
  createJobQueue,
  createJobWorkers,
  createScheduler,
  type JobHandlers,
  type JobQueue,
  type JobWorkers,
  jobsRoutes,
  newReplicaId,
  ownerIsGone,
  type ScheduledTask,
  type Scheduler,
  schedulesRoutes,
} from './jobs/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { ALL_MIGRATIONS } from './migrations.ts';
import { createNotify, type Notify } from './notify/index.ts';
import {
  createDataDirMeter,
  createNodesService,
  createPlatformStatus,
  nodesRoutes,
  platformRoutes,
} from './platform/index.ts';
import {
  type BindablePublicUrls,
  createPublicUrls,
  isAnyAddress,
  type PublicUrls,
  warnAboutOrigins,
} from './public-urls.ts';
import type { DockerParts } from './runtime/docker/berthd-parts.ts';
import type { RuntimeDriver } from './runtime/index.ts';
import { createProcessDriver } from './runtime/process/index.ts';
import { pushDeploys } from './sources/push-deploys.ts';
import { createSourcesModule } from './sources/sources-module.ts';
import { createTriggeredDeploys, type TriggeredDeploys } from './sources/triggered-deploys.ts';
import { migrateToLatest } from './store/migrate.ts';
import { openStore, type Store } from './store/store.ts';
import {
  createTenants,
  DataDirClosedError,
  installationCode,
  secureDataDir,
  type Tenants,
} from './tenants/index.ts';
import { createTrafficService, trafficRoutes } from './traffic/index.ts';
import { VERSION } from './version.ts';
import { createWebhooks, type OnWebhookDelivery, type Webhooks } from './webhooks/index.ts';

export interface BerthdOptions {
  logger?: Logger;
  /** Extra job handlers (tests register their own kinds here). */
  jobHandlers?: JobHandlers;
  /** Extra scheduled work, one replica per period (tests register their own schedules here). */
  schedules?: ReadonlyArray<{ name: string; periodMs: number; task: ScheduledTask }>;
  /** What berthd does inside a push to a hosted repository; by default it accepts every push. */
  pushHooks?: PushHooks;
  /** Replaces the deploy trigger verified webhook pushes go to (tests watch what it is told). */
  webhookDelivery?: OnWebhookDelivery;
  /** Test hook (BERTH_GATEWAY=nginx): rewrites every rendered nginx.conf before `nginx -t`. */
  mangleNginxConfig?: (text: string) => string;
}

export interface Berthd {
  readonly config: Readonly<Config>;
  /** The address the console and API listen on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** The address the apps are served on (the gateway), e.g. http://127.0.0.1:8081; the same as
   *  `url` with BERTH_SHARED_ORIGIN. */
  readonly appsUrl: string;
  readonly appsPort: number;
  /** The gateway's HTTPS port (BERTH_HTTPS_PORT), or null. */
  readonly httpsPort: number | null;
  /** The public URLs berthd hands out (console, apps, the API as instances reach it). */
  readonly urls: PublicUrls;
  /** The web console's build directory berthd serves (BERTH_CONSOLE_DIR, or the checkout's). */
  readonly consoleDir: string;
  readonly store: Store;
  readonly jobs: JobQueue;
  readonly http: Api;
  readonly runtime: RuntimeDriver;
  /** The gateway driver the route tables go to (BERTH_GATEWAY: built-in or nginx). */
  readonly gateway: GatewayDriver;
  /** The gateway worker processes serving the apps port (BERTH_GATEWAY_WORKERS > 0), else null:
   *  then berthd's own process serves it. */
  readonly gatewayWorkers: GatewayCluster | null;
  /** The control plane's health checks of app instances. */
  readonly health: HealthMonitor;
  readonly engine: Engine;
  /** Notification channels, subscriptions and the notifier (`notify.notifier.emit`). */
  readonly notify: Notify;
  /** The hosted git repositories (`/git/{code}.git`). */
  readonly git: GitHosting;
  /** Inbound webhooks: each app's secret, the hook URL's receiver, the delivery log. */
  readonly webhooks: Webhooks;
  /** Custom domains, certificates, ACME; `domains.extras` is its part of the gateway table. */
  readonly domains: DomainsModule;
  /** The API gateway's systems and components; `apigw.directory` answers which component a call names. */
  readonly apigw: ApigwModule;
  /** The API gateway's call security: app and user authentication, grants, rate limits. */
  readonly apigwSecurity: ApigwSecurity;
  /** The API gateway's call records: the call handler reports each call to `apigwRecords.recorder`. */
  readonly apigwRecords: ApigwRecords;
  /** This installation's code (part of host-level names). */
  readonly installation: string;
  /** This process among the berthd replicas on the store (host/pid/random): owner of its job
   *  leases and scheduled periods, and in every log line. */
  readonly replica: string;
  /** Periodic work shared by the replicas (healing, approved requests, the history purge). */
  readonly scheduler: Scheduler;
  /** Host identities (when berthd runs as root). */
  readonly tenants: Tenants | null;
  /** What the first start did about the bootstrap admin (the generated password, once). */
  readonly bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export async function startBerthd(config: Readonly<Config>, options: BerthdOptions = {}): Promise<Berthd> {
  const startedAt = Date.now();
  const replica = newReplicaId();
  const logger = (options.logger ?? createLogger(config.logLevel)).child({ replica });
  const secretBox = createSecretBox(loadSecretKey(config.dataDir, config.secretKey));
  const store = openStore(config.database, (err) =>
    logger.warn({ err: err.message }, 'an idle store connection was closed by the server'),
  );
  let workers: JobWorkers | undefined;
  let scheduler: Scheduler | undefined;
  let http: Api | undefined;
  let apigwCalls: CallAnswerer | undefined;
  let runtime: RuntimeDriver | undefined;
  let gateway: GatewayDriver | undefined;
  let engine: Engine | undefined;
  let urls: BindablePublicUrls | undefined;
  let git: GitHosting | undefined;
  let domains: DomainsModule | undefined;
  let records: ApigwRecords | undefined;
  let destinations: Destinations | undefined;
  const shared = config.sharedOrigin;
  const health = createHealthMonitor({ logger });
  try {
    warnAboutOrigins(config, logger);
    await migrateToLatest(store, [...ALL_MIGRATIONS], logger.child({ mod: 'store' }));

    // Host identities exist only when berthd can switch users (root); the installation's code is
    // part of every host-level name either way.
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const installation = await installationCode(store);
    if (isRoot) {
      const closed = secureDataDir(config.dataDir);
      if (closed.length > 0) throw new DataDirClosedError(config.dataDir, closed);
    }
    const tenants = isRoot
      ? await createTenants({
          store,
          logger,
          dataDir: config.dataDir,
          hostUsers: true,
          uidBase: config.runtime.uidBase,
        })
      : undefined;
    // (Static sites are sealed to the gateway's identity too; it is made when first needed.)
    // Nothing builds yet: what a berthd killed mid-build left (processes, sources, caches) goes.
    await tenants?.reapBuilds();
    await clearBuildScratch(config.dataDir);
    const nginx = config.gateway.driver === 'nginx';
    const gatewayUser = tenants && (nginx || config.gatewayWorkers > 0) ? await tenants.gateway() : undefined;
    // The built-in gateway, in this process or in workers (one per core) that get every table over
    // IPC. (With BERTH_SHARED_ORIGIN it serves BERTH_PORT too: the table's catch-all platform route
    // goes to the API, in this process, or from the workers to berthd's server on a loopback port.)
    // Workers run as the gateway's own identity when berthd is root (the primary keeps the
    // listening socket; static sites are sealed to that identity's group). They are forked as early
    // as their identity is known, to load their code while berthd recovers (a restart is served
    // again sooner), and listen once berthd has its route table (`tables.start()` below).
    const gatewayLimits = {
      headersTimeoutMs: config.gateway.headerTimeoutMs,
      maxConnectionsPerAddress: config.gateway.maxConnectionsPerAddress,
    };
    // With a shared origin and no workers, the API's server is the gateway's too (serverFactory).
    let apiHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    let guard: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const embedded = shared && !nginx && config.gatewayWorkers === 0;
    // With nginx (docs/nginx.md) the apps keep serving while berthd is down; what it sends to
    // berthd's API (the API gateway's calls, `/api/c/`, and with BERTH_SHARED_ORIGIN the platform
    // route) carries a per-start key, with which berthd's API believes the client address nginx
    // vouches for (forwardedGuard).
    const platformKey = nginx ? newGatewayKey() : undefined;
    const builtinOptions: BuiltinDriverOptions = {
      logger,
      workers: config.gatewayWorkers,
      listen: { host: config.host, port: shared ? config.port : config.appsPort },
      https:
        config.gateway.httpsPort === undefined
          ? undefined
          : { host: config.host, port: config.gateway.httpsPort },
      ...(embedded
        ? {
            embedded: () => ({
              host: config.host,
              port: (http!.server.address() as AddressInfo).port,
            }),
          }
        : {}),
      gateway: {
        trustProxy: config.trustProxy,
        pool: { connections: config.gateway.upstreamConnections },
        ...(embedded
          ? {
              platformHandler: {
                request: (req: IncomingMessage, res: ServerResponse) => {
                  guard?.(req, res);
                  apiHandler!(req, res);
                },
              },
            }
          : {}),
        ...(config.engine.accessLog ? { onRequestDone: accessLogger(logger) } : {}),
        // API gateway calls on the apps origin, when this process is the gateway (no workers).
        policies: new Map([
          [
            'apigw',
            {
              request: (
                req: IncomingMessage,
                res: ServerResponse,
                call: { clientIp: string; requestId: string },
              ) => {
                if (apigwCalls !== undefined) apigwCalls.serve(req, res, call);
                else res.writeHead(503, { 'content-length': '0' }).end();
              },
            },
          ],
        ]),
      },
      limits: { ...gatewayLimits, trustProxy: config.trustProxy },
      cluster: {
        worker: {
          logLevel: config.logLevel,
          accessLog: config.engine.accessLog,
          trustProxy: config.trustProxy,
          limits: gatewayLimits,
          pool: { connections: config.gateway.upstreamConnections },
        },
        // Their settings come by IPC; no BERTH_* variable (no secret) reaches them.
        env: childEnvironment(),
        ...(gatewayUser ? { runAs: { uid: gatewayUser.uid, gid: gatewayUser.gid } } : {}),
      },
    };
    const builtin: BuiltinDriver | undefined = nginx ? undefined : createBuiltinDriver(builtinOptions);
    // nginx's driver is loaded only when configured.
    const gatewayDriver: GatewayDriver =
      builtin ??
      (await (
        await import('./gateway/nginx/index.ts')
      ).createNginxParts(config, logger, {
        user: gatewayUser && { name: gatewayUser.name, gid: gatewayUser.gid },
        platformKey,
        mangleConfig: options.mangleNginxConfig,
      }));
    gateway = gatewayDriver;
    const gatewayWorkers = builtin?.cluster ?? undefined;
    builtin?.preload();
    // The API sits behind another process's proxy (gateway workers or nginx) on a loopback port.
    const behindProxy = shared && (gatewayWorkers !== undefined || nginx);
    /** Where berthd's API listens, as a gateway reaches it (undefined until it listens): its
     *  loopback port behind gateway workers or nginx, else the address it listens on (loopback for
     *  every-interface addresses). */
    const apiAddress = (): { host: string; port: number } | undefined => {
      const address = http?.server.listening ? (http.server.address() as AddressInfo) : undefined;
      if (address === undefined) return undefined;
      return {
        host: behindProxy || isAnyAddress(config.host) ? '127.0.0.1' : config.host,
        port: address.port,
      };
    };

    const audit = createAuditLog({ store });
    const identity = createIdentity({
      store,
      audit,
      logger: logger.child({ mod: 'identity' }),
      sessionTtlMs: config.sessionTtlMs,
      cookieSecure: config.cookieSecure,
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
      appsUrl: () => urls!.apps,
      currentReleases: (codes) => engine!.currentReleases(codes),
      onConfigChanged: (actor, code, env, trx) => engine!.service.configChanged(actor, code, env, trx),
      onSecretRotated: (actor, code, trx) => engine!.service.secretRotated(actor, code, trx),
      maxInstancesPerApp: config.engine.maxInstancesPerApp,
      prodApproval: config.engine.prodApproval,
      onAppDeleted: async (code) => {
        await notify.appDeleted(code);
        await webhooks.appDeleted(code);
        await engine!.service.appDeleted(code);
        await git!.removeRepo(code);
        await sourcesModule.forget(code);
        await domainsModule.forget(code);
        await apigwSecurity.forget(code);
      },
      // A new app has routes at once (503 until its first deploy, not 404).
      onAppCreated: () => engine!.tables.refresh(),
    });
    const jobs = createJobQueue({
      store,
      logger: logger.child({ mod: 'jobs' }),
      leaseMs: config.jobs.leaseMs,
    });
    const periodic = createScheduler({ store, logger, replica, leaseMs: config.jobs.scheduleLeaseMs });
    scheduler = periodic;
    // Who may read and change an app's subscriptions: the notify.read and notify.write actions.
    const notify: Notify = createNotify({
      store,
      queue: jobs,
      secretBox,
      audit,
      logger: logger.child({ mod: 'notify' }),
      authorize: (actor, action, code) => apps.access.authorize(actor, action, code).then(() => undefined),
      settings: { maxAttempts: config.notify.attempts, timeoutMs: config.notify.timeoutMs },
    });
    // Reading an app's webhook URL needs app.read, its secret source.write. Until a deploy trigger is
    // wired, verified pushes are logged and ignored.
    const webhooks: Webhooks = createWebhooks({
      store,
      secretBox,
      audit,
      logger: logger.child({ mod: 'webhooks' }),
      authorize: (actor, action, code) => apps.access.authorize(actor, action, code).then(() => undefined),
      publicUrl: () => urls!.console,
      // A verified push or tag of the external repository deploys as the app's source settings say.
      onDelivery:
        options.webhookDelivery ??
        ((push) => triggered!.delivered({ code: push.code, ref: push.ref, provider: push.provider })),
    });

    /** The ports berthd listens on, once it does (the Swarm driver lets instances reach them). */
    const listening: number[] = [];
    // Apps keep running across berthd restarts: pick up the instances that still run first.
    // The Docker client and runtime are loaded only when configured (dockerode alone is ~24 MB).
    const docker: DockerParts | undefined =
      config.runtime.driver === 'docker' || config.runtime.driver === 'swarm'
        ? await (await import('./runtime/docker/berthd-parts.ts')).createDockerParts(config, logger, {
            installation,
            replica,
            hostPorts: () => listening,
          })
        : undefined;
    // Processes reach berthd's API on the loopback address, containers through Docker's host name.
    urls = createPublicUrls(
      config,
      docker
        ? { hostAddress: docker.hostAddress, ownLoopback: true }
        : { hostAddress: '127.0.0.1', ownLoopback: false },
    );
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
    // The apps port: app requests go to the gateway; anything else is GATEWAY_NO_ROUTE. With
    // BERTH_SHARED_ORIGIN one port serves both: what is not for an app goes to the API.
    if (gatewayWorkers !== undefined && shared) guard = forwardedGuard(gatewayWorkers.key);
    // The API's own port (no BERTH_SHARED_ORIGIN) also serves clients directly, some through the
    // operator's trusted proxies: their X-Forwarded-* stay for the API's trust to weigh.
    if (platformKey !== undefined)
      guard = forwardedGuard(platformKey, shared ? null : createProxyTrust(config.trustProxy));
    // Hosted repositories: pushes authenticate with an API token (never a session) as the password.
    // A push to the deploy branch builds and deploys (sources/push-deploys.ts); the engine that does it
    // is made below, so the hooks reach it through `triggered`, set before anything listens.
    let triggered: TriggeredDeploys | undefined;
    git = createGitHosting({
      dataDir: config.dataDir,
      logger,
      maxPushBytes: config.sources.maxPushBytes,
      maxRepoBytes: config.sources.maxRepoBytes,
      resolveToken: async (token, ip) => {
        if (!token.startsWith(API_TOKEN_PREFIX)) throw new BerthError('TOKEN_INVALID');
        return { actor: await identity.resolveCredential(token, ip) };
      },
      authorize: (actor, action, code) => apps.access.authorize(actor, action, code).then(() => undefined),
      hooks:
        options.pushHooks ??
        pushDeploys({
          triggers: (code) => sourcesModule.settings.triggers(code),
          pinned: (code) => sourcesModule.settings.pinned(code),
          triggered: () => triggered!,
        }),
    });
    const hosting = git;
    // Where builds' code comes from: uploads, the hosted and external repositories, images (Docker).
    const sourcesModule = createSourcesModule({
      store,
      secretBox,
      audit,
      authorize: (actor, action, code) => apps.access.authorize(actor, action, code),
      dataDir: config.dataDir,
      publicUrl: () => urls!.console,
      hostedRepo: (code) => hosting.ensureRepo(code),
      settings: config.sources,
      docker: docker?.docker,
    });
    engine = createEngine({
      every: periodic.every,
      replica,
      sources: sourcesModule.sources,
      pinnedManifest: (code) => sourcesModule.pinnedManifest(code),
      store,
      queue: jobs,
      driver: runtime,
      buildPlace: docker
        ? containerBuildPlace({ containers: docker.containers, logger })
        : hostBuildPlace({ logger, tenants: tenants ?? undefined }),
      gateway: gatewayDriver,
      health,
      // The API's address for the platform route, once it listens (BERTH_SHARED_ORIGIN only).
      // Custom domains, their certificates and ACME challenges (the domains module, made below).
      gatewayExtras: () => domainsModule.extras(),
      // berthd's API, for the API gateway's route (`/api/c/` on the apps origin): when the driver
      // runs the policy itself (the built-in gateway) the calls never reach it; nginx sends them here.
      apigwAddress: apiAddress,
      platformAddress: shared ? apiAddress : undefined,
      access: apps.access,
      // Deploy requests, finished deploys and crash loops, told in the transaction that caused them.
      notify: async (db, event) => {
        await notify.notifier.emit(db, event);
      },
      audit,
      secretBox,
      configSnapshot: (code, env) => apps.configSnapshot(code, env),
      appCodes: () => apps.allCodes(),
      secretNames: (code, env) => apps.secretNames(code, env),
      instanceCeiling: (code) => apps.instanceCeiling(code),
      placement: (code) => apps.placement(code),
      installation,
      tenants,
      containers: docker?.containers,
      logger,
      settings: {
        dataDir: config.dataDir,
        maxPackageBytes: config.engine.maxPackageBytes,
        keepReleases: config.engine.keepReleases,
        drainMs: config.engine.drainMs,
        stopGraceMs: config.runtime.stopGraceMs,
        healIntervalMs: config.engine.healIntervalMs,
        appsDomain: config.engine.appsDomain,
        urls,
        logStreamsPerUser: config.engine.logStreamsPerUser,
        runTimeoutMs: config.engine.runTimeoutMs,
        runsPerApp: config.engine.runsPerApp,
        requestPollMs: config.engine.requestPollMs,
        logRetentionMs: config.runtime.logRetentionMs,
      },
    });
    // Custom domains, TLS certificates and ACME orders; what they add to the gateway's table is
    // `domainsModule.extras` (the engine's route tables merge it in).
    const domainsModule: DomainsModule = createDomainsModule({
      store,
      secretBox,
      audit,
      logger,
      queue: jobs,
      authorize: (actor, action, code) => apps.access.authorize(actor, action, code),
      readableCodes: (actor) => apps.access.readableCodes(actor),
      appCodes: () => apps.allCodes(),
      platformHosts: () => ({
        console: new URL(urls!.console).hostname,
        apps: new URL(urls!.apps).hostname,
        appsDomain: config.engine.appsDomain,
      }),
      refreshRoutes: () => engine!.tables.refresh(),
      settings: {
        warnDays: config.domains.certWarnDays,
        acme: config.domains.acme && {
          directory: config.domains.acme.directory,
          email: config.domains.acme.email,
          caPem: config.domains.acme.caFile ? fs.readFileSync(config.domains.acme.caFile, 'utf8') : undefined,
        },
      },
    });
    domains = domainsModule;
    // The API gateway's declarations (systems, components) and the directory calls are routed by.
    const apigw = createApigwModule({
      store,
      audit,
      logger,
      apiUrl: () => urls!.apigw,
      changed: () => gatewayWorkers?.notice(WORKER_NOTICES.declarations),
    });
    // Gateway calls between apps: who calls (app secrets, signatures, gateway user tokens), what
    // they may call. A system's owner is its declaration's.
    const apigwSecurity = createApigwSecurity({
      store,
      audit,
      openSecret: (code) => apps.secretForVerification(code),
      verifyUserToken: (token, app) => identity.gatewayUserTokens.verify(token, app),
      lookupUser: identity.lookupUser,
      ownerOf: async (system) => (await apigw.directory.system(system))?.owner,
      components: (system) => apigw.directory.components(system),
      systemsOwnedBy: (codes) => apigw.directory.systemsOwnedBy(codes),
      notify: (db, event) => notify.notifier.emit(db, event),
      consoleUrl: () => urls!.console,
      isBuilder: (actor, code) => apps.access.can(actor, 'app.update', code),
      readableCodes: (actor) => apps.access.readableCodes(actor),
      appExists: async (code) => (await apps.allCodes()).has(code),
      changed: () => gatewayWorkers?.notice(WORKER_NOTICES.access),
    });
    // API gateway call records: counted in memory per call, written every 10 s and on close; the
    // purge of old ones is scheduled work (one replica per hour).
    const apigwRecords = createApigwRecords({
      store,
      replica,
      logger,
      readableCodes: (actor) => apps.access.readableCodes(actor),
      every: periodic.every,
      settings: { retentionMs: config.apigw.recordsRetentionMs },
    });
    records = apigwRecords;
    // API gateway calls (/api/c/…): to the destination's healthy instances in the engine's route
    // table, through pools of their own.
    const apigwDestinations = createDestinations({ current: () => engine!.tables.current(), logger });
    destinations = apigwDestinations;
    // The built-in system `berth`: platform reads and notifications for apps, through the
    // platform's services (no actor: the gateway's grant is the permission).
    const builtinHandlers = createBuiltinHandlers({
      userProfiles: (names) => identity.userProfiles(names),
      appFacts: (code) => apps.describeApp(code),
      appDomains: (code) => domainsModule.domains.hostsOf(code),
      serving: (code, env) => apigwDestinations.serving(code, env),
      emitNotice: (event) => notify.notifier.emit(store.db, event),
    });
    const callSteps = createCallSteps({
      directory: apigw.directory,
      security: apigwSecurity,
      destinations: apigwDestinations,
      recorder: apigwRecords.recorder,
      builtin: builtinHandlers,
    });
    // The API gateway's route policy: served by the gateway itself (`/api/c/` on the apps origin),
    // in this process when it has no workers, else in each worker, which asks berthd for what only
    // it has (apigw/worker-services.ts).
    apigwCalls = createCallAnswerer({ steps: () => callSteps, bodyLimit: APIGW_CALL_BODY_LIMIT, logger });
    gatewayWorkers?.serve(
      createApigwWorkerServices({
        declarations: storeDeclarations(store.db),
        access: storeAccess(store.db),
        openSecret: (code) => apps.secretForVerification(code),
        nonces: apigwSecurity.nonces,
        userAuth: apigwSecurity.userAuth,
        rateLimits: apigwSecurity.rateLimits,
        recorder: apigwRecords.recorder,
        builtin: builtinHandlers,
      }),
    );
    const service = engine.service;
    const appsBase = () => urls!.apps.replace(/\/$/, '');
    triggered = createTriggeredDeploys({
      triggers: (code) => sourcesModule.settings.triggers(code),
      deploySource: (actor, code, env, spec, o) => service.deploySource(actor, code, env, spec, o),
      getDeploy: (actor, id) => service.getDeploy(actor, id),
      fileRequest: (actor, code, env, ref, note) =>
        engine!.requests.file(actor, code, env, { kind: 'build', ref, note }),
      deployLogs: (actor, id, o) => service.deployLogs(actor, id, o),
      appUrl: (code, env) => `${appsBase()}${envPathPrefix(code, env)}/`,
    });
    await git.start();
    const local = builtin?.local ?? null;

    const publicUrls = urls;
    const consoleDir = config.consoleDir ?? BUILT_CONSOLE_DIR;
    const consoleSite = createConsoleSite({
      dir: consoleDir,
      logger: logger.child({ mod: 'console' }),
    });
    /** The API's server when a gateway vouches for what it forwards: the guard sees every request
     *  first (forwardedGuard). */
    const guardedServer = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer((req, res) => {
        guard?.(req, res);
        handler(req, res);
      });
    http = await createHttpApp({
      logger,
      version: VERSION,
      // Behind gateway workers X-Forwarded-* come from them only (the guard drops anyone else's).
      trustProxy: apiTrustProxy(config.trustProxy, behindProxy || platformKey !== undefined),
      authenticate: identity.authenticate,
      consoleOrigin: () => new URL(publicUrls.console).origin,
      sessionCookieName: identity.sessionCookie.name,
      // The web console's pages: `/` and the deep links browsers open.
      notFound: consoleSite.page,
      ...(shared
        ? {
            serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
              apiHandler = handler;
              // Behind workers: berthd's loopback port, which believes X-Forwarded-* only from them.
              if (local === null) return guardedServer(handler);
              const server = createServer(local.handleRequest);
              guardServer(server, { ...gatewayLimits, trustProxy: config.trustProxy });
              server.on('upgrade', local.handleUpgrade);
              return server;
            },
          }
        : platformKey !== undefined
          ? // The API's own port, which nginx reaches for the API gateway's calls.
            { serverFactory: guardedServer }
          : {}),
      routes: [
        healthRoutes({ store, version: VERSION }),
        downloadRoutes({ cliPackage: config.cliPackage }),
        consoleSite.routes,
        identityRoutes({
          identity,
          audit,
          verifyAppSecret: apps.verifySecret,
          sessionTtlMs: config.sessionTtlMs,
          appsOrigin: () => ({ appsUrl: publicUrls.apps, appsDomain: config.engine.appsDomain }),
          consoleUrl: () => publicUrls.console,
        }),
        appsRoutes({ apps }),
        jobsRoutes({ queue: jobs, access: apps.access, audit }),
        schedulesRoutes({ scheduler: periodic }),
        platformRoutes({
          status: createPlatformStatus({
            version: VERSION,
            startedAt,
            dialect: store.dialect,
            driver: config.runtime.driver,
            gateway: {
              ...gatewayStatus(gatewayDriver, config.gatewayWorkers),
              lastFailure: () => engine?.tables.lastFailure() ?? null,
            },
            jobCounts: (since) => jobs.counts(since),
            dataDir: createDataDirMeter({ dir: config.dataDir, logger: logger.child({ mod: 'platform' }) }),
            certificates: () => domainsModule.certificateStatus(),
          }),
        }),
        trafficRoutes({
          traffic: createTrafficService({
            metrics: () => gatewayDriver.metrics(),
            canRead: async (actor, code) => {
              await apps.access.authorize(actor, 'app.read', code);
            },
            info: {
              version: VERSION,
              gateway: gatewayDriver.kind,
              runtime: config.runtime.driver,
              store: store.dialect,
            },
            startedAt,
            live: async () => {
              const { queued, running } = await jobs.counts(Date.now());
              return { tableSeq: gatewayDriver.status().seq, jobs: { queued, running } };
            },
          }),
        }),
        nodesRoutes({ nodes: createNodesService({ driver: runtime }) }),
        engine.routes,
        sourcesModule.routes,
        domainsModule.routes,
        apigw.routes,
        apigwSecurity.routes,
        apigwRecords.routes,
        apigwCallRoutes({
          answerer: apigwCalls,
          bodyLimit: APIGW_CALL_BODY_LIMIT,
          // Behind nginx a call keeps the id nginx gave it (logged and answered by nginx too).
          gatewayRequestId:
            platformKey === undefined ? undefined : (headers) => trustedRequestId(headers['x-request-id']),
        }),
        notify.routes,
        git.routes,
        webhooks.routes,
      ],
    });
    // An app deleted while berthd was down (or dying): what it left goes before anything serves.
    const liveApps = await apps.allCodes();
    const orphans = new Set((await runtime.list()).map((i) => i.app).filter((code) => !liveApps.has(code)));
    for (const code of orphans) await engine.service.appDeleted(code);
    await notify.forgetMissingApps(liveApps);
    await git.removeMissing(liveApps);
    await webhooks.forgetMissingApps(liveApps);
    await domainsModule.forgetMissingApps(liveApps);
    await apigwSecurity.forgetMissingApps(liveApps);
    await tenants?.recover(liveApps);
    let consolePort: number;
    let appsPort: number;
    let httpsPort: number | null;
    if (shared) {
      // One port. The API listens first (the table's platform route needs its address): on a
      // loopback port behind workers, else on BERTH_PORT with the gateway in front (which serves
      // its table from `tables.start()` on, before berthd reports started).
      await http.listen(
        behindProxy ? { port: 0, host: '127.0.0.1' } : { port: config.port, host: config.host },
      );
      await engine.reconcile();
      const listeners = await engine.tables.start();
      consolePort = listeners.http.port;
      appsPort = consolePort;
      httpsPort = listeners.https?.port ?? null;
    } else {
      // The console and API first (instances started while reconciling get BERTH_API_URL with the
      // port it got), then the apps port once the gateway has its table.
      await http.listen({ port: config.port, host: config.host });
      consolePort = (http.server.address() as AddressInfo).port;
      publicUrls.bind({ console: consolePort });
      listening.push(consolePort);
      await engine.reconcile();
      const listeners = await engine.tables.start();
      appsPort = listeners.http.port;
      httpsPort = listeners.https?.port ?? null;
    }
    publicUrls.bind({ console: consolePort, apps: appsPort });
    listening.push(consolePort, appsPort, ...(httpsPort === null ? [] : [httpsPort]));
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

    // Deploys a killed berthd of this host was running are taken up again now, not after their lease.
    await jobs.reapLost(ownerIsGone);
    workers = createJobWorkers({
      queue: jobs,
      handlers: {
        ...engine.jobHandlers,
        ...notify.jobHandlers,
        ...domainsModule.jobHandlers,
        ...options.jobHandlers,
      },
      logger: logger.child({ mod: 'workers' }),
      concurrency: config.jobs.workers,
      pollMs: config.jobs.pollMs,
      owner: replica,
    });
    workers.start();
    domainsModule.start();
    const purgeEvery = config.engine.historyPurgeIntervalMs;
    if (purgeEvery > 0) {
      const purgeDeps = { store, queue: jobs, logger: logger.child({ mod: 'engine' }) };
      const retention = {
        retentionMs: config.engine.historyRetentionMs,
        logRetentionMs: config.runtime.logRetentionMs,
      };
      // Old runs of scheduled work go with the rest of the history.
      periodic.every('engine.history-purge', purgeEvery, async () => {
        await purgeHistory(purgeDeps, retention);
        await periodic.purgeRuns();
      });
    }
    // The registry's garbage: on the replica that runs it (the only one to register the schedule).
    const registryGc = config.runtime.registryGcIntervalMs;
    const ownRegistry = docker?.builtinRegistry;
    if (ownRegistry && registryGc > 0) {
      periodic.every('images.registry-gc', registryGc, async () => {
        await ownRegistry.collectGarbage();
      });
    }
    periodic.every(APIGW_PURGE_SCHEDULE, APIGW_PURGE_EVERY_MS, () => apigwSecurity.purge());
    for (const extra of options.schedules ?? []) periodic.every(extra.name, extra.periodMs, extra.task);
    periodic.start();

    const started = { http, workers, scheduler: periodic, runtime, gateway: gatewayDriver, engine, git };
    let closing: Promise<void> | undefined;
    return {
      config,
      url: `http://${shownHost}:${consolePort}`,
      port: consolePort,
      appsUrl: `http://${shownHost}:${appsPort}`,
      appsPort,
      httpsPort,
      urls: publicUrls,
      consoleDir,
      store,
      jobs,
      http,
      runtime,
      gateway,
      gatewayWorkers: gatewayWorkers ?? null,
      health,
      engine,
      notify,
      git,
      webhooks,
      domains: domainsModule,
      apigw,
      apigwSecurity,
      apigwRecords,
      installation,
      replica,
      scheduler: periodic,
      tenants: tenants ?? null,
      bootstrap,
      close() {
        closing ??= (async () => {
          // Public traffic stops first: the workers finish what they serve, then exit. nginx goes on
          // serving the last table (the next berthd adopts it; stopNginx ends it for good).
          await started.gateway.close({ keepServing: nginx });
          await closeGracefully(started.http.server, () => started.http.close());
          await started.git.close();
          await started.workers.stop();
          await started.scheduler.stop();
          domainsModule.stop();
          // No call arrives any more: the last counts are written.
          await apigwDestinations.close();
          await apigwRecords.close();
          await started.engine.close();
          await health.stop();
          // Detach only: the apps keep running and the next berthd adopts them.
          await started.runtime.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    domains?.stop();
    await workers?.stop().catch(() => {});
    await scheduler?.stop();
    await destinations?.close();
    await records?.close();
    // A failed start leaves an nginx it adopted or started serving, like a stop does.
    await gateway?.close({ keepServing: true }).catch(() => {});
    await http?.close().catch(() => {});
    await git?.close().catch(() => {});
    await engine?.close().catch(() => {});
    await health.stop();
    await runtime?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}

/** The platform status's gateway part from either driver's status: its processes serving now (the
 *  built-in gateway's workers; nginx's workers, not its master) and the table they serve. */
function gatewayStatus(
  gateway: GatewayDriver,
  builtinWorkers: number,
): { driver: GatewayDriver['kind']; workers: () => number; running: () => number; seq: () => number } {
  const running = (): number => {
    const status = gateway.status();
    if (gateway.kind === 'nginx') return Math.max(0, status.processes.length - 1);
    return builtinWorkers === 0 ? 0 : status.processes.length;
  };
  return {
    driver: gateway.kind,
    workers: () => (gateway.kind === 'nginx' ? running() : builtinWorkers),
    running,
    seq: () => gateway.status().seq,
  };
}
