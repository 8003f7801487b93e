// Signed webhooks, both ends: berthd signs what a `webhook` channel sends with these functions, and
// an app (or any Node.js receiver) checks it with `verifyWebhookSignature`. The header is
//
//   Berth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the secret>
//
// The time is signed with the body, so a captured request cannot be replayed after the tolerance
// (300 s by default); within it, drop repeats by the Berth-Delivery header. Node.js only (node:crypto).
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'berth-signature';
export const DELIVERY_HEADER = 'berth-delivery';
export const EVENT_HEADER = 'berth-event';
/** How far (seconds) a signature's time may be from the receiver's clock by default. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  const mac = crypto.createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest('hex');
}

/** The Berth-Signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, body: string | Uint8Array, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'expired' };

export interface VerifyOptions {
  /** Seconds the signed time may differ from `now` (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock, epoch ms (default Date.now()). */
  now?: number;
}

/**
 * Checks a Berth-Signature header against the raw request body (the bytes as received, before any
 * JSON parsing) and the channel's secret. Several `v1=` values (a secret being changed) are accepted
 * if any matches. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  options: VerifyOptions = {},
): WebhookVerification {
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  if (!signatures.some((s) => crypto.timingSafeEqual(s, expected))) return { ok: false, reason: 'mismatch' };
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) return { ok: false, reason: 'expired' };
  return { ok: true, timestamp };
}
