// What berthd creates with BERTH_GATEWAY=nginx: the nginx driver in `{dataDir}/nginx` (or driving
// the system's nginx), listening where the built-in gateway would (a port of 0 becomes a concrete
// free port first: nginx's configuration names it, and the next berthd adopts the same one), with
// the trusted proxies, the timeouts and, with BERTH_SHARED_ORIGIN, the secret header berthd's API
// trusts X-Forwarded-* with. When berthd is root, nginx's workers run as the gateway's identity
// (static sites are sealed to its group) and only that group may enter the prefix (the rendered
// configuration carries the platform secret).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { GatewayDriver } from '../driver.ts';
import { GATEWAY_KEY_HEADER } from '../gateway-cluster.ts';
import { createNginxDriver } from './nginx-driver.ts';

export interface NginxPartsOptions {
  /** The gateway's host identity (berthd as root), whose workers read static sites. */
  user?: { name: string; gid: number } | undefined;
  /** The per-start secret of platform routes (BERTH_SHARED_ORIGIN). */
  platformKey?: string | undefined;
  /** Test hook: rewrites the rendered nginx.conf before `nginx -t`. */
  mangleConfig?: ((text: string) => string) | undefined;
}

/** A free TCP port on `host`, for a configured port of 0. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The modules dynamic upstreams load (Debian's libnginx-mod-http-lua and the kit it needs). */
export const LUA_MODULES = ['ndk_http_module.so', 'ngx_http_lua_module.so'] as const;

/** Debian's directory of nginx's dynamic modules (BERTH_NGINX_MODULES_DIR's default). */
export const DEBIAN_MODULES_DIR = '/usr/lib/nginx/modules';

/** The Lua module's files in `dir`, and those of them that are missing. */
export function luaModuleFiles(dir: string): { modules: string[]; missing: string[] } {
  const modules = LUA_MODULES.map((name) => path.join(dir, name));
  return { modules, missing: modules.filter((m) => !fs.existsSync(m)) };
}

/** The modules to load for dynamic upstreams, or undefined when they are off (or `auto` and not
 *  installed). Throws when they are `on` and a module is missing. */
export function dynamicUpstreamModules(settings: Config['gateway']['nginx']): string[] | undefined {
  if (settings.dynamicUpstreams === 'off' || settings.mode === 'system') return undefined;
  const { modules, missing } = luaModuleFiles(settings.modulesDir);
  if (missing.length === 0) return modules;
  if (settings.dynamicUpstreams === 'auto') return undefined;
  throw new Error(
    `BERTH_NGINX_DYNAMIC_UPSTREAMS=on: ${missing.join(', ')} not found (install Debian's libnginx-mod-http-lua, or set BERTH_NGINX_MODULES_DIR)`,
  );
}

async function concretePort(host: string, port: number): Promise<number> {
  return port === 0 ? freePort(host) : port;
}

export async function createNginxParts(
  config: Readonly<Config>,
  logger: Logger,
  options: NginxPartsOptions = {},
): Promise<GatewayDriver> {
  const settings = config.gateway.nginx;
  const host = config.host;
  const port = await concretePort(host, config.sharedOrigin ? config.port : config.appsPort);
  const https =
    config.gateway.httpsPort === undefined
      ? undefined
      : { host, port: await concretePort(host, config.gateway.httpsPort) };
  fs.mkdirSync(settings.prefix, { recursive: true, mode: 0o750 });
  if (options.user !== undefined) {
    // berthd's own directory (never an app's): root's, entered by the gateway's group only.
    fs.chownSync(settings.prefix, 0, options.user.gid);
    fs.chmodSync(settings.prefix, 0o750);
  }
  if (config.trustProxy === true) {
    // config.ts refuses it already; here for callers that build a Config by hand.
    throw new Error('BERTH_TRUST_PROXY=true cannot be expressed with the nginx gateway');
  }
  const modules = dynamicUpstreamModules(settings);
  logger.info(
    { dynamicUpstreams: modules !== undefined },
    modules !== undefined
      ? 'nginx: dynamic upstreams (instances change without a reload)'
      : 'nginx: static upstreams (every change of instances is a reload)',
  );
  return createNginxDriver({
    logger,
    prefix: settings.prefix,
    listen: { host, port },
    https,
    binary: settings.binary,
    system: settings.mode === 'system' ? { configFile: settings.systemConfig } : undefined,
    ...(options.mangleConfig ? { mangleConfig: options.mangleConfig } : {}),
    dynamicUpstreams: modules === undefined ? undefined : { modules },
    logRotation: settings.logRotation,
    render: {
      workerProcesses: settings.workerProcesses,
      user: options.user === undefined ? undefined : { name: options.user.name, group: options.user.name },
      trustedProxies: config.trustProxy === false ? [] : config.trustProxy,
      clientHeaderTimeoutMs: config.gateway.headerTimeoutMs,
      platformSecret:
        options.platformKey === undefined
          ? undefined
          : { header: GATEWAY_KEY_HEADER, value: options.platformKey },
    },
  });
}
