// Header names of upstream responses as strings, without a string per header per response: undici
// hands the gateway every response header name as bytes, and turning each into a string and then
// into its lower-case form was most of the gateway's own work on a response. Names servers commonly
// send, in the spellings they send them, are found here by comparing bytes and come back as shared
// strings with their lower-case form; any other name is converted as before. The name written to
// the client is always the upstream's own spelling.

/** A header name as the upstream spelled it, and lower-cased (for the gateway's own checks). */
export interface HeaderName {
  readonly name: string;
  readonly lower: string;
}

const COMMON = [
  'Accept-Ranges',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Headers',
  'Access-Control-Allow-Methods',
  'Access-Control-Allow-Origin',
  'Access-Control-Expose-Headers',
  'Age',
  'Cache-Control',
  'Connection',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Security-Policy',
  'Content-Type',
  'Date',
  'ETag',
  'Etag',
  'Expires',
  'Keep-Alive',
  'Last-Modified',
  'Link',
  'Location',
  'Pragma',
  'Referrer-Policy',
  'Retry-After',
  'Server',
  'Set-Cookie',
  'Strict-Transport-Security',
  'Transfer-Encoding',
  'Vary',
  'WWW-Authenticate',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-Powered-By',
  'X-Request-Id',
  'X-XSS-Protection',
];

interface Known extends HeaderName {
  readonly bytes: Uint8Array;
}

/** Known names by length; each in its listed spelling and in lower case. */
const BY_LENGTH: Known[][] = [];
for (const spelling of COMMON) {
  for (const name of new Set([spelling, spelling.toLowerCase()])) {
    BY_LENGTH[name.length] ??= [];
    const list = BY_LENGTH[name.length]!;
    if (list.some((known) => known.name === name)) continue; // `etag` comes from ETag and Etag
    list.push({ name, lower: name.toLowerCase(), bytes: Buffer.from(name, 'latin1') });
  }
}

/** The name in `raw` (undici's bytes of one header name). */
export function headerName(raw: Buffer): HeaderName {
  const candidates = BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (const known of candidates) if (sameBytes(raw, known.bytes)) return known;
  }
  const name = raw.toString('latin1');
  return { name, lower: name.toLowerCase() };
}

function sameBytes(a: Buffer, b: Uint8Array): boolean {
  // Equal lengths (same list); the last byte first: names that share a prefix differ late.
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
