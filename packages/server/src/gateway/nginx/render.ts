// The nginx renderer: a route table (route-model.ts) and settings -> nginx's configuration, as a
// map of relative file path -> content (the main nginx.conf, the common proxy settings, error
// bodies, TLS certificates and keys). Pure: no file system, no clock; the driver writes the files
// into `settings.confDir` and has nginx test them.
//
// Matching follows the model's rules: one server block per exact host (`server_name a.example`),
// one per wildcard (a regex for exactly one label, as the model's `*.` means), and the default
// server for hostless routes. nginx never falls back from the server it chose, so each server block
// also carries the routes of the levels below it (wildcard, then hostless) that none of its own
// routes covers: the longest-prefix choice nginx makes over the merged set is then the model's.
import { PLATFORM_COOKIE_NAMES } from '../../platform-cookies.ts';
import type { GatewayTable } from '../route-model.ts';
import { address, addressRange, literalPath, NginxRenderError, quote, regexLiteral } from './nginx-syntax.ts';
import { ERROR_URI, errorFiles, errorMaps, errorServerLines, type RenderedFile } from './render-errors.ts';
import {
  CONTROL_INCLUDE,
  ERRORS_INCLUDE,
  HEADERS_INCLUDE,
  HSTS_HEADERS_INCLUDE,
  HTTP_INCLUDE,
  MAIN_CONFIG,
  PROXY_INCLUDE,
  SERVER_INCLUDE,
  TEST_CONFIG,
  UPSTREAM_DATA,
} from './render-files.ts';
import {
  BALANCER_FILE,
  BALANCER_LUA,
  controlLines,
  luaHttpLines,
  REQUEST_ID_FILE,
  REQUEST_ID_LUA,
  requestIdLine,
  upstreamData,
} from './render-lua.ts';
import { serverBlocks } from './render-servers.ts';
import type { NginxListen, NginxRenderSettings } from './render-settings.ts';
import { certificateFiles, upstreamBlocks } from './render-upstreams.ts';

export type { RenderedFile } from './render-errors.ts';
export { DATA_FILES, HTTP_INCLUDE, MAIN_CONFIG, TEST_CONFIG, UPSTREAM_DATA } from './render-files.ts';

/** A main configuration around http.conf, for `nginx -t` of what a system nginx will include. */
function testConfig(settings: NginxRenderSettings): string {
  return `# nginx -t of http.conf alone (gateway/nginx/render.ts); never served.
pid ${literalPath(`${settings.prefix}/test.pid`)};
error_log ${literalPath(`${settings.prefix}/logs/test-error.log`)} warn;
events {}
http {
  client_body_temp_path ${literalPath(`${settings.prefix}/tmp/body`)};
  proxy_temp_path ${literalPath(`${settings.prefix}/tmp/proxy`)};
  include ${quote(`${settings.confDir}/${HTTP_INCLUDE}`)};
}
`;
}

/** Renders every file of the configuration. Throws NginxRenderError for what nginx cannot serve. */
export function renderNginxConfig(
  table: GatewayTable,
  settings: NginxRenderSettings,
): Map<string, RenderedFile> {
  for (const route of table.routes) {
    const prefix = route.match.path ?? route.match.pathPrefix ?? '/';
    if (prefix.startsWith(ERROR_URI) || `${prefix}/` === ERROR_URI) {
      throw new NginxRenderError(`${route.id}: ${ERROR_URI} is the gateway's own`);
    }
  }
  const dynamic = settings.dynamicUpstreams;
  if (dynamic !== undefined && settings.mode === 'system') {
    throw new NginxRenderError(
      "dynamic upstreams need berthd's own nginx (a system nginx loads its own modules)",
    );
  }
  const files = new Map<string, RenderedFile>();
  const upstreams = upstreamBlocks(table, settings);
  let lua: string[] = [];
  if (dynamic !== undefined) {
    const data = upstreamData(settings.seq, upstreams.data);
    files.set(UPSTREAM_DATA, { content: data, mode: 0o600 });
    files.set(BALANCER_FILE, { content: BALANCER_LUA, mode: 0o644 });
    files.set(REQUEST_ID_FILE, { content: REQUEST_ID_LUA, mode: 0o644 });
    lua = luaHttpLines(settings.confDir, dynamic.dataFile, Buffer.byteLength(data));
  }
  files.set(CONTROL_INCLUDE, {
    content: `location = /seq { default_type text/plain; return 200 "${controlAnswer(settings)}"; }\n`,
    mode: 0o644,
  });
  const certs = certificateFiles(table.certificates ?? []);
  for (const [name, file] of certs.files) files.set(name, file);
  for (const [name, file] of errorFiles()) files.set(name, file);
  files.set(PROXY_INCLUDE, { content: proxyCommon(settings), mode: 0o644 });
  files.set(SERVER_INCLUDE, { content: serverCommon(settings), mode: 0o644 });
  const requestIdHeader = 'add_header X-Request-Id $berth_request_id always;\n';
  files.set(HEADERS_INCLUDE, {
    content: `# Included by every location of berthd's (gateway/nginx/render.ts).\n${requestIdHeader}`,
    mode: 0o644,
  });
  // A header whose value is empty is not sent, but nginx still evaluates it on every answer: only
  // the servers that send HSTS pay for it (and the error pages, shared by every server).
  files.set(HSTS_HEADERS_INCLUDE, {
    content:
      '# Included by the locations of an HTTPS server with HSTS, and by the error pages (render.ts).\n' +
      `${requestIdHeader}add_header Strict-Transport-Security $berth_hsts always;\n`,
    mode: 0o644,
  });
  const errorPageHeaders = [`include ${quote(`${settings.confDir}/${HSTS_HEADERS_INCLUDE}`)};`];
  files.set(ERRORS_INCLUDE, {
    content: `# Included by every server block of berthd's (gateway/nginx/render.ts).\n${errorServerLines(settings.confDir, errorPageHeaders).join('\n')}\n`,
    mode: 0o644,
  });
  const servers = serverBlocks(table, settings, upstreams.nameOf, certs.pathsOf);
  const http = httpBody(settings, upstreams.text, servers, lua);
  if (settings.mode === 'system') {
    // A system nginx includes http.conf inside its own http block; test.conf wraps it for nginx -t.
    files.set(HTTP_INCLUDE, { content: http, mode: 0o644 });
    files.set(TEST_CONFIG, { content: testConfig(settings), mode: 0o644 });
  } else {
    files.set(MAIN_CONFIG, { content: mainConfig(settings, http), mode: 0o644 });
  }
  return files;
}

function ms(value: number): string {
  return `${Math.max(1, Math.round(value))}ms`;
}

function _listenAddress(listen: NginxListen): string {
  return address(listen.host, listen.port);
}

function checkedSettings(settings: NginxRenderSettings) {
  if (!Number.isInteger(settings.seq)) throw new NginxRenderError(`sequence ${settings.seq}`);
  const workers = settings.workerProcesses ?? 'auto';
  if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 1)) {
    throw new NginxRenderError(`worker_processes ${String(workers)}`);
  }
  const user = settings.user;
  if (user !== undefined && !/^[a-z_][a-z0-9_-]*\$?$/i.test(user.name)) {
    throw new NginxRenderError(`user ${JSON.stringify(user.name)}`);
  }
  if (user?.group !== undefined && !/^[a-z_][a-z0-9_-]*$/i.test(user.group)) {
    throw new NginxRenderError(`group ${JSON.stringify(user.group)}`);
  }
  const maxBody = settings.maxBodyBytes ?? 0;
  if (!Number.isInteger(maxBody) || maxBody < 0) throw new NginxRenderError(`body limit ${maxBody}`);
  return { workers, user, maxBody, trusted: (settings.trustedProxies ?? []).map(addressRange) };
}

/** nginx.conf of berthd's own nginx: the process settings, then the http block. */
function mainConfig(settings: NginxRenderSettings, http: string): string {
  const p = settings.prefix;
  const { workers, user } = checkedSettings(settings);
  const modules = (settings.dynamicUpstreams?.modules ?? []).map((m) => `load_module ${literalPath(m)};\n`);
  return `# Rendered by berthd (gateway/nginx/render.ts). Do not edit: berthd replaces it at the next
# apply.
${modules.join('')}${user === undefined ? '' : `user ${user.name}${user.group === undefined ? '' : ` ${user.group}`};\n`}worker_processes ${workers};
# The request id's form, the cookie filter and the forwarded-header checks are regular expressions
# run on every request: compiled to machine code once, when nginx reads the config.
pcre_jit on;
pid ${literalPath(`${p}/nginx.pid`)};
error_log ${literalPath(`${p}/logs/error.log`)} warn;
worker_shutdown_timeout 60s;

events {
  worker_connections ${settings.workerConnections ?? 4096};
}

http {
  default_type application/octet-stream;
  types {
    text/html html htm; text/css css; text/javascript js mjs; application/json json map;
    image/svg+xml svg; image/png png; image/jpeg jpg jpeg; image/gif gif; image/webp webp;
    image/x-icon ico; font/woff woff; font/woff2 woff2; text/plain txt; application/wasm wasm;
    application/xml xml; application/pdf pdf; text/csv csv; application/manifest+json webmanifest;
  }
  sendfile on;
  tcp_nopush on;
  server_names_hash_max_size 65536;
  server_names_hash_bucket_size 128;
  client_body_temp_path ${literalPath(`${p}/tmp/body`)};
  proxy_temp_path ${literalPath(`${p}/tmp/proxy`)};
  fastcgi_temp_path ${literalPath(`${p}/tmp/fastcgi`)};
  uwsgi_temp_path ${literalPath(`${p}/tmp/uwsgi`)};
  scgi_temp_path ${literalPath(`${p}/tmp/scgi`)};

  ${http.replace(/\n/g, '\n  ').replace(/\n {2}\n/g, '\n\n')}
}
`;
}

/** Settings every berth server block includes (server-level, so that they also hold inside a
 *  system nginx's http block without clashing with its own). */
function serverCommon(settings: NginxRenderSettings): string {
  const { maxBody, trusted } = checkedSettings(settings);
  const timeouts = settings.timeouts ?? {};
  const readTimeout = Math.max(timeouts.headersMs ?? 60_000, timeouts.bodyMs ?? 120_000);
  return `# Included by every server block of berthd's (gateway/nginx/render.ts).
server_tokens off;
absolute_redirect off;
uninitialized_variable_warn off;
keepalive_timeout ${settings.clientKeepaliveTimeoutS ?? 65}s;
keepalive_requests 10000;
client_header_timeout ${ms(settings.clientHeaderTimeoutMs ?? 60_000)};
client_max_body_size ${maxBody};
proxy_headers_hash_max_size 1024;
proxy_headers_hash_bucket_size 128;
proxy_connect_timeout ${ms(timeouts.connectMs ?? 5_000)};
proxy_read_timeout ${ms(readTimeout)};
proxy_send_timeout ${ms(readTimeout)};
access_log ${literalPath(settings.accessLog)} berth buffer=64k flush=1s;
# What app proxy locations send (they set $berth_forwarded_prefix when they strip a prefix); the
# platform's locations have their own list (proxy-common.conf).
include ${quote(`${settings.confDir}/${PROXY_INCLUDE}`)};
proxy_set_header Cookie $berth_app_cookie;
${trusted.map((range) => `set_real_ip_from ${range};\n`).join('')}${
  trusted.length > 0 ? 'real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n' : ''
}${
  settings.dynamicUpstreams !== undefined
    ? `# The request id, from the Lua module (render-lua.ts) rather than nginx's $request_id.\n${requestIdLine(trusted.length > 0 ? '$berth_fresh_id' : '$berth_request_id')}\n`
    : ''
}`;
}

/** The control listener's answer: the token, else the sequence. */
export function controlAnswer(settings: Pick<NginxRenderSettings, 'seq' | 'controlToken'>): string {
  const token = settings.controlToken ?? String(settings.seq);
  if (!/^[A-Za-z0-9 _-]{1,100}$/.test(token))
    throw new NginxRenderError(`control token ${JSON.stringify(token)}`);
  return token;
}

/** What berthd adds to an http block: variables (maps), the log format, upstreams, servers. */
function httpBody(
  settings: NginxRenderSettings,
  upstreams: string[],
  servers: string[],
  lua: readonly string[],
): string {
  const { trusted } = checkedSettings(settings);
  const cookieNames = PLATFORM_COOKIE_NAMES.map(regexLiteral).join('|');
  const cookieStages: string[] = [
    // Most requests carry no platform cookie: one search decides, and the stages run only then.
    'map $http_cookie $berth_app_cookie {',
    '  default $http_cookie;',
    // No cookie at all (most API calls): a hash look-up, no regular expression.
    '  "" "";',
    `  "~(?:${cookieNames})=" $berth_cookie_4;`,
    '}',
  ];
  // Each stage removes one platform cookie pair (nginx's map cannot replace globally): four stages
  // remove up to four, which covers a browser's cookies of the three names.
  for (let i = 1; i <= 4; i++) {
    const from = i === 1 ? '$http_cookie' : `$berth_cookie_${i - 1}`;
    const into = `$berth_cookie_${i}`;
    cookieStages.push(
      `map ${from} ${into} {`,
      `  default ${from};`,
      `  "~^(?<berth_c${i}a>(?:[^;]*;)*?)\\s*(?:${cookieNames})=[^;]*;?\\s*(?<berth_c${i}b>.*)$" "$berth_c${i}a$berth_c${i}b";`,
      '}',
    );
  }
  const dynamic = lua.length > 0;
  return `# berthd's part of the http block (gateway/nginx/render.ts).
# "$" where nginx would expand a variable.
geo $berth_dollar { default "$"; }
${clientVariables(trusted, dynamic)}# The raw request URI after $berth_strip, the prefix a stripping proxy route sets only when
# nginx's normalised URI differs from the raw one (render-locations.ts): "" when it is not set (a
# hash look-up, so nearly every request runs no regular expression here), "-" when the raw URI
# does not start with it.
map $berth_strip $berth_raw_rest {
  "" "";
  default $berth_raw_rest_cut;
}
map "$berth_strip $request_uri" $berth_raw_rest_cut {
  default "-";
  "~^(?<berth_sp>/[^ ]*) \\k<berth_sp>(?<berth_sr>/.*)$" $berth_sr;
}
# "upgrade" when the client asks for one (any Upgrade header): a hash look-up, no regex.
map $http_upgrade $berth_connection {
  default "upgrade";
  "" "";
}
${cookieStages.join('\n')}
${errorMaps().replace(/\n {2}/g, '\n')}

log_format berth escape=json '{"time":"$time_iso8601","route":"$berth_route","app":"$berth_app",'
  '"env":"$berth_env","method":"$request_method","url":"$request_uri","status":$status,'
  '"bytes":$body_bytes_sent,"s":$request_time,"upstream":"$upstream_addr","reqId":"$berth_request_id"}';

${dynamic ? `# Dynamic upstreams (render-lua.ts).\n${lua.join('\n')}\n\n` : ''}${upstreams.map((u) => `${u}\n`).join('')}
# The control listener: berthd asks it which table the workers serve${dynamic ? " and replaces\n# the dynamic upstreams' servers" : ''}.
server {
  listen ${quote(`unix:${settings.controlSocket}`)};
  access_log off;
  # Declares $berth_strip (the map above), $berth_forwarded_prefix (server-common.conf),
  # $berth_raw_bad (render-locations.ts) and $berth_hsts (the error pages), which a table without
  # stripping routes or HSTS would leave unknown (every other request leaves them empty).
  set $berth_strip "";
  set $berth_forwarded_prefix "";
  set $berth_raw_bad "";
  set $berth_hsts "";
  include ${quote(`${settings.confDir}/${CONTROL_INCLUDE}`)};
${
  dynamic
    ? controlLines()
        .map((l) => `  ${l}\n`)
        .join('')
    : ''
}  location / { return 404; }
}

${servers.join('\n\n')}
`;
}

/** The UUID form of nginx's own request id (always 32 hex digits), the built-in gateway's format.
 *  Numbered captures, used at once by the map's value: named ones would also set a variable each,
 *  and checking digits nginx made itself is work for nothing (callgrind: a quarter of the map's
 *  instructions). */
const FRESH_ID = '"~^(.{8})(.{4})(.{4})(.{4})(.{12})$" "$1-$2-$3-$4-$5";';

/** $berth_request_id and, with trusted proxies, the X-Forwarded-* values to send on. Without
 *  trusted proxies (the default) nothing a client sends is believed, and no map runs for it: the
 *  forwarded values are nginx's own variables (`forwardedVariables`). With the Lua module
 *  (`luaIds`) the fresh id is set by every server block (server-common.conf), not made of
 *  $request_id here. */
function clientVariables(trusted: readonly string[], luaIds: boolean): string {
  if (trusted.length === 0) {
    if (luaIds) return '# No proxy is trusted: every request gets a fresh id (server-common.conf).\n';
    return `# No proxy is trusted: every request gets a fresh id.
map $request_id $berth_request_id {
  ${FRESH_ID}
}
`;
  }
  return `geo $realip_remote_addr $berth_peer_trusted {
  default 0;
${trusted.map((range) => `  ${range} 1;\n`).join('')}}
${
  luaIds
    ? ''
    : `map $request_id $berth_fresh_id {
  ${FRESH_ID}
}
`
}map "$berth_peer_trusted:$http_x_request_id" $berth_request_id {
  default $berth_fresh_id;
  "~^1:(?<berth_rid>[A-Za-z0-9._:=+/@-]{1,128})$" $berth_rid;
}
map "$berth_peer_trusted:$http_x_forwarded_for" $berth_forwarded_for {
  default $realip_remote_addr;
  "~^1:(?<berth_xff>[0-9A-Fa-f.:, ]{1,1000})$" "$berth_xff, $realip_remote_addr";
}
map "$berth_peer_trusted:$http_x_forwarded_proto" $berth_forwarded_proto {
  default $scheme;
  "~^1:(?<berth_xfp>https?)$" $berth_xfp;
}
map "$berth_peer_trusted:$http_x_forwarded_host" $berth_forwarded_host {
  default $http_host;
  "~^1:(?<berth_xfh>[A-Za-z0-9.:\\[\\]-]{1,255})$" $berth_xfh;
}
`;
}

/** The variables proxied requests carry as X-Forwarded-For, -Proto and -Host. */
function forwardedVariables(trusted: readonly string[]): { for: string; proto: string; host: string } {
  return trusted.length === 0
    ? { for: '$remote_addr', proto: '$scheme', host: '$http_host' }
    : { for: '$berth_forwarded_for', proto: '$berth_forwarded_proto', host: '$berth_forwarded_host' };
}

/** Proxy settings every proxied location includes (proxy_set_header does not merge across levels). */
function proxyCommon(settings: NginxRenderSettings): string {
  const forwarded = forwardedVariables(checkedSettings(settings).trusted);
  return `# Included by every proxied location (gateway/nginx/render.ts).
proxy_http_version 1.1;
proxy_set_header Host $http_host;
proxy_set_header Connection $berth_connection;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header X-Forwarded-For ${forwarded.for};
proxy_set_header X-Forwarded-Proto ${forwarded.proto};
proxy_set_header X-Forwarded-Host ${forwarded.host};
proxy_set_header X-Forwarded-Prefix $berth_forwarded_prefix;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Request-Id $berth_request_id;
proxy_set_header Forwarded "";
# The answer carries the gateway's request id alone (headers.conf), not one the upstream set too.
proxy_hide_header X-Request-Id;
proxy_request_buffering off;
proxy_next_upstream error timeout;
proxy_next_upstream_timeout 10s;
`;
}
