// Which app makes a gateway call. Either the app's code and secret (compared in constant time), or
// the code and a signature (signature.ts) made with the secret, whose timestamp must be within the
// window and whose nonce must be new (nonces.ts: claimed only once the signature is right, so nobody
// can spend another app's nonces). A signature wins over a secret sent with it.
//
// The apps module opens an app's secret (apps' secretForVerification, not an audited view); opened
// secrets, and the answer that an app does not exist, are kept in memory for SECRET_CACHE_MS at most,
// so the store is not asked on every call: a rotated secret stops working (and the new one starts)
// within SECRET_CACHE_MS of the rotation, on every replica.
//
// A sent secret is compared with the opened one byte for byte in constant time (timingSafeEqual of
// their UTF-8 bytes). What a comparison's time can tell is only whether the lengths are equal, and
// every app secret has the same length (a 32-byte random token, apps' secret-service.ts); an unknown
// app is compared against a decoy of that length, so a miss costs what a hit costs.
import crypto from 'node:crypto';
import { APP_CODE_PATTERN } from '@berth/sdk';
import { randomToken } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Awaitable } from './awaitable.ts';
import { type CallerClaims, type GatewayCall, readCallerCredentials } from './caller-credentials.ts';
import type { Nonces } from './nonces.ts';
import { checkNonce, checkTimestamp, signatureMatches } from './signature.ts';

/** How long an opened secret (or an unknown app) is remembered: the bound on a rotation. */
export const SECRET_CACHE_MS = 3000;
/** Most apps remembered at once (the oldest go first). */
const MAX_CACHED = 10_000;
const MAX_SECRET_LENGTH = 512;
const CODE_RE = new RegExp(APP_CODE_PATTERN);

export interface AuthenticatedApp {
  app: string;
  via: 'secret' | 'signature';
}

export interface AppAuthDeps {
  /** The app's secret, undefined for no such app (apps' secretForVerification). */
  openSecret(code: string): Promise<string | undefined>;
  nonces: Nonces;
  now?: () => number;
}

export interface AppAuth {
  /**
   * The calling app (at once when its secret is remembered, else a promise); throws
   * APIGW_APP_AUTH_FAILED (no or unknown app code, wrong secret),
   * APIGW_TIMESTAMP_STALE, APIGW_SIGNATURE_INVALID or APIGW_NONCE_REPLAYED.
   */
  authenticateApp(call: GatewayCall, claims?: CallerClaims): Awaitable<AuthenticatedApp>;
  /** Drops remembered secrets (one app's, or all). */
  forget(code?: string): void;
}

/** An opened secret (undefined: no such app), its UTF-8 bytes (the decoy's for none), and when it
 *  was opened. */
interface Opened {
  secret: string | undefined;
  bytes: Buffer;
  at: number;
}

/** Whether `given` is the secret whose bytes are `known`, in time that does not depend on where they
 *  differ. */
function sameSecret(known: Buffer, given: string): boolean {
  const sent = Buffer.from(given, 'utf8');
  if (sent.length !== known.length) {
    // The same work as a comparison, and no answer from it.
    crypto.timingSafeEqual(known, known);
    return false;
  }
  return crypto.timingSafeEqual(known, sent);
}

export function createAppAuth(deps: AppAuthDeps): AppAuth {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, Opened>();
  const loading = new Map<string, Promise<Opened>>();
  // Compared against for an unknown app, so that a miss costs what a hit costs.
  const decoy = randomToken(32);
  const decoyBytes = Buffer.from(decoy, 'utf8');

  /** The app's secret and its bytes (made once per opening, not per call): the remembered one
   *  at once (no promise: this is on every call), else a promise of it. */
  function openedSecret(code: string): Opened | Promise<Opened> {
    const cached = cache.get(code);
    if (cached && now() - cached.at < SECRET_CACHE_MS) return cached;
    const pending = loading.get(code);
    if (pending) return pending;
    const load = (async () => {
      const at = now();
      try {
        const secret = await deps.openSecret(code);
        const bytes = secret === undefined ? decoyBytes : Buffer.from(secret, 'utf8');
        const opened: Opened = { secret, bytes, at };
        cache.delete(code);
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
        cache.set(code, opened);
        return opened;
      } finally {
        loading.delete(code);
      }
    })();
    loading.set(code, load);
    return load;
  }

  const failed = (message?: string) => new BerthError('APIGW_APP_AUTH_FAILED', message);

  function bySecret(opened: Opened, code: string, given: string): AuthenticatedApp {
    if (!sameSecret(opened.bytes, given) || opened.secret === undefined) throw failed();
    return { app: code, via: 'secret' };
  }

  async function bySignature(
    call: GatewayCall,
    code: string,
    signature: NonNullable<CallerClaims['signature']>,
  ): Promise<AuthenticatedApp> {
    const at = now();
    const timestamp = checkTimestamp(signature.timestamp, at);
    const nonce = checkNonce(signature.nonce);
    const { secret } = await openedSecret(code);
    const parts = {
      method: call.method,
      path: call.path,
      query: call.query,
      body: call.body,
      nonce,
      timestamp,
    };
    const matches = signatureMatches(parts, secret ?? decoy, signature.value);
    if (secret === undefined) throw failed(`No app ${code}`);
    if (!matches) throw new BerthError('APIGW_SIGNATURE_INVALID');
    if (!(await deps.nonces.claim(code, nonce, at))) throw new BerthError('APIGW_NONCE_REPLAYED');
    return { app: code, via: 'signature' };
  }

  return {
    authenticateApp(call, claims = readCallerCredentials(call)) {
      const code = claims.app?.code;
      if (code === undefined) throw failed('The call names no app: send X-Berth-App-Code (or bk_app_code)');
      if (!CODE_RE.test(code)) throw failed();
      if (claims.signature) return bySignature(call, code, claims.signature);
      const given = claims.secret;
      if (given === undefined || given.length > MAX_SECRET_LENGTH) {
        throw failed('Send the app secret (X-Berth-App-Secret or bk_app_secret), or sign the call');
      }
      const found = openedSecret(code);
      return found instanceof Promise
        ? found.then((opened) => bySecret(opened, code, given))
        : bySecret(found, code, given);
    },

    forget(code) {
      if (code === undefined) cache.clear();
      else cache.delete(code);
    },
  };
}
