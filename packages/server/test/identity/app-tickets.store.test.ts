// Login tickets (app-tickets.ts) on every dialect: single use, 60 seconds, one app environment, stored
// only as digests; and where app-login may send a browser back (app-return-url.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/tokens.ts';
import { appReturnUrl } from '../../src/identity/app-return-url.ts';
import { TICKET_TTL_MS } from '../../src/identity/app-tickets.ts';
import { GATEWAY_USER_TOKEN_TTL_MS } from '../../src/identity/gateway-user-tokens.ts';
import { testDialects } from '../support/databases.ts';
import { adminActor, codeOf, createIdentityFixture, type IdentityFixture, makeUser } from './fixture.ts';

describe.each(testDialects())('app login tickets (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('are redeemed once, by their app and environment, for the user they name', async () => {
    const ivy = await makeUser(f.identity, 'ivy', 'developer');
    await f.identity.users.update(await adminActor(f.identity), 'ivy', { displayName: 'Ivy I.' });
    const ticket = await f.identity.tickets.issue(ivy, 'shop', 'prod');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await f.store.db.selectFrom('app_tickets').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(ticket);
    expect(rows.find((r) => r.ticket_hash === sha256(ticket))).toMatchObject({ app: 'shop', env: 'prod' });

    // Another app, or the other environment of the same app, learns nothing (and uses nothing up).
    expect(await codeOf(f.identity.tickets.redeem(ticket, 'blog', 'prod'))).toBe('TICKET_INVALID');
    expect(await codeOf(f.identity.tickets.redeem(ticket, 'shop', 'stag'))).toBe('TICKET_INVALID');
    expect(await f.identity.tickets.redeem(ticket, 'shop', 'prod')).toEqual({
      id: ivy.userId,
      username: 'ivy',
      displayName: 'Ivy I.',
    });
    expect(await codeOf(f.identity.tickets.redeem(ticket, 'shop', 'prod'))).toBe('TICKET_USED');
    expect(await codeOf(f.identity.tickets.redeem('no-such-ticket', 'shop', 'prod'))).toBe('TICKET_INVALID');
    expect(await codeOf(f.identity.tickets.redeem('x'.repeat(500), 'shop', 'prod'))).toBe('TICKET_INVALID');
    const audit = await f.audit.list(await adminActor(f.identity), { action: 'session.app_login' });
    expect(audit.events[0]).toMatchObject({ actorName: 'ivy', targetId: 'shop', detail: { env: 'prod' } });
  });

  it('expire after 60 seconds', async () => {
    const jay = await makeUser(f.identity, 'jay', 'auditor');
    const late = await f.identity.tickets.issue(jay, 'shop', 'stag');
    const onTime = await f.identity.tickets.issue(jay, 'shop', 'stag');
    f.clock.advance(TICKET_TTL_MS - 1);
    expect((await f.identity.tickets.redeem(onTime, 'shop', 'stag')).username).toBe('jay');
    f.clock.advance(1);
    expect(await codeOf(f.identity.tickets.redeem(late, 'shop', 'stag'))).toBe('TICKET_EXPIRED');
  });

  it('are good once even when redeemed concurrently, from two connection pools', async () => {
    const kim = await makeUser(f.identity, 'kim', 'developer');
    const ticket = await f.identity.tickets.issue(kim, 'shop', 'prod');
    const replica = f.openReplica();
    const results = await Promise.allSettled([
      ...Array.from({ length: 4 }, () => f.identity.tickets.redeem(ticket, 'shop', 'prod')),
      ...Array.from({ length: 4 }, () => replica.identity.tickets.redeem(ticket, 'shop', 'prod')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.code).toBe('TICKET_USED');
    }
  });

  it('name no disabled user, and are cleaned up once long expired', async () => {
    const lee = await makeUser(f.identity, 'lee', 'developer');
    const ticket = await f.identity.tickets.issue(lee, 'shop', 'prod');
    await f.identity.users.update(await adminActor(f.identity), 'lee', { disabled: true });
    expect(await codeOf(f.identity.tickets.redeem(ticket, 'shop', 'prod'))).toBe('USER_DISABLED');
    f.clock.advance(2 * 3_600_000);
    await f.identity.tickets.issue(await adminActor(f.identity), 'shop', 'prod');
    const left = await f.store.db.selectFrom('app_tickets').select('expires_at').execute();
    expect(left.every((r) => Number(r.expires_at) > f.clock.now)).toBe(true);
  });
});

describe.each(testDialects())('gateway user tokens (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('name the user in the calls of the app they were given to only, until they expire', async () => {
    const mia = await makeUser(f.identity, 'mia', 'developer');
    const { token, expiresAt } = await f.identity.gatewayUserTokens.issue(mia.userId, 'shop');
    expect(token).toMatch(/^bgu_[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(f.clock.now + GATEWAY_USER_TOKEN_TTL_MS);
    const rows = await f.store.db.selectFrom('gateway_user_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);

    expect(await f.identity.gatewayUserTokens.verify(token, 'shop')).toEqual({
      id: mia.userId,
      username: 'mia',
    });
    // From another replica too; never for another app, a changed token or a login ticket's shape.
    expect(await f.openReplica().identity.gatewayUserTokens.verify(token, 'shop')).toMatchObject({
      username: 'mia',
    });
    expect(await f.identity.gatewayUserTokens.verify(token, 'blog')).toBeUndefined();
    expect(await f.identity.gatewayUserTokens.verify(`${token.slice(0, -1)}x`, 'shop')).toBeUndefined();
    expect(await f.identity.gatewayUserTokens.verify(token.slice(4), 'shop')).toBeUndefined();
    expect(await f.identity.gatewayUserTokens.verify('bgu_'.padEnd(500, 'a'), 'shop')).toBeUndefined();

    f.clock.advance(GATEWAY_USER_TOKEN_TTL_MS);
    expect(await f.identity.gatewayUserTokens.verify(token, 'shop')).toBeUndefined();
  });

  it('stop naming a user who is disabled, and are cleaned up once long expired', async () => {
    const ned = await makeUser(f.identity, 'ned', 'developer');
    const { token } = await f.identity.gatewayUserTokens.issue(ned.userId, 'shop');
    await f.identity.users.update(await adminActor(f.identity), 'ned', { disabled: true });
    expect(await f.identity.gatewayUserTokens.verify(token, 'shop')).toBeUndefined();
    f.clock.advance(GATEWAY_USER_TOKEN_TTL_MS + 2 * 3_600_000);
    await f.identity.gatewayUserTokens.issue(ned.userId, 'shop');
    const left = await f.store.db.selectFrom('gateway_user_tokens').select('expires_at').execute();
    expect(left.every((r) => Number(r.expires_at) > f.clock.now)).toBe(true);
  });
});

describe('where app-login sends the browser back', () => {
  const origin = { appsUrl: 'https://apps.example.com', appsDomain: 'apps.example.com' };
  const ok = (next: string, env: 'stag' | 'prod' = 'prod') => appReturnUrl(next, 'shop', env, origin).href;
  const refused = (next: string, env: 'stag' | 'prod' = 'prod') => {
    try {
      appReturnUrl(next, 'shop', env, origin);
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'accepted';
  };

  it("accepts the environment's own prefix on the apps origin, and its own host name", () => {
    expect(ok('https://apps.example.com/o/shop/')).toBe('https://apps.example.com/o/shop/');
    expect(ok('https://apps.example.com/o/shop/cart?x=1#top')).toBe(
      'https://apps.example.com/o/shop/cart?x=1#top',
    );
    expect(ok('https://apps.example.com/t/shop/login', 'stag')).toBe('https://apps.example.com/t/shop/login');
    expect(ok('https://shop.apps.example.com/any/path')).toBe('https://shop.apps.example.com/any/path');
    expect(ok('https://shop-stag.apps.example.com/', 'stag')).toBe('https://shop-stag.apps.example.com/');
  });

  it.each([
    ['another site', 'https://evil.example.net/o/shop/'],
    ['the console', 'https://console.example.com/o/shop/'],
    ['another app', 'https://apps.example.com/o/shopping/'],
    ['the other environment', 'https://apps.example.com/t/shop/'],
    ['a path that leaves the prefix', 'https://apps.example.com/o/shop/../blog/'],
    ['encoded dots', 'https://apps.example.com/o/shop/%2e%2e/blog/'],
    ['backslashes', 'https://apps.example.com/o/shop\\..\\blog/'],
    ['an encoded slash', 'https://apps.example.com/o/shop%2F..%2Fblog/'],
    ['another scheme', 'http://apps.example.com/o/shop/'],
    ['another port', 'https://apps.example.com:8443/o/shop/'],
    ['a user name', 'https://shop@apps.example.com/o/shop/'],
    ['a relative URL', '/o/shop/'],
    ['a scheme-relative URL', '//evil.example.net/o/shop/'],
    ['javascript:', 'javascript:alert(1)//apps.example.com/o/shop/'],
    ["another app's host", 'https://blog.apps.example.com/'],
    ["stag's host for prod", 'https://shop-stag.apps.example.com/'],
    ['a host that only ends like it', 'https://evilshop.apps.example.com.evil.net/'],
  ])('refuses %s', (_what, next) => {
    expect(refused(next)).toBe('NEXT_URL_REFUSED');
  });
});
