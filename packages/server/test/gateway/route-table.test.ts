import { describe, expect, it } from 'vitest';
import { createRouteTable, type RouteSpec, RouteTableError } from '../../src/gateway/index.ts';

const up = (id: string, port = 4000) => ({ id, host: '127.0.0.1', port });

describe('route table', () => {
  const table = createRouteTable({
    baseDomain: 'Apps.Example.com',
    routes: [
      { app: 'shop', env: 'prod', upstreams: [up('s1'), up('s2', 4001)] },
      { app: 'shop', env: 'stag', upstreams: [up('s3', 4002)] },
      { app: 'blog', env: 'prod', upstreams: [] },
    ],
  });

  it('resolves /o/{code}/ to prod and /t/{code}/ to stag, stripping the prefix', () => {
    const prod = table.resolve(undefined, '/o/shop/cart/items?x=1&y=/o/');
    expect(prod?.route.app).toBe('shop');
    expect(prod?.route.env).toBe('prod');
    expect(prod?.prefix).toBe('/o/shop');
    expect(prod?.rest).toBe('/cart/items?x=1&y=/o/');
    expect(prod?.redirect).toBeUndefined();

    const stag = table.resolve('berth.example.com', '/t/shop/');
    expect(stag?.route.env).toBe('stag');
    expect(stag?.rest).toBe('/');
    expect(stag?.route.upstreams.map((u) => u.id)).toEqual(['s3']);
  });

  it('redirects /o/{code} without the slash to /o/{code}/, keeping the query', () => {
    expect(table.resolve(undefined, '/o/shop')).toMatchObject({ redirect: '/o/shop/' });
    expect(table.resolve(undefined, '/t/shop?a=1')).toMatchObject({ redirect: '/t/shop/?a=1' });
  });

  it('returns null for unknown apps and for paths that are not app paths', () => {
    for (const path of [
      '/o/nope/',
      '/o/nope',
      '/t/blog/',
      '/x/shop/',
      '/',
      '/api/v1/apps',
      '/o/',
      '/o//',
      '/oshop/',
    ]) {
      expect(table.resolve(undefined, path), path).toBeNull();
    }
    expect(table.resolve(undefined, '/o/Shop/'), 'codes are lower case').toBeNull();
  });

  it('resolves app subdomains of the base domain, case-insensitively and with a port', () => {
    const prod = table.resolve('SHOP.apps.example.com:8443', '/cart?x=1');
    expect(prod).toMatchObject({ prefix: '', rest: '/cart?x=1' });
    expect(prod?.route.key).toBe('shop/prod');
    expect(table.resolve('shop-stag.apps.example.com.', '/')?.route.key).toBe('shop/stag');
    // On an app host the whole path belongs to the app, /o/… included.
    expect(table.resolve('shop.apps.example.com', '/o/blog/')?.route.key).toBe('shop/prod');
    // Unknown subdomains and other hosts fall back to path routing.
    expect(table.resolve('nope.apps.example.com', '/o/blog/')?.route.key).toBe('blog/prod');
    expect(table.resolve('shop.other.com', '/')).toBeNull();
    expect(table.resolve('[::1]:8080', '/o/shop/')?.route.key).toBe('shop/prod');
  });

  it('claims app hosts and /o/, /t/ paths, and leaves the rest to the API', () => {
    expect(table.claims(undefined, '/o/unknown/x')).toBe(true);
    expect(table.claims(undefined, '/t/shop')).toBe(true);
    expect(table.claims('shop.apps.example.com', '/api/v1/me')).toBe(true);
    expect(table.claims('berth.apps.example.com', '/api/v1/me')).toBe(false);
    expect(table.claims(undefined, '/api/v1/me')).toBe(false);
    expect(table.claims(undefined, '/open')).toBe(false);
  });

  it('is immutable and gives back the plain data it was built from', () => {
    expect(Object.isFrozen(table.routes)).toBe(true);
    expect(Object.isFrozen(table.routes[0])).toBe(true);
    const input = table.toInput();
    expect(structuredClone(input)).toEqual(input);
    expect(
      createRouteTable(structuredClone(input)).resolve(undefined, '/o/shop/')?.route.upstreams,
    ).toHaveLength(2);
    expect(() => {
      (input.routes as RouteSpec[]).push({ app: 'x', env: 'prod', upstreams: [] });
    }).toThrow();
  });

  it('looks up among 10,000 routes by map, not by scanning', () => {
    const routes: RouteSpec[] = [];
    for (let i = 0; i < 5000; i++) {
      routes.push({ app: `app${i}`, env: 'prod', upstreams: [up(`p${i}`, 1024 + (i % 60000))] });
      routes.push({ app: `app${i}`, env: 'stag', upstreams: [up(`s${i}`, 1024 + (i % 60000))] });
    }
    const big = createRouteTable({ baseDomain: 'example.com', routes });
    expect(big.routes).toHaveLength(10_000);
    expect(big.resolve(undefined, '/o/app4999/x')?.route.upstreams[0]?.id).toBe('p4999');
    expect(big.resolve(undefined, '/t/app0/')?.route.upstreams[0]?.id).toBe('s0');
    expect(big.resolve('app1234-stag.example.com', '/')?.route.upstreams[0]?.id).toBe('s1234');
    expect(big.resolve(undefined, '/o/app5000/')).toBeNull();
    // Every app resolves to its own route (the cost of a lookup at this size is a benchmark:
    // `npm run bench -- gateway`).
    for (let i = 0; i < 5000; i += 7) {
      expect(big.resolve(undefined, `/o/app${i}/x`)?.route.upstreams[0]?.id).toBe(`p${i}`);
    }
  });

  it('refuses malformed tables', () => {
    const bad = (routes: RouteSpec[], baseDomain?: string) => () => createRouteTable({ baseDomain, routes });
    expect(bad([{ app: 'Bad!', env: 'prod', upstreams: [] }])).toThrow(RouteTableError);
    expect(bad([{ app: 'shop', env: 'dev' as 'prod', upstreams: [] }])).toThrow(/stag or prod/);
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
    expect(bad([], 'not a domain')).toThrow(/base domain/);
  });
});
