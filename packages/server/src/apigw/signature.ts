// Signed calls through the API gateway (pure). The string to sign is six lines joined by `\n`:
//
//   METHOD                 upper-case, e.g. POST
//   PATH                   as sent, without the query, e.g. /api/c/BK_SOPS/get_task_status
//   QUERY                  every query field, RFC 3986 encoded, `k=v` joined by `&`, sorted by the
//                          encoded key, then the encoded value (code-unit order); '' for none
//   BODY DIGEST            hex SHA-256 of the raw body (of '' when there is none)
//   NONCE                  X-Berth-Nonce: 8-128 of A-Z a-z 0-9 _ -, new for every call
//   TIMESTAMP              X-Berth-Timestamp: whole seconds since the epoch, as sent
//
// The signature is the hex HMAC-SHA256 of that string keyed with the app secret, sent as
// X-Berth-Signature with X-Berth-App-Code (the secret itself is not sent). berthd accepts a
// timestamp up to SIGNATURE_WINDOW_S either side of its clock; the nonce is remembered for as long
// (nonces.ts), so a captured call cannot be sent again. `signRequest` is what a client computes.
import crypto from 'node:crypto';
import { BerthError } from '../errors.ts';

/** How far a signed call's timestamp may be from berthd's clock, either side. */
export const SIGNATURE_WINDOW_S = 300;
export const SIGNATURE_WINDOW_MS = SIGNATURE_WINDOW_S * 1000;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

export type QueryInput = string | Readonly<Record<string, string | readonly string[]>>;

export interface SignedParts {
  method: string;
  path: string;
  /** The raw query string (without `?`) or its fields. */
  query?: QueryInput;
  body?: Uint8Array | string;
  nonce: string;
  /** Seconds since the epoch. */
  timestamp: number | string;
}

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function pairsOf(query: QueryInput | undefined): Array<[string, string]> {
  if (query === undefined) return [];
  if (typeof query === 'string') return [...new URLSearchParams(query)];
  return Object.entries(query).flatMap(([key, value]) =>
    (typeof value === 'string' ? [value] : value).map((v): [string, string] => [key, v]),
  );
}

/** The query line of the string to sign. */
export function canonicalQuery(query: QueryInput | undefined): string {
  const encoded = pairsOf(query).map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

export function stringToSign(parts: SignedParts): string {
  const body = parts.body ?? '';
  return [
    parts.method.toUpperCase(),
    parts.path,
    canonicalQuery(parts.query),
    crypto.createHash('sha256').update(body).digest('hex'),
    parts.nonce,
    String(parts.timestamp),
  ].join('\n');
}

/** The hex signature of a call, as X-Berth-Signature carries it. */
export function signRequest(parts: SignedParts & { secret: string }): string {
  return crypto.createHmac('sha256', parts.secret).update(stringToSign(parts)).digest('hex');
}

/** Throws APIGW_TIMESTAMP_STALE unless `timestamp` (seconds) is within the window of `nowMs`. */
export function checkTimestamp(timestamp: string | undefined, nowMs: number): number {
  if (timestamp === undefined || !TIMESTAMP_PATTERN.test(timestamp)) {
    throw new BerthError(
      'APIGW_TIMESTAMP_STALE',
      'A signed call needs X-Berth-Timestamp: whole seconds since the epoch',
    );
  }
  const seconds = Number(timestamp);
  if (Math.abs(nowMs - seconds * 1000) > SIGNATURE_WINDOW_MS) {
    throw new BerthError('APIGW_TIMESTAMP_STALE', undefined, {
      timestamp: seconds,
      serverTime: Math.floor(nowMs / 1000),
      windowSeconds: SIGNATURE_WINDOW_S,
    });
  }
  return seconds;
}

/** Throws APIGW_SIGNATURE_INVALID unless the nonce has the form a signed call needs. */
export function checkNonce(nonce: string | undefined): string {
  if (nonce === undefined || !NONCE_PATTERN.test(nonce)) {
    throw new BerthError(
      'APIGW_SIGNATURE_INVALID',
      'A signed call needs X-Berth-Nonce: 8-128 of A-Z a-z 0-9 _ -, new for every call',
    );
  }
  return nonce;
}

/** True when `signature` is the call's signature under `secret`; compares in constant time. */
export function signatureMatches(parts: SignedParts, secret: string, signature: string): boolean {
  if (!SIGNATURE_PATTERN.test(signature)) return false;
  const expected = Buffer.from(signRequest({ ...parts, secret }), 'hex');
  return crypto.timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
