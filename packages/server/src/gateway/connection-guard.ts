// Limits on the gateway's client connections, for the http.Server of every process that serves the
// public port (a gateway worker, or berthd itself without workers): a client that never finishes
// its request headers is cut off after `headersTimeoutMs` (slowloris), and one address holds at most
// `maxConnectionsPerAddress` connections at a time in each process (trusted proxies, which carry
// many clients, are not capped). Must be applied before the server listens.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { SETTING_DEFAULTS } from '../setting-defaults.ts';
import { createProxyTrust, type TrustProxySetting } from './trusted-proxies.ts';

export interface ConnectionLimits {
  /** Time a client gets for a request's headers (from its first byte, or from connecting). */
  headersTimeoutMs: number;
  /** Open connections per client address; 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Peers that are not capped (BERTH_TRUST_PROXY). */
  trustProxy?: TrustProxySetting;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  headersTimeoutMs: SETTING_DEFAULTS.gatewayHeaderTimeoutMs,
  maxConnectionsPerAddress: SETTING_DEFAULTS.gatewayConnectionsPerAddress,
});

export function guardServer(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // The whole request has no time limit: uploads to berthd and long requests to apps may take
  // long, and the proxy's own timeouts cover the app's side.
  server.requestTimeout = 0;
  // Node checks expired connections on an interval (30 s by default), which bounds how late a
  // timeout is noticed.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    5_000,
    Math.max(100, Math.floor(limits.headersTimeoutMs / 4)),
  );
  const max = limits.maxConnectionsPerAddress;
  if (max <= 0) return;
  const trust = createProxyTrust(limits.trustProxy ?? false);
  const open = new Map<string, number>();
  // Before the HTTP server's own listener: a refused connection never gets a parser.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || trust?.(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
