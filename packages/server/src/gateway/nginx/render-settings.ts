// What the nginx renderer needs besides the route table: where nginx lives and listens, who it
// runs as, which proxies are trusted, the timeouts and sizes. Plain data, filled in by the driver
// from berthd's configuration.

export interface NginxListen {
  host: string;
  port: number;
}

export interface NginxRenderSettings {
  /** `own` (default): berthd's own nginx, a whole nginx.conf. `system`: an http.conf that a system
   *  nginx's http block includes (process settings, MIME types and temp paths are the system's). */
  mode?: 'own' | 'system';
  /** nginx's prefix directory (absolute): pid file, logs, temp dirs live under it. */
  prefix: string;
  /** The directory the rendered files will be in (absolute): includes and aliases point into it. */
  confDir: string;
  /** The apps port. */
  listen: NginxListen;
  /** The HTTPS listener (SNI), when configured. */
  https?: NginxListen | undefined;
  /** `worker_processes` (default `auto`). */
  workerProcesses?: number | 'auto';
  /** `worker_connections` (default 4096). */
  workerConnections?: number;
  /** The gateway's identity when nginx's master runs as root: `user NAME [GROUP]`. */
  user?: { name: string; group?: string } | undefined;
  /** The unix socket (absolute path) of the control listener that answers the table's sequence
   *  (`GET /seq`): only local processes that may open the socket reach it. */
  controlSocket: string;
  /** The JSON access log (absolute path). */
  accessLog: string;
  /** Addresses or CIDR ranges whose X-Forwarded-* and X-Request-Id are believed. */
  trustedProxies?: readonly string[];
  /** The table's sequence, answered by the control listener. */
  seq: number;
  /** What the control listener answers instead of the bare sequence: unique per apply, so that
   *  workers of an older configuration with the same sequence (a new berthd starting its count
   *  again) never confirm a newer one. Letters, digits, `-`, `_` and spaces. */
  controlToken?: string;
  /** Idle keepalive connections per upstream block and worker (default 64, as hand-written configs
   *  often have: under 200 client connections a worker has about 100 requests in flight to one
   *  app, and a smaller cache closes and opens more connections to it). */
  upstreamKeepalive?: number;
  /** Client keepalive timeout in seconds (default 65, as the built-in gateway). */
  clientKeepaliveTimeoutS?: number;
  /** Upstream timeouts: connect (default 5 s), response headers (60 s), body reads (120 s). nginx
   *  has one read timeout for both: the larger of the two is used. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Largest request body in bytes; 0 or absent: no limit (as the built-in gateway). */
  maxBodyBytes?: number;
  /** The header (and its per-start secret) berthd trusts X-Forwarded-* with, added to platform
   *  requests. */
  platformSecret?: { header: string; value: string } | undefined;
  /** Client request header timeout in ms (default 60 s). */
  clientHeaderTimeoutMs?: number;
  /** Dynamic upstreams (render-lua.ts), berthd's own nginx only: the modules to load (absolute
   *  paths: the Lua module and the kit it needs) and the data file the master loads. */
  dynamicUpstreams?: { modules: readonly string[]; dataFile: string } | undefined;
}
