// The URLs berthd hands out: the console's (BERTH_PUBLIC_URL), the apps origin's (BERTH_APPS_URL)
// and its API as app instances reach it from where they run (BERTH_API_URL in their environment).
// A configured URL with port 0 (the default with BERTH_PORT=0, as in the tests) stands for the port
// berthd got when it started listening, so the URLs are read when needed, not copied at start.
import type { Config } from './config.ts';

export interface PublicUrls {
  /** The console and API, as browsers reach them, e.g. https://console.example.com */
  readonly console: string;
  /** The apps origin, e.g. https://apps.example.com (app environments under /t/{code}/, /o/{code}/). */
  readonly apps: string;
  /** berthd's API from an app instance, e.g. http://127.0.0.1:8080 (process runtime). */
  readonly api: string;
}

export interface BindablePublicUrls extends PublicUrls {
  /** Records the ports berthd listens on (the console's and the apps'). */
  bind(ports: { console?: number; apps?: number }): void;
}

/** Addresses that mean "every interface": instances then use the runtime's own way to the host. */
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::', '[::]']);

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  if (parsed.port !== '0') return url;
  parsed.port = String(port);
  return parsed.toString().replace(/\/$/, '');
}

/**
 * `hostFromInstances` is how an instance reaches the host berthd runs on: `127.0.0.1` for
 * processes, a name the container runtime maps to the host for containers. It is used when berthd
 * listens on every address; a specific BERTH_HOST is used as it is.
 */
export function createPublicUrls(config: Readonly<Config>, hostFromInstances: string): BindablePublicUrls {
  let consolePort = config.port;
  let appsPort = config.sharedOrigin ? config.port : config.appsPort;
  const apiHost = ANY_ADDRESS.has(config.host)
    ? hostFromInstances
    : config.host.includes(':') && !config.host.startsWith('[')
      ? `[${config.host}]`
      : config.host;
  return {
    get console() {
      return withPort(config.publicUrl, consolePort);
    },
    get apps() {
      return withPort(config.appsUrl, appsPort);
    },
    get api() {
      return `http://${apiHost}:${consolePort}`;
    },
    bind(ports) {
      if (ports.console !== undefined) consolePort = ports.console;
      if (ports.apps !== undefined) appsPort = ports.apps;
    },
  };
}
