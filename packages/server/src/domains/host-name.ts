// The syntax of a custom domain and how certificate names cover it. A host is stored as the
// gateway matches it: lower-case, no port or trailing dot, an IDN only as punycode (A-labels), and a
// wildcard only as `*.` in front of at least two labels (one label of any name in front of it).
import { domainToASCII, domainToUnicode } from 'node:url';
import { isHostPattern } from '../gateway/route-model.ts';

/** Why a host is not acceptable, or undefined when it is. */
export function hostProblem(host: string): string | undefined {
  if (typeof host !== 'string' || host === '') return 'is empty';
  if (host !== host.toLowerCase()) return 'must be lower-case';
  if (host.endsWith('.')) return 'must not end with a dot';
  if (host.includes(':') || host.includes('/')) return 'must be a host name alone (no port, scheme or path)';
  if (/[^\x21-\x7e]/.test(host)) return 'must be ASCII: write an IDN as punycode (xn--…)';
  const wildcard = host.startsWith('*.');
  const bare = wildcard ? host.slice(2) : host;
  if (bare.includes('*')) return 'may hold `*` only as its whole first label (`*.example.com`)';
  if (bare.split('.').length < 2) return wildcard ? 'a wildcard needs two labels after `*.`' : 'needs a dot';
  if (/^[0-9.]+$/.test(bare)) return 'is an IP address, not a host name';
  if (!isHostPattern(host)) return 'is not a host name (labels of a-z, 0-9 and `-`, at most 63 each)';
  // An A-label must be punycode that decodes to something else and encodes back to itself.
  for (const label of bare.split('.')) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    if (unicode === '' || unicode === label || domainToASCII(unicode) !== label) {
      return `has a label that is not valid punycode (${label})`;
    }
  }
  return undefined;
}

/** Whether a certificate's name (exact or `*.x`) covers a host (exact or `*.x`). A wildcard name
 *  covers exactly one label in front of its base, and the same wildcard. */
export function nameCovers(name: string, host: string): boolean {
  if (name === host) return true;
  if (!name.startsWith('*.') || host.startsWith('*.')) return false;
  const base = name.slice(1); // ".example.com"
  if (!host.endsWith(base)) return false;
  const label = host.slice(0, -base.length);
  return label !== '' && !label.includes('.');
}

/** Whether a host (exact or wildcard) is `host` or lies under `domain` (one or more labels). */
export function isUnder(host: string, domain: string): boolean {
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  return bare === domain || bare.endsWith(`.${domain}`);
}
