// nginx chooses the same route as the model's reference matcher (route-matcher.ts) for every
// (host, path) pair tried: exact host over wildcard over no host, falling back level by level,
// longest segment-aligned prefix, exact paths first, the 308 for a prefix without its slash.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../../src/gateway/route-matcher.ts';
import type { GatewayRoute, GatewayTable } from '../../../src/gateway/route-model.ts';
import { nginxDriver, nginxUnavailable, type TestNginx } from './nginx-support.ts';
import { table } from './tables.ts';

const unavailable = nginxUnavailable('the nginx route matching tests');

function respond(id: string, match: GatewayRoute['match']): GatewayRoute {
  return { id, match, target: { kind: 'respond', status: 200, contentType: 'text/plain', body: id } };
}

const TABLES: Record<string, GatewayTable> = {
  'with a hostless root': table([
    respond('any/', { pathPrefix: '/' }),
    respond('any/o/', { pathPrefix: '/o/' }),
    respond('any/o/shop/', { pathPrefix: '/o/shop/' }),
    respond('any/o/shop/api/v2/', { pathPrefix: '/o/shop/api/v2/' }),
    respond('any/t/shop/', { pathPrefix: '/t/shop/' }),
    respond('any:acme', { path: '/.well-known/acme-challenge/tok' }),
    respond('shop/', { host: 'shop.example.com', pathPrefix: '/' }),
    respond('shop/admin/', { host: 'shop.example.com', pathPrefix: '/admin/' }),
    respond('shop:acme', { host: 'shop.example.com', path: '/.well-known/acme-challenge/h' }),
    respond('api/v1/', { host: 'api.example.com', pathPrefix: '/v1/' }),
    respond('wild/', { host: '*.apps.example.com', pathPrefix: '/' }),
    respond('wild/x/', { host: '*.apps.example.com', pathPrefix: '/x/' }),
    respond('x.apps/special/', { host: 'x.apps.example.com', pathPrefix: '/special/' }),
    respond('w/only/', { host: '*.w.example.com', pathPrefix: '/only/' }),
  ]),
  'without a hostless root': table([
    respond('any/o/shop/', { pathPrefix: '/o/shop/' }),
    respond('any:o/shop', { path: '/o/shop' }),
    respond('any/o/shop/x/', { pathPrefix: '/o/shop/x/' }),
    respond('api/', { host: 'api.example.com', pathPrefix: '/o/' }),
    respond('api:/o/shop/x', { host: 'api.example.com', path: '/o/shop/x' }),
    respond('wild/o/shop/x/y/', { host: '*.apps.example.com', pathPrefix: '/o/shop/x/y/' }),
    respond('x.apps/t/', { host: 'x.apps.example.com', pathPrefix: '/t/' }),
  ]),
};

const HOSTS = [
  '127.0.0.1',
  'shop.example.com',
  'SHOP.Example.com:8081',
  'shop.example.com.',
  'api.example.com',
  'x.apps.example.com',
  'y.apps.example.com',
  'a.b.apps.example.com',
  'apps.example.com',
  'q.w.example.com',
  'unknown.test',
];

const PATHS = [
  '/',
  '/?q=1',
  '/o',
  '/o/',
  '/o/shop',
  '/o/shop?x=1',
  '/o/shop/',
  '/o/shopx',
  '/o/shop/api',
  '/o/shop/api/v2',
  '/o/shop/api/v2/',
  '/o/shop/api/v2/deep/er?z',
  '/o/shop/x',
  '/o/shop/x/',
  '/o/shop/x/y',
  '/o/shop/x/y/z',
  '/t/shop/a',
  '/t',
  '/t/x',
  '/.well-known/acme-challenge/tok',
  '/.well-known/acme-challenge/tok?x',
  '/.well-known/acme-challenge/h',
  '/admin',
  '/admin/',
  '/admin/x',
  '/v1/a',
  '/v1',
  '/x/y',
  '/special/q',
  '/only/z',
  '/nothing',
];

function ask(port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        if (res.statusCode === 308) resolve(`308 ${res.headers.location}`);
        else if (res.statusCode === 404) resolve('404');
        else resolve(`${res.statusCode} ${body}`);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(unavailable !== null)('nginx matches routes as the model does', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let n: TestNginx;
  let seq = 0;
  beforeAll(async () => {
    n = await nginxDriver(cleanup);
    await n.driver.start(table([]), seq++);
  });
  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  for (const [name, t] of Object.entries(TABLES)) {
    it(name, async () => {
      await n.driver.apply(t, seq++);
      const matcher = createRouteMatcher(t);
      const differences: string[] = [];
      for (const host of HOSTS) {
        for (const path of PATHS) {
          const m = matcher.match(host, path);
          const expected =
            m === null ? '404' : m.redirect !== undefined ? `308 ${m.redirect}` : `200 ${m.route.id}`;
          const got = await ask(n.port, host, path);
          if (got !== expected) differences.push(`${host} ${path}: nginx ${got}, model ${expected}`);
        }
      }
      expect(differences).toEqual([]);
    });
  }
});
