// The gateway module: the data plane that carries the apps' traffic, behind the GatewayDriver seam
// (driver.ts). The control plane (the engine) computes a GatewayTable (route-model.ts: routes of
// match -> target, host settings, certificates) and hands it to a driver with a sequence number.
// This folder holds the model and the built-in driver (builtin-driver.ts); nginx's lives in nginx/.
//
// Pieces: route-model.ts (the table, its checks), route-matcher.ts (host, then segment trie),
// upstreams.ts (pools and passive up/down state), proxy.ts + proxy-exchange.ts (undici
// `Pool.dispatch` with a hand-written handler), tunnel.ts (Upgrade / WebSocket, piped only after a
// 101), health-monitor.ts (the control plane's active checks, in berthd's main process only),
// gateway.ts (all of it behind `applyTable`), gateway-worker.ts (one process of the multi-core
// gateway). Safety: forward-headers.ts + trusted-proxies.ts (who the client is), cookie-filter.ts
// (the platform's cookies never reach apps), static-files.ts + open-static-file.ts (files opened once,
// checked on the descriptor), connection-guard.ts (header timeout, connections per address),
// early-answers.ts (an upstream's 413 relayed).
//
// Multi-core design. One Node process proxies on one core (about 0.4x nginx per core measured on
// our machines), so the gateway runs as `node:cluster` workers, one per core (gateway-cluster.ts on
// berthd's side, worker-main.ts + gateway-worker.ts in each worker, worker-protocol.ts between):
//   - The primary (berthd's main process) owns the store, the engine and the API. It forks N
//     gateway workers (BERTH_GATEWAY_WORKERS, default = available cores when > 1) under the same tsx
//     loader, and restarts any that dies (back-off 250 ms doubling per quick crash, up to 30 s).
//   - Workers listen on the public port. In a cluster the listening socket is owned by the primary,
//     which hands connections out round robin (Node's default on Linux; `SO_REUSEPORT`, possible since
//     Node 22.12, is not used). Keep-alive connections then stay with their worker, so the hand-out costs little.
//   - Tables are plain data. Every table the engine applies goes to all workers; each applies it
//     with one assignment and acknowledges its sequence, and the driver's `apply` resolves once all
//     live workers did; a worker that does not confirm in time is killed and replaced by one started
//     with the current table, so that old instances are drained only after no worker routes to
//     them. A (re)started worker gets the current table with its settings, before it listens.
//   - Static sites travel in the table (`static` targets): whichever process gets the
//     request serves the files itself (static-files.ts), with the usual 304 revalidation, from a
//     bounded per-process cache (release files never change, so no repeated file-system calls).
//   - The gateway serves the apps origin (BERTH_APPS_PORT); berthd's API and console listen on a
//     port of their own (BERTH_PORT), so requests that are not for an app get GATEWAY_NO_ROUTE.
//     Only with BERTH_SHARED_ORIGIN do they share a port: the table then ends with a catch-all
//     `platform` route, and workers forward what it matches to the primary, which listens on a
//     loopback-only port, through a pool of their own with no
//     connection limit (log streams stay open for long). Workers replace the client's
//     X-Forwarded-For with the address they saw (unless it is a trusted proxy) and add a secret header;
//     berthd honours X-Forwarded-* only with that secret (`forwardedGuard`), so rate limits and the
//     audit log see real client addresses and a local process cannot forge them. WebSocket
//     upgrades are tunnelled the same way.
//   - Health: the control plane checks instances (health-monitor.ts, one view, read by the API)
//     and re-applies the table with failed upstreams `down`. Each process keeps only passive
//     detection: an upstream that refuses a connection is skipped for a second, then tried again.
//   - Access log: each worker writes its own JSON lines to stdout (same format, with
//     `gatewayWorker: <slot>`). Metrics: counters live per worker; `GatewayCluster.metrics()` asks
//     each worker over IPC and sums them, with the last report of every worker replaced so far
//     (totals never go down while berthd runs).
//   - Workers exit when their IPC channel closes ('disconnect'), so a SIGKILLed berthd does not
//     leave them serving; berthd.close() asks them to finish requests in flight and exit.
//   - With one core, in tests (BERTH_GATEWAY_WORKERS=0), the same `createGateway` runs inside
//     berthd's own process, on a server of its own (gateway-server.ts), or in front of the API on
//     the API's server, serving platform routes with the API's handler (BERTH_SHARED_ORIGIN).

export { AnswerRelay } from './answer-relay.ts';
export {
  type BuiltinDriver,
  type BuiltinDriverOptions,
  createBuiltinDriver,
} from './builtin-driver.ts';
export {
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  guardServer,
} from './connection-guard.ts';
export {
  GatewayApplyError,
  type GatewayDriver,
  type GatewayDriverKind,
  type GatewayListeners,
  type GatewayProcessStatus,
  type GatewayStatus,
} from './driver.ts';
export { responseHeaders, trustedRequestId } from './forward-headers.ts';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
export {
  type ClusterMetrics,
  createGatewayCluster,
  forwardedGuard,
  GATEWAY_KEY_HEADER,
  type GatewayCluster,
  type GatewayClusterOptions,
  newGatewayKey,
  type WorkerMetrics,
} from './gateway-cluster.ts';
export {
  createGatewayMetrics,
  type GatewayMetrics,
  LATENCY_BUCKETS_MS,
  type MetricsSnapshot,
  mergeMetrics,
  type RouteCounters,
  snapshotMetrics,
} from './gateway-metrics.ts';
export { closeServer, createGatewayServer, listenServer } from './gateway-server.ts';
export {
  broadcastRouteTable,
  type GatewayWorker,
  type GatewayWorkerOptions,
  type IpcChannel,
  isRouteTableMessage,
  ROUTE_TABLE_MESSAGE,
  type RouteTableMessage,
  routeTableMessage,
  startGatewayWorker,
} from './gateway-worker.ts';
export {
  createHealthMonitor,
  DEFAULT_HEALTH_CHECK,
  type HealthCheckSettings,
  type HealthMonitor,
} from './health-monitor.ts';
export {
  createProxy,
  type PolicyCall,
  type PolicyHandler,
  type Proxy,
  type ProxyFallback,
  type ProxyOptions,
} from './proxy.ts';
export {
  balanceServers,
  classifyFailure,
  type FailureKind,
  pickUpstream,
  type RequestDoneInfo,
} from './proxy-context.ts';
export { createRouteMatcher, type RouteMatcher } from './route-matcher.ts';
export {
  checkGatewayTable,
  emptyGatewayTable,
  GATEWAY_TABLE_FORMAT,
  type GatewayEnv,
  type GatewayRoute,
  type GatewayTable,
  GatewayTableError,
  type HealthCheckSpec,
  type HostSettings,
  type ProxyTarget,
  type RoutePolicy,
  type RouteTarget,
  type StaticSiteSpec,
  type TlsCertificate,
  type UpstreamServer,
} from './route-model.ts';
export {
  createStaticFiles,
  resolveStaticFile,
  type StaticFiles,
  type StaticFilesOptions,
  type StaticSite,
} from './static-files.ts';
export {
  apiTrustProxy,
  createProxyTrust,
  type ProxyTrust,
  type TrustProxySetting,
} from './trusted-proxies.ts';
export {
  createUpstreamRegistry,
  type Upstream,
  type UpstreamPoolOptions,
  type UpstreamRegistry,
} from './upstreams.ts';
export { type PrimaryServices, runGatewayWorker, type WorkerPolicyContext } from './worker-main.ts';
