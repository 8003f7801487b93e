// Header rewriting on the way to the app and back: hop-by-hop headers are dropped (RFC 9110 7.6.1),
// X-Forwarded-*, X-Real-IP and X-Request-Id are set, and the platform's cookies never reach an app
// (cookie-filter.ts). Works on Node's `rawHeaders` arrays so that the hot path never builds the
// lazily-computed `req.headers` object.
//
// Forwarding headers from the client are believed only when the peer is a trusted proxy
// (trusted-proxies.ts). From anyone else X-Forwarded-For, -Proto, -Host, X-Real-IP, Forwarded and
// X-Request-Id are replaced: the app sees the address the gateway saw, a fresh request id (a client
// must not pick the id other requests are logged under), and the gateway's own protocol and Host.
// Behind trusted proxies, X-Forwarded-For keeps the chain from the client (the rightmost address no
// trusted proxy vouches for) onwards, and X-Real-IP is that client. `Forwarded` (RFC 7239) is
// dropped in every case: the gateway speaks X-Forwarded-* and cannot vouch for what it does not parse.
import { randomUUID } from 'node:crypto';
import { setsPlatformCookie, withoutPlatformCookies } from './cookie-filter.ts';
import { headerName } from './header-names.ts';
import { clientIndex, type ProxyTrust } from './trusted-proxies.ts';

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

/** A request id from a trusted proxy is kept when it looks like one (no spaces, no control bytes). */
const REQUEST_ID = /^[A-Za-z0-9._:=+/@-]{1,128}$/;

/** A trusted proxy's X-Request-Id when it looks like one, else undefined. */
export function trustedRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}

export interface ScanOptions {
  /** The peer is a trusted proxy: its X-Forwarded-* and X-Request-Id are kept. */
  peerTrusted: boolean;
  /** The trust test, to find the client in a trusted peer's X-Forwarded-For. */
  trust: ProxyTrust | null;
  /** `http` or `https`, as the client reached the gateway. */
  proto: string;
  remoteAddress: string | undefined;
  /** For Upgrade tunnels: keep `Upgrade` and send `Connection: upgrade`. */
  tunnel?: boolean;
  /** The request goes to an app (not berthd): the platform's cookies are removed. */
  toApp: boolean;
}

export interface ScannedRequest {
  host: string | undefined;
  /** The request's id: a trusted proxy's when valid, else a fresh UUID. */
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
  const trusted = options.peerTrusted;
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
      case 'cookie': {
        const kept = options.toApp ? withoutPlatformCookies(value) : value;
        if (kept !== '') headers.push(name, kept);
        continue;
      }
      case 'x-request-id':
        if (trusted && requestId === undefined && REQUEST_ID.test(value)) requestId = value;
        continue;
      case 'x-forwarded-for':
        if (trusted) forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'x-forwarded-proto':
        if (trusted) forwardedProto ??= value;
        continue;
      case 'x-forwarded-host':
        if (trusted) forwardedHost ??= value;
        continue;
      case 'x-forwarded-prefix':
      case 'x-real-ip':
      case 'forwarded':
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
  const peer = options.remoteAddress ?? 'unknown';
  const { client, chain } = forwardedClient(forwardedFor, options.trust, peer);
  headers.push(
    'x-forwarded-for',
    chain,
    'x-real-ip',
    client,
    'x-forwarded-proto',
    forwardedProto ?? options.proto,
    'x-request-id',
    requestId,
  );
  const shownHost = forwardedHost ?? host;
  if (shownHost !== undefined) headers.push('x-forwarded-host', shownHost);
  if (options.tunnel === true && upgrade !== undefined) {
    headers.push('connection', 'upgrade', 'upgrade', upgrade);
  }
  return { host, requestId, hasBody, upgrade, headers };
}

/** The client a trusted peer's X-Forwarded-For names (the first address from the right that is
 *  not a trusted proxy), and the chain from it to the peer; the peer itself when there is none. */
function forwardedClient(
  forwardedFor: string | undefined,
  trust: ProxyTrust | null,
  peer: string,
): { client: string; chain: string } {
  if (forwardedFor === undefined || trust === null) return { client: peer, chain: peer };
  const entries = forwardedFor.split(',').map((entry) => entry.trim());
  const first = clientIndex(entries, trust);
  if (first < 0) return { client: peer, chain: peer };
  return { client: entries[first]!, chain: `${entries.slice(first).join(', ')}, ${peer}` };
}

/** The client's address: `peer`, or what a trusted peer's X-Forwarded-For names. */
export function clientOf(forwardedFor: string | undefined, trust: ProxyTrust | null, peer: string): string {
  return forwardedClient(forwardedFor, trust, peer).client;
}

/** Adds X-Forwarded-Prefix once the route is known. */
export function addPrefix(headers: string[], prefix: string): void {
  if (prefix !== '') headers.push('x-forwarded-prefix', prefix);
}

/**
 * Response headers from undici (`Buffer[]`, flat) minus hop-by-hop ones, plus our request id, into
 * `out`. From an app (`fromApp`), a Set-Cookie that would set one of the platform's cookies is
 * dropped too, and so is every header named in `dropped` (lower-case). Returns whether the response
 * has a Content-Length (else its head is sent at once).
 */
export function responseHeaders(
  raw: Buffer[],
  requestId: string,
  fromApp: boolean,
  out: string[],
  dropped?: ReadonlySet<string>,
): boolean {
  let connectionTokens: string[] | undefined;
  let contentLength = false;
  for (let i = 0; i < raw.length; i += 2) {
    const { name, lower } = headerName(raw[i]!);
    if (lower === 'connection') {
      connectionTokens = extraConnectionTokens(raw[i + 1]!.toString('latin1'), connectionTokens);
      continue;
    }
    if (lower === 'x-request-id' || HOP_BY_HOP.has(lower)) continue;
    if (dropped?.has(lower)) continue;
    const value = raw[i + 1]!.toString('latin1');
    if (fromApp && lower === 'set-cookie' && setsPlatformCookie(value)) continue;
    if (lower === 'content-length') contentLength = true;
    out.push(name, value);
  }
  if (connectionTokens !== undefined) removeNamed(out, connectionTokens);
  out.push('x-request-id', requestId);
  return contentLength;
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
