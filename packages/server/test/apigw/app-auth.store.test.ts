// Who makes a gateway call, with the real apps and identity modules on every dialect. The app: its
// code and secret (Berth's headers or BlueKing's fields), or a signature; a wrong secret, an unknown
// app, a bad signature, a stale timestamp and a replayed nonce (also on another replica) each get
// their code, and a bad signature spends no nonce. A rotated secret stops working within
// SECRET_CACHE_MS (the clock is injected). The user: the gateway token the app got for them (never
// in a cookie, never another app's), or a user name alone from a trusted app only; an app secret, a
// console session or an API token is no user.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_CACHE_MS } from '../../src/apigw/app-auth.ts';
import { type GatewayCall, readCallerCredentials } from '../../src/apigw/caller-credentials.ts';
import { type ApigwSecurity, createApigwSecurity } from '../../src/apigw/security-module.ts';
import { signRequest } from '../../src/apigw/signature.ts';
import { type Apps, createApps } from '../../src/apps/index.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { isBerthError } from '../../src/errors.ts';
import { type Actor, createAuditLog, createIdentity, type Identity } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { DEFAULT_LOGIN, FAST_PASSWORD_PARAMS } from '../identity/fixture.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';

const PASSWORD = 'apigw-password-1';
const IP = '10.0.0.7';

/** The code of what `run` throws or rejects with (authentication answers at once when it can). */
async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    return isBerthError(err) ? err.code : `not a BerthError: ${String(err)}`;
  }
  return 'no error';
}

describe.each(testDialects())('gateway app and user authentication on %s', (dialect) => {
  let t: JobsTestStore;
  let identity: Identity;
  let apps: Apps;
  let security: ApigwSecurity;
  let replica: ApigwSecurity;
  let admin: Actor;
  let session: string;
  let secret: string;
  let clock = Date.now();

  function securityOn(store: Store): ApigwSecurity {
    return createApigwSecurity({
      store,
      audit: createAuditLog({ store }),
      openSecret: (code) => apps.secretForVerification(code),
      verifyUserToken: (token, app) => identity.gatewayUserTokens.verify(token, app),
      lookupUser: identity.lookupUser,
      isBuilder: async () => false,
      readableCodes: async () => 'all',
      appExists: async (code) => (await apps.allCodes()).has(code),
      now: () => clock,
    });
  }

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    const audit = createAuditLog({ store: t.store });
    identity = createIdentity({
      store: t.store,
      audit,
      logger: silentLogger(),
      sessionTtlMs: 3_600_000,
      login: DEFAULT_LOGIN,
      passwordParams: FAST_PASSWORD_PARAMS,
    });
    await identity.bootstrapAdmin(PASSWORD);
    admin = await identity.resolveCredential(
      (await identity.sessions.login({ username: 'admin', password: PASSWORD, ip: IP })).token,
      IP,
    );
    await identity.users.create(admin, { username: 'alice', password: PASSWORD, role: 'developer' });
    session = (await identity.sessions.login({ username: 'alice', password: PASSWORD, ip: IP })).token;
    apps = createApps({
      store: t.store,
      audit,
      secretBox: createSecretBox(crypto.randomBytes(32)),
      logger: silentLogger(),
      lookupUser: identity.lookupUser,
      usersByIds: identity.usersByIds,
    });
    secret = (await apps.create(admin, { code: 'shop', name: 'Shop' })).secret;
    await apps.create(admin, { code: 'blog', name: 'Blog' });
    security = securityOn(t.store);
    replica = securityOn(t.openAnother());
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const get = (parts: Partial<GatewayCall>): GatewayCall => ({
    method: 'GET',
    path: '/api/c/BK_SOPS/get_task',
    query: 'task_id=1',
    headers: {},
    body: '',
    ...parts,
  });

  let serial = 0;
  /** A call signed with `key` now (or at `seconds`), with a new nonce unless one is given. */
  function signed(key: string, o: { code?: string; seconds?: number; nonce?: string } = {}): GatewayCall {
    const nonce = o.nonce ?? `nonce-${dialect}-${++serial}`;
    const timestamp = o.seconds ?? Math.floor(clock / 1000);
    const body = '{"task_id":1}';
    const parts = { method: 'POST', path: '/api/c/BK_SOPS/get_task', query: 'a=1', body, nonce, timestamp };
    return {
      ...parts,
      headers: {
        'content-type': 'application/json',
        'x-berth-app-code': o.code ?? 'shop',
        'x-berth-signature': signRequest({ ...parts, secret: key }),
        'x-berth-timestamp': String(timestamp),
        'x-berth-nonce': nonce,
      },
    };
  }

  it('answers at once (no promise) while the secret is remembered, a right secret and a wrong one', async () => {
    const auth = security.appAuth;
    auth.forget('shop');
    const sending = (key: string) =>
      get({ headers: { 'x-berth-app-code': 'shop', 'x-berth-app-secret': key } });
    const first = auth.authenticateApp(sending(secret));
    expect(first).toBeInstanceOf(Promise); // the secret is opened
    expect(await first).toEqual({ app: 'shop', via: 'secret' });
    expect(auth.authenticateApp(sending(secret))).toEqual({ app: 'shop', via: 'secret' });
    // A wrong secret of the same length (one character changed), and one of another length.
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    for (const wrong of [`${secret.slice(0, -1)}${last}`, secret.slice(1)]) {
      let thrown: unknown;
      try {
        auth.authenticateApp(sending(wrong));
      } catch (err) {
        thrown = err;
      }
      expect(isBerthError(thrown) && thrown.code).toBe('APIGW_APP_AUTH_FAILED');
    }
  });

  it('authenticates an app by code and secret, from each source', async () => {
    const auth = security.appAuth;
    expect(
      await auth.authenticateApp(
        get({ headers: { 'x-berth-app-code': 'shop', 'x-berth-app-secret': secret } }),
      ),
    ).toEqual({
      app: 'shop',
      via: 'secret',
    });
    const q = `bk_app_code=shop&bk_app_secret=${encodeURIComponent(secret)}`;
    expect(await auth.authenticateApp(get({ query: q }))).toEqual({ app: 'shop', via: 'secret' });
    const bk = JSON.stringify({ bk_app_code: 'shop', bk_app_secret: secret });
    expect(await auth.authenticateApp(get({ headers: { 'x-bkapi-authorization': bk } }))).toEqual({
      app: 'shop',
      via: 'secret',
    });
  });

  it('refuses a wrong secret, an unknown app, a missing code or secret: APIGW_APP_AUTH_FAILED', async () => {
    const auth = security.appAuth;
    const with_ = (code: string, key: string) =>
      auth.authenticateApp(get({ headers: { 'x-berth-app-code': code, 'x-berth-app-secret': key } }));
    expect(await codeOf(() => with_('shop', `${secret}x`))).toBe('APIGW_APP_AUTH_FAILED');
    expect(await codeOf(() => with_('blog', secret))).toBe('APIGW_APP_AUTH_FAILED');
    expect(await codeOf(() => with_('nosuch', secret))).toBe('APIGW_APP_AUTH_FAILED');
    expect(await codeOf(() => with_('NOT A CODE', secret))).toBe('APIGW_APP_AUTH_FAILED');
    expect(await codeOf(() => auth.authenticateApp(get({ headers: { 'x-berth-app-code': 'shop' } })))).toBe(
      'APIGW_APP_AUTH_FAILED',
    );
    expect(await codeOf(() => auth.authenticateApp(get({})))).toBe('APIGW_APP_AUTH_FAILED');
  });

  it('authenticates a signed call; a bad signature, a stale timestamp, a replay each get their code', async () => {
    const auth = security.appAuth;
    const ok = signed(secret);
    expect(await auth.authenticateApp(ok)).toEqual({ app: 'shop', via: 'signature' });
    // The same call again, here or on another replica: a replay.
    expect(await codeOf(() => auth.authenticateApp(ok))).toBe('APIGW_NONCE_REPLAYED');
    expect(await codeOf(() => replica.appAuth.authenticateApp(ok))).toBe('APIGW_NONCE_REPLAYED');
    // Signed with another key, or changed after signing.
    expect(await codeOf(() => auth.authenticateApp(signed('not-the-secret')))).toBe(
      'APIGW_SIGNATURE_INVALID',
    );
    const changed = signed(secret);
    expect(await codeOf(() => auth.authenticateApp({ ...changed, body: '{"task_id":2}' }))).toBe(
      'APIGW_SIGNATURE_INVALID',
    );
    expect(await codeOf(() => auth.authenticateApp({ ...changed, query: 'a=2' }))).toBe(
      'APIGW_SIGNATURE_INVALID',
    );
    // A bad signature spent no nonce: the right call with it passes.
    expect(await auth.authenticateApp(changed)).toEqual({ app: 'shop', via: 'signature' });
    // Out of the window either side.
    const now = Math.floor(clock / 1000);
    expect(await codeOf(() => auth.authenticateApp(signed(secret, { seconds: now - 301 })))).toBe(
      'APIGW_TIMESTAMP_STALE',
    );
    expect(await codeOf(() => auth.authenticateApp(signed(secret, { seconds: now + 301 })))).toBe(
      'APIGW_TIMESTAMP_STALE',
    );
    // An unknown app, a nonce of the wrong form.
    expect(await codeOf(() => auth.authenticateApp(signed(secret, { code: 'nosuch' })))).toBe(
      'APIGW_APP_AUTH_FAILED',
    );
    expect(await codeOf(() => auth.authenticateApp(signed(secret, { nonce: 'short' })))).toBe(
      'APIGW_SIGNATURE_INVALID',
    );
  });

  it(`stops taking a rotated secret within ${SECRET_CACHE_MS} ms`, async () => {
    const auth = security.appAuth;
    const call = (key: string) =>
      auth.authenticateApp(get({ headers: { 'x-berth-app-code': 'blog', 'x-berth-app-secret': key } }));
    const old = await apps.getSecret(admin, 'blog');
    expect(await call(old)).toEqual({ app: 'blog', via: 'secret' });
    const { secret: fresh } = await apps.rotateSecret(admin, 'blog');
    const rotatedAt = clock;
    // Until the bound the remembered secret still answers (the store is not asked on every call);
    // from it on only the new one does.
    clock = rotatedAt + SECRET_CACHE_MS - 1;
    expect(await call(old)).toEqual({ app: 'blog', via: 'secret' });
    clock = rotatedAt + SECRET_CACHE_MS;
    expect(await codeOf(() => call(old))).toBe('APIGW_APP_AUTH_FAILED');
    expect(await call(fresh)).toEqual({ app: 'blog', via: 'secret' });
    expect(await codeOf(() => auth.authenticateApp(signed(old, { code: 'blog' })))).toBe(
      'APIGW_SIGNATURE_INVALID',
    );
    expect(await auth.authenticateApp(signed(fresh, { code: 'blog' }))).toEqual({
      app: 'blog',
      via: 'signature',
    });
  });

  it("finds the user from the gateway token the app got for them, and refuses an app secret, a session, an API token or another app's token", async () => {
    const userAuth = security.userAuth;
    const user = (headers: Record<string, string>, required = true, app = 'shop') =>
      userAuth.authenticateUser({
        claims: readCallerCredentials(get({ headers })),
        app,
        required,
      });
    const alice = await identity.lookupUser('alice');
    const { token } = await identity.gatewayUserTokens.issue(alice!.id, 'shop');
    expect(await user({ 'x-berth-user-token': token })).toMatchObject({ username: 'alice', via: 'token' });
    // Another app that got hold of it: no user.
    expect(await codeOf(() => user({ 'x-berth-user-token': token }, true, 'blog'))).toBe(
      'APIGW_USER_AUTH_FAILED',
    );
    // A cookie is no way to name a user (a browser would send it on a page's behalf).
    expect(await codeOf(() => user({ cookie: `bk_token=${token}` }))).toBe('APIGW_USER_AUTH_FAILED');
    // The app's own secret, as a user token (alone or with the app's credentials): no user.
    expect(await codeOf(() => user({ 'x-berth-user-token': secret }))).toBe('APIGW_USER_AUTH_FAILED');
    expect(
      await codeOf(() =>
        user({ 'x-berth-app-code': 'shop', 'x-berth-app-secret': secret, 'x-berth-user-token': secret }),
      ),
    ).toBe('APIGW_USER_AUTH_FAILED');
    // Platform credentials are no gateway user token: a console session, an API token.
    expect(await codeOf(() => user({ 'x-berth-user-token': session }))).toBe('APIGW_USER_AUTH_FAILED');
    const api = await identity.tokens.create(admin, { name: 'apigw' });
    expect(await codeOf(() => user({ 'x-berth-user-token': api.secret }))).toBe('APIGW_USER_AUTH_FAILED');
    // Nobody named: refused when a user is needed, undefined when not.
    expect(await codeOf(() => user({}))).toBe('APIGW_USER_AUTH_FAILED');
    expect(await user({}, false)).toBeUndefined();
  });

  it('takes a user name alone from a trusted app only, and only an active user', async () => {
    const userAuth = security.userAuth;
    const named = (app: string, name: string) =>
      userAuth.authenticateUser({
        claims: readCallerCredentials(get({ query: `bk_username=${name}` })),
        app,
      });
    expect(await codeOf(() => named('shop', 'alice'))).toBe('APIGW_USER_AUTH_FAILED');
    await security.grants.trust(admin, 'shop');
    expect(await named('shop', 'alice')).toMatchObject({
      username: 'alice',
      via: 'trusted-app',
    });
    expect(await codeOf(() => named('blog', 'alice'))).toBe('APIGW_USER_AUTH_FAILED');
    expect(await codeOf(() => named('shop', 'nobody'))).toBe('APIGW_USER_AUTH_FAILED');
    await identity.users.update(admin, 'alice', { disabled: true });
    expect(await codeOf(() => named('shop', 'alice'))).toBe('APIGW_USER_AUTH_FAILED');
    await identity.users.update(admin, 'alice', { disabled: false });
  });
});
