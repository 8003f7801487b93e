// Which peers are trusted proxies (BERTH_TRUST_PROXY). Only a trusted proxy's X-Forwarded-For,
// -Proto, -Host and X-Request-Id are believed; from anyone else the gateway replaces them with what it
// saw itself, so a client cannot make an app (or berthd's rate limits and audit log) believe it comes
// from another address.
//
// The setting: `false` trusts nobody; a list trusts those addresses and CIDR ranges (loopback ones
// only when listed: app processes run on this host and reach the gateway from loopback); `true`
// trusts every peer that is not loopback, for a berthd that only proxies on other hosts can reach.
import net from 'node:net';

export type TrustProxySetting = boolean | readonly string[];

/** Whether a peer address (as the socket reports it) is a trusted proxy. */
export type ProxyTrust = (address: string) => boolean;

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack socket reports) as IPv4. */
function plain(address: string): string {
  const mapped = MAPPED_V4.exec(address);
  return mapped === null ? address : mapped[1]!;
}

/** Checks one entry of the list: an address or `address/prefix`; returns why it is not one. */
export function trustEntryProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = plain(slash < 0 ? entry : entry.slice(0, slash));
  const family = net.isIP(address);
  if (family === 0) return `"${entry}" is not an IP address or CIDR range`;
  if (slash < 0) return undefined;
  const prefix = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    return `"${entry}" has a prefix length that is not 0 to ${max}`;
  }
  return undefined;
}

export function isLoopback(address: string): boolean {
  const a = plain(address);
  return a.startsWith('127.') || a === '::1';
}

/** The trust test for a setting, or null when nobody is trusted (the fast path). */
export function createProxyTrust(setting: TrustProxySetting): ProxyTrust | null {
  if (setting === false) return null;
  if (setting === true) return (address) => !isLoopback(address);
  if (setting.length === 0) return null;
  const list = new net.BlockList();
  for (const entry of setting) {
    const problem = trustEntryProblem(entry);
    if (problem !== undefined) throw new Error(`trusted proxies: ${problem}`);
    const slash = entry.indexOf('/');
    const address = plain(slash < 0 ? entry : entry.slice(0, slash));
    const type = net.isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) list.addAddress(address, type);
    else list.addSubnet(address, Number(entry.slice(slash + 1)), type);
  }
  return (address) => {
    const a = plain(address);
    const family = net.isIP(a);
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address behind a trusted peer: the X-Forwarded-For entries are walked from the right
 * while they are trusted proxies too; the first one that is not (or the leftmost) is the client.
 * Returns its index (entries left of it are the client's own claims and are dropped), or -1 when
 * there are no entries.
 */
export function clientIndex(entries: readonly string[], trust: ProxyTrust): number {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (i === 0 || !trust(entries[i]!)) return i;
  }
  return -1;
}

/**
 * Fastify's `trustProxy` for berthd's API: the same trusted peers, and behind gateway workers also
 * the first hop (a worker: `forwardedGuard` removed X-Forwarded-* from anyone without its key).
 */
export function apiTrustProxy(
  setting: TrustProxySetting,
  behindWorkers: boolean,
): false | ((address: string, hop: number) => boolean) {
  const trust = createProxyTrust(setting);
  if (trust === null && !behindWorkers) return false;
  return (address, hop) => (behindWorkers && hop === 0) || trust?.(address) === true;
}
