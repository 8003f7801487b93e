// Header rewriting on the way to the app and back: hop-by-hop headers are dropped (RFC 9110 7.6.1),
// X-Forwarded-* and X-Request-Id are set. Works on Node's `rawHeaders` arrays so that the hot path
// never builds the lazily-computed `req.headers` object.
import { randomUUID } from 'node:crypto';

/** Headers that describe one connection, never forwarded. `upgrade` is re-added for tunnels. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A client-supplied request id is kept when it looks like one (no spaces, no control bytes). */
const REQUEST_ID = /^[A-Za-z0-9._:=+/@-]{1,128}$/;

export interface ScanOptions {
  /** Keep the client's X-Forwarded-Proto / -Host (berthd is behind a trusted proxy). */
  trustForwarded: boolean;
  /** `http` or `https`, as the client reached the gateway. */
  proto: string;
  remoteAddress: string | undefined;
  /** For Upgrade tunnels: keep `Upgrade` and send `Connection: upgrade`. */
  tunnel?: boolean;
  /** Drop the client's X-Forwarded-For: the upstream sees only the address the gateway saw (for
   *  berthd's own API behind gateway workers, whose rate limits key on the client address). */
  ownForwardedFor?: boolean;
}

export interface ScannedRequest {
  host: string | undefined;
  /** The request's id: the client's when valid, else a fresh UUID. */
  requestId: string;
  /** Whether the request carries a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean;
  /** The Upgrade header, for tunnels. */
  upgrade: string | undefined;
  /** The headers to send upstream, flat `[name, value, name, value, …]`, still missing the
   *  X-Forwarded-Prefix that depends on the route (see `addPrefix`). */
  headers: string[];
}

/** Reads the client's headers once and builds what goes upstream. */
export function scanRequestHeaders(raw: string[], options: ScanOptions): ScannedRequest {
  let host: string | undefined;
  let requestId: string | undefined;
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  let hasBody = false;
  let upgrade: string | undefined;
  let connectionTokens: string[] | undefined;
  const headers: string[] = [];

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        if (host !== undefined) continue;
        host = value;
        headers.push(name, value);
        continue;
      case 'content-length':
        if (value !== '0') hasBody = true;
        headers.push(name, value);
        continue;
      case 'transfer-encoding':
        hasBody = true;
        continue;
      case 'connection':
        connectionTokens = extraConnectionTokens(value, connectionTokens);
        continue;
      case 'upgrade':
        upgrade = value;
        continue;
      case 'x-request-id':
        if (requestId === undefined && REQUEST_ID.test(value)) requestId = value;
        continue;
      case 'x-forwarded-for':
        if (options.ownForwardedFor === true) continue;
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'x-forwarded-proto':
        forwardedProto ??= value;
        continue;
      case 'x-forwarded-host':
        forwardedHost ??= value;
        continue;
      case 'x-forwarded-prefix':
      case 'expect':
        // Node answers `Expect: 100-continue` itself; undici refuses to send the header.
        continue;
      default:
        if (HOP_BY_HOP.has(lower)) continue;
        headers.push(name, value);
    }
  }

  if (connectionTokens !== undefined) removeNamed(headers, connectionTokens);
  if (requestId === undefined) requestId = randomUUID();
  const remote = options.remoteAddress ?? 'unknown';
  headers.push(
    'x-forwarded-for',
    forwardedFor === undefined ? remote : `${forwardedFor}, ${remote}`,
    'x-forwarded-proto',
    options.trustForwarded && forwardedProto !== undefined ? forwardedProto : options.proto,
    'x-request-id',
    requestId,
  );
  const shownHost = options.trustForwarded && forwardedHost !== undefined ? forwardedHost : host;
  if (shownHost !== undefined) headers.push('x-forwarded-host', shownHost);
  if (options.tunnel === true && upgrade !== undefined) {
    headers.push('connection', 'upgrade', 'upgrade', upgrade);
  }
  return { host, requestId, hasBody, upgrade, headers };
}

/** Adds X-Forwarded-Prefix once the route is known. */
export function addPrefix(headers: string[], prefix: string): void {
  if (prefix !== '') headers.push('x-forwarded-prefix', prefix);
}

/** Response headers from undici (`Buffer[]`, flat) minus hop-by-hop ones, plus our request id. */
export function responseHeaders(raw: Buffer[], requestId: string): string[] {
  const out: string[] = [];
  let connectionTokens: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      connectionTokens = extraConnectionTokens(raw[i + 1]!.toString('latin1'), connectionTokens);
      continue;
    }
    if (lower === 'x-request-id' || HOP_BY_HOP.has(lower)) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (connectionTokens !== undefined) removeNamed(out, connectionTokens);
  out.push('x-request-id', requestId);
  return out;
}

/** Header names listed in a Connection header beyond the usual keep-alive/close/upgrade. */
function extraConnectionTokens(value: string, into: string[] | undefined): string[] | undefined {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') return into;
  for (const token of lower.split(',')) {
    const name = token.trim();
    if (name === '' || name === 'keep-alive' || name === 'close' || name === 'upgrade') continue;
    into ??= [];
    into.push(name);
  }
  return into;
}

function removeNamed(headers: string[], names: string[]): void {
  let write = 0;
  for (let read = 0; read < headers.length; read += 2) {
    const name = headers[read]!;
    // Our own X-Forwarded-* and X-Request-Id are appended after this runs and stay.
    if (names.includes(name.toLowerCase())) continue;
    headers[write] = name;
    headers[write + 1] = headers[read + 1]!;
    write += 2;
  }
  headers.length = write;
}
