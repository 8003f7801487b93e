// The URLs berthd hands out: the console's (BERTH_PUBLIC_URL), the apps origin's (BERTH_APPS_URL)
// and its API and API gateway as app instances reach them from where they run (BERTH_API_URL and
// BERTH_APIGW_URL in their environment).
// A configured URL with port 0 (the default with BERTH_PORT=0, as in the tests) stands for the port
// berthd got when it started listening, so the URLs are read when needed, not copied at start.
// Also the start-time warnings about origins and the session cookie.
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export interface PublicUrls {
  /** The console and API, as browsers reach them, e.g. https://console.example.com */
  readonly console: string;
  /** The apps origin, e.g. https://apps.example.com (app environments under /t/{code}/, /o/{code}/). */
  readonly apps: string;
  /** berthd's API from an app instance, e.g. http://127.0.0.1:8080 (process runtime). */
  readonly api: string;
  /** The API gateway from an app instance (`/api/c/…` under it): the apps port, where the gateway
   *  serves calls itself (on every core with workers), e.g. http://127.0.0.1:8081. */
  readonly apigw: string;
}

export interface BindablePublicUrls extends PublicUrls {
  /** Records the ports berthd listens on (the console's and the apps'). */
  bind(ports: { console?: number; apps?: number }): void;
}

/** Addresses that mean "every interface": instances then use the runtime's own way to the host. */
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::', '[::]']);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** An address that means "every interface" (`0.0.0.0`, `::`). */
export function isAnyAddress(host: string): boolean {
  return ANY_ADDRESS.has(host);
}

/** A loopback address (berthd listening there is out of containers' reach). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** How app instances reach the host berthd runs on. */
export interface InstanceNetwork {
  /** The host's address as instances see it: `127.0.0.1` for processes, Docker's host name for
   *  containers. */
  hostAddress: string;
  /** Instances have a loopback of their own (containers): berthd's loopback is not theirs. */
  ownLoopback: boolean;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  if (parsed.port !== '0') return url;
  parsed.port = String(port);
  return parsed.toString().replace(/\/$/, '');
}

/** Where instances find berthd's API: BERTH_HOST when it is a specific address they can reach, else
 *  the runtime's way to the host. (Containers cannot reach a berthd that listens on loopback only;
 *  berthd warns at start.) */
export function apiHost(host: string, network: InstanceNetwork): string {
  if (isAnyAddress(host) || (network.ownLoopback && isLoopback(host))) return network.hostAddress;
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function createPublicUrls(config: Readonly<Config>, network: InstanceNetwork): BindablePublicUrls {
  let consolePort = config.port;
  let appsPort = config.sharedOrigin ? config.port : config.appsPort;
  const api = apiHost(config.host, network);
  return {
    get console() {
      return withPort(config.publicUrl, consolePort);
    },
    get apps() {
      return withPort(config.appsUrl, appsPort);
    },
    get api() {
      return `http://${api}:${consolePort}`;
    },
    get apigw() {
      return `http://${api}:${appsPort}`;
    },
    bind(ports) {
      if (ports.console !== undefined) consolePort = ports.console;
      if (ports.apps !== undefined) appsPort = ports.apps;
    },
  };
}

/** Start-time warnings about the origins and the session cookie (docs/security.md). */
export function warnAboutOrigins(config: Readonly<Config>, logger: Logger): void {
  if (config.sharedOrigin) {
    logger.warn(
      { console: config.publicUrl, apps: config.appsUrl },
      "BERTH_SHARED_ORIGIN: apps are served on the console's origin, where any app (its server or its pages) can act with a visiting user's session; host trusted internal apps only (docs/security.md)",
    );
  }
  if (!config.cookieSecure) {
    logger.warn(
      { console: config.publicUrl },
      'BERTH_PUBLIC_URL is plain http on a host name browsers do not treat as secure: the session cookie is berth_session without Secure (not __Host-berth_session); serve the console over https',
    );
  }
  if (config.runtime.driver !== 'process' && isLoopback(config.host)) {
    logger.warn(
      { host: config.host },
      "BERTH_HOST is a loopback address: containers cannot reach berthd's API (BERTH_API_URL); listen on 0.0.0.0 or the host's address",
    );
  }
}
