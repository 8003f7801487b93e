// How values of a route table become nginx configuration text without ever becoming nginx syntax:
// every string is written double-quoted with `"` and `\` escaped, `$` in places nginx expands
// variables is written as `${berth_dollar}` (a variable whose value is `$`), literal text inside
// regular expressions is written as `\xHH` escapes, and names (upstream blocks, files) are derived
// from ids through a digest. Anything that cannot be written safely (control bytes, a `$` in a
// path nginx would expand) is refused with a NginxRenderError.
import crypto from 'node:crypto';
import net from 'node:net';

export class NginxRenderError extends Error {
  constructor(message: string) {
    super(`nginx configuration: ${message}`);
    this.name = 'NginxRenderError';
  }
}

/** Control characters other than tab, newline and carriage return. */
const CONTROL = {
  test(value: string): boolean {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
    }
    return false;
  },
};

/** `$` where nginx expands variables: the `$berth_dollar` variable (render.ts defines it). */
const DOLLAR = `\${berth_dollar}`;

/** A literal string nginx does not expand (location prefixes, server names, file paths). */
export function quote(value: string): string {
  if (CONTROL.test(value) || value.includes('\n') || value.includes('\r')) {
    throw new NginxRenderError(`${JSON.stringify(value)} contains control characters`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A string in a place nginx expands variables in (return, add_header, proxy_set_header): `$` is
 *  written through the `$berth_dollar` variable. Newlines and tabs are written as escapes. */
export function literalText(value: string): string {
  if (CONTROL.test(value)) throw new NginxRenderError(`${JSON.stringify(value)} contains control characters`);
  const escaped = value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$/g, DOLLAR);
  return `"${escaped}"`;
}

/** A path nginx may expand variables in (root, alias): refused when it holds a `$`. */
export function literalPath(value: string): string {
  if (value.includes('$')) throw new NginxRenderError(`path ${JSON.stringify(value)} contains "$"`);
  return quote(value);
}

/** A literal piece of a regular expression: letters, digits and `/` as they are, the rest as `\xHH`. */
export function regexLiteral(value: string): string {
  let out = '';
  for (const ch of value) {
    if (/[A-Za-z0-9/_-]/.test(ch)) out += ch;
    else {
      const code = ch.codePointAt(0)!;
      if (code > 0xff) throw new NginxRenderError(`${JSON.stringify(value)} is not ASCII`);
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    }
  }
  return out;
}

/** A name nginx accepts as an identifier, derived from free text: readable part plus a digest. */
export function safeName(kind: string, readableFrom: string, digestOf: string = readableFrom): string {
  const readable = readableFrom
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  const digest = crypto.createHash('sha256').update(digestOf).digest('hex').slice(0, 10);
  return readable === '' ? `${kind}_${digest}` : `${kind}_${readable}_${digest}`;
}

const HOST_NAME =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `host:port` for an upstream server or listener: an IP address or a host name, nothing else. */
export function address(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NginxRenderError(`port ${port}`);
  if (net.isIPv4(host)) return `${host}:${port}`;
  if (net.isIPv6(host)) return `[${host}]:${port}`;
  if (host.length <= 253 && HOST_NAME.test(host)) return `${host}:${port}`;
  throw new NginxRenderError(`${JSON.stringify(host)} is not an IP address or a host name`);
}

/** An address or CIDR range for set_real_ip_from and geo. */
export function addressRange(value: string): string {
  const [ip, bits, ...rest] = value.split('/');
  const family = net.isIP(ip ?? '');
  const max = family === 4 ? 32 : 128;
  if (
    family === 0 ||
    rest.length > 0 ||
    (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))
  ) {
    throw new NginxRenderError(`${JSON.stringify(value)} is not an address or a CIDR range`);
  }
  return value;
}

/** An HTTP header name (a token). */
export function headerName(value: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(value) || value.includes('$')) {
    throw new NginxRenderError(`${JSON.stringify(value)} is not a header name`);
  }
  return value;
}
