// The gateway table the control plane computes for app environments (engine/gateway-table.ts),
// matched as every driver matches it (route-matcher.ts): `/o/{code}/` and `/t/{code}/` with the
// prefix stripped, per-app hosts under the apps domain, custom domains, the shared origin's
// platform route, and what checkGatewayTable refuses.
import { describe, expect, it } from 'vitest';
import { buildGatewayTable, type EnvServing } from '../../src/engine/gateway-table.ts';
import { checkGatewayTable, GatewayTableError, type UpstreamServer } from '../../src/gateway/index.ts';
import { createRouteMatcher } from '../../src/gateway/route-matcher.ts';

const up = (id: string, port = 4000) => ({ id, host: '127.0.0.1', port });

function upstreamsOf(target: { kind: string; upstreams?: UpstreamServer[] } | undefined): string[] {
  return (target?.upstreams ?? []).map((u) => u.id);
}

describe('the gateway table of app environments', () => {
  const table = buildGatewayTable({
    appsDomain: 'Apps.Example.com',
    envs: [
      { app: 'shop', env: 'prod', upstreams: [up('s1'), up('s2', 4001)] },
      { app: 'shop', env: 'stag', upstreams: [up('s3', 4002)] },
      { app: 'blog', env: 'prod', upstreams: [] },
    ],
  });
  const matcher = createRouteMatcher(table);
  const key = (host: string | undefined, path: string) => {
    const app = matcher.match(host, path)?.route.app;
    return app === undefined ? undefined : `${app.code}/${app.env}`;
  };

  it('is a well-formed table of plain data', () => {
    expect(() => checkGatewayTable(table)).not.toThrow();
    expect(structuredClone(table)).toEqual(table);
  });

  it('resolves /o/{code}/ to prod and /t/{code}/ to stag, stripping the prefix', () => {
    const prod = matcher.match(undefined, '/o/shop/cart/items?x=1&y=/o/');
    expect(prod?.route.app).toEqual({ code: 'shop', env: 'prod' });
    expect(prod?.route.target).toMatchObject({ kind: 'proxy', stripPrefix: true });
    expect(prod?.prefix).toBe('/o/shop');
    expect(prod?.rest).toBe('/cart/items?x=1&y=/o/');
    expect(prod?.redirect).toBeUndefined();

    const stag = matcher.match('berth.example.com', '/t/shop/');
    expect(stag?.route.app?.env).toBe('stag');
    expect(stag?.rest).toBe('/');
    expect(upstreamsOf(stag?.route.target as never)).toEqual(['s3']);
  });

  it('redirects /o/{code} without the slash to /o/{code}/, keeping the query', () => {
    expect(matcher.match(undefined, '/o/shop')).toMatchObject({ redirect: '/o/shop/' });
    expect(matcher.match(undefined, '/t/shop?a=1')).toMatchObject({ redirect: '/t/shop/?a=1' });
  });

  it('matches nothing for unknown apps and for paths that are not app paths', () => {
    for (const path of ['/o/nope/', '/o/nope', '/x/shop/', '/', '/api/v1/apps', '/o/', '/o//', '/oshop/']) {
      expect(matcher.match(undefined, path), path).toBeNull();
    }
    expect(matcher.match(undefined, '/o/Shop/'), 'codes are lower case').toBeNull();
  });

  it('has a route, with no upstreams, for an environment with nothing to serve', () => {
    const blog = matcher.match(undefined, '/o/blog/');
    expect(blog?.route.target).toEqual({ kind: 'proxy', upstreams: [], stripPrefix: true });
    // Only the environments it was given: blog's staging is not one here.
    expect(matcher.match(undefined, '/t/blog/')).toBeNull();
  });

  it('resolves app subdomains of the apps domain, case-insensitively and with a port', () => {
    const prod = matcher.match('SHOP.apps.example.com:8443', '/cart?x=1');
    expect(prod).toMatchObject({ prefix: '', rest: '/cart?x=1' });
    expect(prod?.route.target).toMatchObject({ kind: 'proxy', stripPrefix: false });
    expect(key('SHOP.apps.example.com:8443', '/cart')).toBe('shop/prod');
    expect(key('shop-stag.apps.example.com.', '/')).toBe('shop/stag');
    // On an app host the whole path belongs to the app, /o/… included.
    expect(key('shop.apps.example.com', '/o/blog/')).toBe('shop/prod');
    // Unknown subdomains and other hosts fall back to path routing.
    expect(key('nope.apps.example.com', '/o/blog/')).toBe('blog/prod');
    expect(matcher.match('shop.other.com', '/')).toBeNull();
    expect(key('[::1]:8080', '/o/shop/')).toBe('shop/prod');
  });

  it('gives a staging host precedence over a prod app of the same name', () => {
    const t = buildGatewayTable({
      appsDomain: 'apps.example.com',
      envs: [
        { app: 'shop-stag', env: 'prod', upstreams: [up('x')] },
        { app: 'shop', env: 'stag', upstreams: [up('y', 4001)] },
      ],
    });
    const m = createRouteMatcher(t);
    expect(m.match('shop-stag.apps.example.com', '/')?.route.app).toEqual({ code: 'shop', env: 'stag' });
    expect(() => checkGatewayTable(t)).not.toThrow();
  });

  it('serves static sites from static targets, on the path and the host', () => {
    const site = { root: '/srv/site', index: 'index.html', spa: true };
    const t = buildGatewayTable({
      appsDomain: 'apps.example.com',
      envs: [{ app: 'docs', env: 'prod', upstreams: [], static: site }],
    });
    const m = createRouteMatcher(t);
    expect(m.match(undefined, '/o/docs/a.css')?.route.target).toEqual({ kind: 'static', site });
    expect(m.match(undefined, '/o/docs/a.css')?.rest).toBe('/a.css');
    expect(m.match('docs.apps.example.com', '/a.css')?.route.target).toEqual({ kind: 'static', site });
  });

  it('marks down the instances the health checks failed', () => {
    const t = buildGatewayTable({
      envs: [{ app: 'shop', env: 'prod', upstreams: [up('s1'), up('s2', 4001)] }],
      down: new Set(['s2']),
    });
    expect(t.routes[0]!.target).toMatchObject({
      kind: 'proxy',
      upstreams: [up('s1'), { ...up('s2', 4001), down: true }],
    });
  });

  it('adds custom domains (same target, prefix kept), host settings, certificates and routes', () => {
    const t = buildGatewayTable({
      envs: [{ app: 'shop', env: 'prod', upstreams: [up('s1')] }],
      extras: {
        bindings: [
          { host: 'Shop.Example.com', app: 'shop', env: 'prod' },
          { host: '*.shops.example.com', app: 'shop', env: 'prod' },
          { host: 'gone.example.com', app: 'gone', env: 'prod' },
        ],
        hosts: [{ host: 'shop.example.com', hstsMaxAge: 60 }],
        certificates: [],
        routes: [
          {
            id: 'acme/tok',
            match: { path: '/.well-known/acme-challenge/tok' },
            target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'tok.key' },
          },
        ],
      },
    });
    expect(() => checkGatewayTable(t)).not.toThrow();
    const m = createRouteMatcher(t);
    const custom = m.match('shop.example.com', '/cart');
    expect(custom?.route.id).toBe('host/shop.example.com');
    expect(custom?.route.target).toMatchObject({ kind: 'proxy', stripPrefix: false, upstreams: [up('s1')] });
    expect(custom?.rest).toBe('/cart');
    expect(m.match('a.shops.example.com', '/')?.route.app).toEqual({ code: 'shop', env: 'prod' });
    // A binding to an environment that has no route is left out.
    expect(m.match('gone.example.com', '/')).toBeNull();
    expect(m.match(undefined, '/.well-known/acme-challenge/tok')?.route.target.kind).toBe('respond');
    expect(t.hosts).toEqual([{ host: 'shop.example.com', hstsMaxAge: 60 }]);
  });

  it('lets a per-app host win over a custom domain of the same name, without its host settings', () => {
    // `news.apps.example.com` was bound to shop before an app named news existed.
    const t = buildGatewayTable({
      appsDomain: 'apps.example.com',
      envs: [
        { app: 'shop', env: 'prod', upstreams: [up('s1')] },
        { app: 'news', env: 'prod', upstreams: [up('n1', 4001)] },
      ],
      extras: {
        bindings: [
          { host: 'news.apps.example.com', app: 'shop', env: 'prod' },
          { host: 'shop.example.com', app: 'shop', env: 'prod' },
        ],
        hosts: [
          { host: 'news.apps.example.com', certificate: 'c1', httpsRedirect: true, hstsMaxAge: 60 },
          { host: 'shop.example.com', certificate: 'c1', hstsMaxAge: 60 },
        ],
        certificates: [],
        routes: [],
      },
    });
    const m = createRouteMatcher(t);
    expect(m.match('news.apps.example.com', '/')?.route.app).toEqual({ code: 'news', env: 'prod' });
    expect(m.match('shop.example.com', '/')?.route.app).toEqual({ code: 'shop', env: 'prod' });
    expect(t.hosts).toEqual([{ host: 'shop.example.com', certificate: 'c1', hstsMaxAge: 60 }]);
  });

  it('with a shared origin, sends what is not an app to berthd and keeps /o/, /t/ for apps', () => {
    const t = buildGatewayTable({
      appsDomain: 'apps.example.com',
      envs: [{ app: 'shop', env: 'prod', upstreams: [up('s1')] }],
      platform: { host: '127.0.0.1', port: 8080 },
    });
    expect(() => checkGatewayTable(t)).not.toThrow();
    const m = createRouteMatcher(t);
    expect(m.match(undefined, '/api/v1/me')?.route.target).toEqual({
      kind: 'platform',
      host: '127.0.0.1',
      port: 8080,
    });
    expect(m.match('berth.apps.example.com', '/api/v1/me')?.route.target.kind).toBe('platform');
    expect(m.match(undefined, '/open')?.route.target.kind).toBe('platform');
    expect(m.match('shop.apps.example.com', '/api/v1/me')?.route.app?.code).toBe('shop');
    expect(m.match(undefined, '/o/unknown/x')?.route.target).toMatchObject({ kind: 'respond', status: 404 });
    expect(m.match(undefined, '/t/shop/')?.route.target).toMatchObject({ kind: 'respond', status: 404 });
    expect(m.match(undefined, '/o/shop/')?.route.app?.code).toBe('shop');
  });

  it('looks up among 10,000 routes by map, not by scanning', () => {
    const envs: EnvServing[] = [];
    for (let i = 0; i < 5000; i++) {
      envs.push({ app: `app${i}`, env: 'prod', upstreams: [up(`p${i}`, 1024 + (i % 60000))] });
      envs.push({ app: `app${i}`, env: 'stag', upstreams: [up(`s${i}`, 1024 + (i % 60000))] });
    }
    const big = buildGatewayTable({ appsDomain: 'example.com', envs });
    checkGatewayTable(big);
    expect(big.routes).toHaveLength(20_000); // a path and a host route each
    const m = createRouteMatcher(big);
    const first = (host: string | undefined, path: string) =>
      upstreamsOf(m.match(host, path)?.route.target as never)[0];
    expect(first(undefined, '/o/app4999/x')).toBe('p4999');
    expect(first(undefined, '/t/app0/')).toBe('s0');
    expect(first('app1234-stag.example.com', '/')).toBe('s1234');
    expect(m.match(undefined, '/o/app5000/')).toBeNull();
    // Every app resolves to its own route (the cost of a lookup at this size is a benchmark:
    // `npm run bench -- gateway`).
    for (let i = 0; i < 5000; i += 7) expect(first(undefined, `/o/app${i}/x`)).toBe(`p${i}`);
  });

  it('is refused by checkGatewayTable when malformed', () => {
    const bad = (envs: EnvServing[], appsDomain?: string) => () =>
      checkGatewayTable(buildGatewayTable({ envs, appsDomain }));
    expect(bad([{ app: 'Bad!', env: 'prod', upstreams: [] }])).toThrow(GatewayTableError);
    expect(bad([{ app: 'shop', env: 'dev' as 'prod', upstreams: [] }])).toThrow(/stag or prod|not valid/);
    expect(
      bad([
        { app: 'shop', env: 'prod', upstreams: [] },
        { app: 'shop', env: 'prod', upstreams: [] },
      ]),
    ).toThrow(/twice/);
    expect(bad([{ app: 'shop', env: 'prod', upstreams: [up('a', 0)] }])).toThrow(/port/);
    expect(
      bad([
        { app: 'shop', env: 'prod', upstreams: [up('a', 4000)] },
        { app: 'blog', env: 'prod', upstreams: [up('a', 4001)] },
      ]),
    ).toThrow(/names both/);
    expect(bad([{ app: 'shop', env: 'prod', upstreams: [] }], 'not a domain')).toThrow(/host/);
  });
});
