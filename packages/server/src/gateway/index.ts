// The gateway module: serves each app environment at `/o/{code}/` (prod) and `/t/{code}/` (stag),
// and at `{code}.{domain}` / `{code}-stag.{domain}` when a base domain is set, by proxying to the
// instances the deploy engine lists in a route table.
//
// Pieces: route-table.ts (plain data -> immutable O(1) lookup), upstreams.ts (pools and up/down
// state), proxy.ts + proxy-exchange.ts (undici `Pool.dispatch` with a hand-written handler),
// tunnel.ts (Upgrade / WebSocket), health-checker.ts (active checks), gateway.ts (all of it behind
// `applyTable`), gateway-worker.ts (one process of the multi-core gateway).
//
// Multi-core design. One Node process proxies on one core (about 0.4x nginx per core measured on
// our machines), so the gateway runs as `node:cluster` workers, one per core:
//   - The primary (berthd's main process) owns the store, the engine and the API. It forks N
//     gateway workers (N = available cores, BERTH_GATEWAY_WORKERS) and restarts any that dies.
//   - Each worker calls `startGatewayWorker({ port: publicPort, … })`. In a cluster, workers that
//     listen on the same port share one listening socket owned by the primary, which hands
//     connections out round robin (the default policy on Linux; `SO_REUSEPORT` needs Node >= 22.12).
//     Keep-alive connections then stay with their worker, so the hand-out costs little.
//   - Route tables are plain data. Whenever the engine computes a new table the primary calls
//     `broadcastRouteTable(Object.values(cluster.workers), table)`; every worker applies it with one
//     assignment (`applyTable`). A worker that (re)starts gets the current table in its first
//     message ('online' event), and serves 404s until then.
//   - Requests that are not for an app (berthd's API and console) are forwarded by the workers to
//     the primary, which listens on a loopback-only port: workers get
//     `gateway: { fallbackUpstream: { host: '127.0.0.1', port: apiPort } }` (Fastify then trusts
//     127.0.0.1 as a proxy to see client addresses). So the public port is served by every core
//     and the API process stays single, as the store and job workers require.
//   - Health: each worker runs its own active checks and passive detection. State is per worker
//     (no IPC on the request path); checks cost N x upstreams / interval, which is small. If that
//     ever matters, the primary can check and broadcast up/down changes the same way as tables.
//   - Metrics: counters live per worker; the primary asks each worker for `gateway.metrics` over
//     IPC (plain objects) and sums them when /metrics is scraped.
//   - With one core, or in tests, the same `createGateway` runs inside berthd's own process: its
//     http server calls `gateway.handleRequest` with the API as the fallback.

export { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
export {
  createGatewayMetrics,
  type GatewayMetrics,
  LATENCY_BUCKETS_MS,
  type RouteCounters,
} from './gateway-metrics.ts';
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
  createHealthChecker,
  DEFAULT_HEALTH_CHECK,
  type HealthChecker,
  type HealthCheckSettings,
} from './health-checker.ts';
export { createProxy, type Proxy, type ProxyFallback, type ProxyOptions } from './proxy.ts';
export type { RequestDoneInfo } from './proxy-context.ts';
export {
  createRouteTable,
  emptyRouteTable,
  type GatewayEnv,
  type HealthCheckSpec,
  type Resolution,
  type Route,
  type RouteSpec,
  type RouteTable,
  RouteTableError,
  type RouteTableInput,
  type UpstreamSpec,
} from './route-table.ts';
export {
  createUpstreamRegistry,
  type Upstream,
  type UpstreamPoolOptions,
  type UpstreamRegistry,
} from './upstreams.ts';
