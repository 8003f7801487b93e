// nginx (Debian's package) in the roles the benchmarks need: the fast upstream (a constant ~100-byte
// answer) and the reference reverse proxy (one upstream block with keepalive per app, one prefix
// location per app, as a generated config would have).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { captureOutput, onCleanup, StopWaiting, start, stop, waitFor } from './procs.ts';

/** 99 characters and a newline. */
export const UPSTREAM_BODY = `${'x'.repeat(99)}\n`;

function common(dir: string, name: string, workers: number): string {
  return `
worker_processes ${workers};
pid ${dir}/${name}.pid;
error_log ${dir}/${name}-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
`;
}

/** The fast upstream: one worker answering UPSTREAM_BODY to every request on `listen`. */
export function upstreamConfig(dir: string, listen: string): string {
  return `${common(dir, 'upstream', 1)}
  server { listen ${listen} backlog=4096; location / { default_type text/plain; return 200 "${UPSTREAM_BODY.trimEnd()}\\n"; } }
}
`;
}

/** The location of app `app` in the hand-written proxies: its prefix, upstream keepalive, X-Forwarded-*. */
function minimalLocation(app: string): string {
  return (
    `location /o/${app}/ { proxy_pass http://${app}/; proxy_http_version 1.1; proxy_set_header Connection ""; ` +
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; ' +
    `proxy_set_header X-Forwarded-Prefix /o/${app}; }`
  );
}

/** An upstream block of the hand-written proxies: one server, 64 idle connections per worker. */
function minimalUpstream(app: string, upstream: { host: string; port: number }): string {
  return `upstream ${app} { server ${upstream.host}:${upstream.port}; keepalive 64; }`;
}

/** nginx routing `/o/{app}/` for `apps` apps to one upstream address. */
export function proxyConfig(
  dir: string,
  name: string,
  port: number,
  workers: number,
  apps: readonly string[],
  upstream: { host: string; port: number },
): string {
  const upstreams: string[] = [];
  const locations: string[] = [];
  for (const app of apps) {
    upstreams.push(minimalUpstream(app, upstream));
    locations.push(minimalLocation(app));
  }
  return `${common(dir, name, workers)}
  ${upstreams.join('\n  ')}
  server { listen 127.0.0.1:${port} backlog=4096; ${locations.join('\n    ')} }
}
`;
}

/** nginx routing `/o/{app}/` for one app with the per-request work the nginx driver does, written
 *  by hand: a JSON access log (buffered), a request id (nginx's own) sent to the app and back to the
 *  client, X-Forwarded-For/-Proto/-Host/-Prefix and X-Real-IP, the client's Host. The reference
 *  that tells what the driver's rendering costs apart from what its features cost. */
export function sameWorkProxyConfig(
  dir: string,
  name: string,
  port: number,
  workers: number,
  app: string,
  upstream: { host: string; port: number },
): string {
  return `${common(dir, name, workers)}
  log_format json escape=json '{"time":"$time_iso8601","method":"$request_method","url":"$request_uri",'
    '"status":$status,"bytes":$body_bytes_sent,"s":$request_time,"upstream":"$upstream_addr","reqId":"$request_id"}';
  upstream ${app} { server ${upstream.host}:${upstream.port}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    access_log ${dir}/${name}-access.json json buffer=64k flush=1s;
    location /o/${app}/ {
      add_header X-Request-Id $request_id always;
      proxy_pass http://${app}/;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Prefix /o/${app};
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Request-Id $request_id;
    }
  }
}
`;
}

/** nginx routing `/o/{app}/` for one app as proxyConfig does, except that the upstream's server is
 *  picked by the smallest balancer in Lua (one `set_current_peer` of a constant address; `modules`:
 *  Debian's ndk and Lua module files) and nothing else is added. What a Lua balancer phase costs by
 *  itself: no configuration that picks its servers in Lua can be faster than this one. */
export function luaFloorProxyConfig(
  modules: readonly string[],
  ...[dir, name, port, workers, app, upstream]: Parameters<typeof sameWorkProxyConfig>
): string {
  const balanced =
    // keepalive after the balancer, or the balancer would replace what keepalive wraps.
    `upstream ${app} { server 0.0.0.1:1; balancer_by_lua_block ` +
    `{ require("ngx.balancer").set_current_peer("${upstream.host}", ${upstream.port}) } keepalive 64; }`;
  const config = proxyConfig(dir, name, port, workers, [app], upstream);
  return `${modules.map((m) => `load_module ${m};\n`).join('')}${config.replace(minimalUpstream(app, upstream), balanced)}`;
}

/** nginx terminating TLS for one app (`/o/{app}/`) on `port`, proxying to one upstream address
 *  over plain HTTP with keepalive: the hand-written reference of the HTTPS rows. */
export function tlsProxyConfig(
  dir: string,
  name: string,
  port: number,
  workers: number,
  app: string,
  upstream: { host: string; port: number },
  tls: { serverName: string; certFile: string; keyFile: string },
): string {
  return `${common(dir, name, workers)}
  ${minimalUpstream(app, upstream)}
  server {
    listen 127.0.0.1:${port} ssl backlog=4096;
    server_name ${tls.serverName};
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:${name}:10m;
    ${minimalLocation(app)}
  }
}
`;
}

export async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningNginx {
  port: number;
  /** The master process (its children are the workers). */
  pid: number;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground with `config` written to `dir/name.conf`; waits for its port. */
export async function startNginx(
  dir: string,
  name: string,
  config: string,
  port: number,
): Promise<RunningNginx> {
  for (const sub of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi'])
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const file = path.join(dir, `${name}.conf`);
  fs.writeFileSync(file, config);
  const child = start('nginx', [
    '-p',
    dir,
    '-e',
    path.join(dir, `${name}-error.log`),
    '-c',
    file,
    '-g',
    'daemon off;',
  ]);
  const output = captureOutput(child);
  const stopNow = onCleanup(() => stop(child, 5_000));
  await waitFor(
    `nginx ${name} on port ${port}`,
    async () => {
      if (child.exitCode !== null) throw new StopWaiting(`nginx ${name} exited: ${output().slice(0, 400)}`);
      return (await portAnswers(port)) ? true : undefined;
    },
    30_000,
    50,
  );
  return { port, pid: child.pid!, stop: stopNow };
}
