import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../src/gateway/route-matcher.ts';
import {
  checkGatewayTable,
  GATEWAY_TABLE_FORMAT,
  type GatewayRoute,
  type GatewayTable,
  GatewayTableError,
} from '../../src/gateway/route-model.ts';

const proxy = (id: string, port = 4000): GatewayRoute['target'] => ({
  kind: 'proxy',
  upstreams: [{ id, host: '127.0.0.1', port }],
  stripPrefix: true,
});

function table(routes: GatewayRoute[], extra: Partial<GatewayTable> = {}): GatewayTable {
  return { format: GATEWAY_TABLE_FORMAT, routes, ...extra };
}

describe('route model: matching', () => {
  const t = table([
    {
      id: 'o/shop',
      match: { pathPrefix: '/o/shop/' },
      target: proxy('s1'),
      app: { code: 'shop', env: 'prod' },
    },
    {
      id: 't/shop',
      match: { pathPrefix: '/t/shop/' },
      target: proxy('s2', 4001),
      app: { code: 'shop', env: 'stag' },
    },
    { id: 'o/shop/api', match: { pathPrefix: '/o/shop/api/v2/' }, target: proxy('s3', 4002) },
    { id: 'host/shop', match: { host: 'shop.example.com' }, target: proxy('s1') },
    {
      id: 'host/shop-admin',
      match: { host: 'shop.example.com', pathPrefix: '/admin/' },
      target: proxy('s4', 4003),
    },
    { id: 'wild', match: { host: '*.apps.example.com' }, target: proxy('s5', 4004) },
    { id: 'platform', match: {}, target: { kind: 'platform', host: '127.0.0.1', port: 8080 } },
  ]);
  const matcher = createRouteMatcher(t);

  it('takes the longest segment-aligned prefix and strips it', () => {
    expect(matcher.match(undefined, '/o/shop/cart?x=/o/')).toMatchObject({
      route: { id: 'o/shop' },
      prefix: '/o/shop',
      rest: '/cart?x=/o/',
    });
    expect(matcher.match('any', '/o/shop/api/v2/items')).toMatchObject({
      route: { id: 'o/shop/api' },
      prefix: '/o/shop/api/v2',
      rest: '/items',
    });
    // `/o/shopping/` is not under `/o/shop/`: segments, not characters.
    expect(matcher.match(undefined, '/o/shopping/')?.route.id).toBe('platform');
    expect(matcher.match(undefined, '/o/shop/api/v2x/')?.route.id).toBe('o/shop');
  });

  it('redirects a prefix asked for without its trailing slash, keeping the query', () => {
    expect(matcher.match(undefined, '/t/shop')).toMatchObject({ redirect: '/t/shop/' });
    expect(matcher.match(undefined, '/t/shop?a=1')).toMatchObject({ redirect: '/t/shop/?a=1' });
    expect(matcher.match(undefined, '/o/shop/api/v2')).toMatchObject({ redirect: '/o/shop/api/v2/' });
  });

  it('prefers an exact host, then a wildcard of one label, then routes without a host', () => {
    expect(matcher.match('Shop.Example.com:8443', '/x')).toMatchObject({
      route: { id: 'host/shop' },
      rest: '/x',
    });
    expect(matcher.match('shop.example.com.', '/admin/users')).toMatchObject({
      route: { id: 'host/shop-admin' },
      rest: '/users',
    });
    expect(matcher.match('blog.apps.example.com', '/')?.route.id).toBe('wild');
    expect(matcher.match('a.blog.apps.example.com', '/')?.route.id).toBe('platform');
    expect(matcher.match('apps.example.com', '/')?.route.id).toBe('platform');
  });

  it('matches nothing without a fallback route', () => {
    const bare = createRouteMatcher(
      table([{ id: 'o/a', match: { pathPrefix: '/o/aa/' }, target: proxy('a') }]),
    );
    for (const path of ['/', '/o/', '/o/bb/', 'o/aa/', '/x/aa/'])
      expect(bare.match(undefined, path)).toBeNull();
  });
});

describe('route model: checks', () => {
  const ok: GatewayRoute = { id: 'o/a', match: { pathPrefix: '/o/aa/' }, target: proxy('a') };

  it('accepts a well-formed table', () => {
    expect(() => checkGatewayTable(table([ok]))).not.toThrow();
  });

  it("accepts the API gateway's policy on a route to berthd", () => {
    const apigw: GatewayRoute = {
      id: 'apigw',
      match: { pathPrefix: '/api/c/' },
      target: { kind: 'platform', host: '127.0.0.1', port: 8080 },
      policy: 'apigw',
    };
    expect(() => checkGatewayTable(table([ok, apigw]))).not.toThrow();
  });

  it.each([
    ['a duplicate id', [ok, { ...ok, match: { pathPrefix: '/o/bb/' } }]],
    ['a duplicate match', [ok, { ...ok, id: 'other' }]],
    ['a prefix without a trailing slash', [{ ...ok, match: { pathPrefix: '/o/aa' } }]],
    ['a dot-dot segment', [{ ...ok, match: { pathPrefix: '/o/../' } }]],
    ['a bad host', [{ ...ok, match: { host: 'evil host' } }]],
    ['a wildcard in the middle', [{ ...ok, match: { host: 'a.*.example.com' } }]],
    ['an unknown policy', [{ ...ok, policy: 'p1' as 'apigw' }]],
    [
      'the API gateway policy on an app route',
      [
        {
          ...ok,
          app: { code: 'aa', env: 'prod' },
          target: { kind: 'platform', host: '127.0.0.1', port: 8080 },
          policy: 'apigw',
        },
      ],
    ],
    ['the API gateway policy on a proxy route', [{ ...ok, policy: 'apigw' }]],
    [
      'a bad port',
      [{ ...ok, target: { kind: 'proxy', upstreams: [{ id: 'x', host: 'h', port: 0 }], stripPrefix: true } }],
    ],
    [
      'a redirect to a script',
      [{ ...ok, target: { kind: 'redirect', to: 'javascript:alert(1)', status: 302, keepPath: false } }],
    ],
  ] as [string, GatewayRoute[]][])('refuses %s', (_, routes) => {
    expect(() => checkGatewayTable(table(routes))).toThrow(GatewayTableError);
  });

  it('refuses host settings naming a certificate the table lacks, and a redirect without one', () => {
    expect(() =>
      checkGatewayTable(table([ok], { hosts: [{ host: 'a.example.com', certificate: 'c1' }] })),
    ).toThrow(/certificate c1/);
    expect(() =>
      checkGatewayTable(table([ok], { hosts: [{ host: 'a.example.com', httpsRedirect: true }] })),
    ).toThrow(/needs a certificate/);
  });
});

describe('route model: exact paths', () => {
  it('serves an exact path before any prefix, without a redirect', () => {
    const matcher = createRouteMatcher(
      table([
        { id: 'all', match: { host: 'a.example.com' }, target: proxy('a') },
        {
          id: 'acme/t1',
          match: { host: 'a.example.com', path: '/.well-known/acme-challenge/t1' },
          target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 't1.key' },
        },
      ]),
    );
    expect(matcher.match('a.example.com', '/.well-known/acme-challenge/t1')?.route.id).toBe('acme/t1');
    expect(matcher.match('a.example.com', '/.well-known/acme-challenge/t1?x')?.route.id).toBe('acme/t1');
    expect(matcher.match('a.example.com', '/.well-known/acme-challenge/t2')?.route.id).toBe('all');
    expect(matcher.match('b.example.com', '/.well-known/acme-challenge/t1')).toBeNull();
  });

  it('refuses a path with a prefix, and a path with dot segments', () => {
    const respond = { kind: 'respond', status: 200, contentType: 'text/plain', body: '' } as const;
    expect(() =>
      checkGatewayTable(table([{ id: 'x', match: { path: '/a', pathPrefix: '/a/' }, target: respond }])),
    ).toThrow(/both/);
    expect(() =>
      checkGatewayTable(table([{ id: 'x', match: { path: '/a/../b' }, target: respond }])),
    ).toThrow(GatewayTableError);
  });
});
