// Checking a delivery against the app's secret, in constant time. Signatures (GitHub, Gitea, Gogs) are
// an HMAC-SHA256 of the raw body as received; GitLab sends the secret itself as a token. Either way
// the two sides compared are buffers of one fixed length, so neither the time taken nor an early
// length check tells a forger how close a guess came.
import crypto from 'node:crypto';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** True when `givenHex` is the hex HMAC-SHA256 of `body` keyed by `secret`. */
export function hmacMatches(secret: string, body: Buffer, givenHex: string | undefined): boolean {
  if (givenHex === undefined || !HEX_SHA256.test(givenHex)) return false;
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

/** True when `given` is `secret`: their SHA-256 digests are compared, so lengths never differ. */
export function tokenMatches(secret: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = crypto.createHash('sha256').update(secret, 'utf8').digest();
  const b = crypto.createHash('sha256').update(given, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}

/** The hex SHA-256 of the raw body (logged, and the replay key of a delivery without an id). */
export function bodyDigest(body: Buffer): string {
  return crypto.createHash('sha256').update(body).digest('hex');
}
