// Route tables the nginx renderer's golden files and system tests share: one per feature the
// renderer must express (see golden/*.conf).

import type { NginxRenderSettings } from '../../../src/gateway/nginx/render-settings.ts';
import {
  GATEWAY_TABLE_FORMAT,
  type GatewayRoute,
  type GatewayTable,
  type TlsCertificate,
  type UpstreamServer,
} from '../../../src/gateway/route-model.ts';

export function table(routes: GatewayRoute[], extra: Partial<GatewayTable> = {}): GatewayTable {
  return { format: GATEWAY_TABLE_FORMAT, routes, ...extra };
}

/** The driver tests' table: the app shop's prod at `/o/shop/` (prefix stripped) on `servers`, and
 *  `/ping` answering `ping` (a change of it is a change of configuration). */
export function shopTable(servers: UpstreamServer[], ping = 'pong'): GatewayTable {
  return table([
    {
      id: 'o/shop',
      match: { pathPrefix: '/o/shop/' },
      target: { kind: 'proxy', upstreams: servers, stripPrefix: true },
      app: { code: 'shop', env: 'prod' },
    },
    {
      id: 'ping',
      match: { path: '/ping' },
      target: { kind: 'respond', status: 200, contentType: 'text/plain', body: ping },
    },
  ]);
}

export interface Ports {
  [name: string]: number;
}

/** Settings with fixed paths, for golden files. */
export function goldenSettings(overrides: Partial<NginxRenderSettings> = {}): NginxRenderSettings {
  return {
    prefix: '/var/lib/berth/nginx',
    confDir: '/var/lib/berth/nginx/conf/7',
    listen: { host: '0.0.0.0', port: 8081 },
    controlSocket: '/var/lib/berth/nginx/control.sock',
    accessLog: '/var/lib/berth/nginx/logs/access.json',
    seq: 7,
    workerProcesses: 2,
    trustedProxies: ['10.0.0.0/8', '192.168.1.5'],
    platformSecret: { header: 'X-Berth-Gateway', value: 'secret-$token' },
    ...overrides,
  };
}

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n';

export function fakeCertificate(id: string, names: string[]): TlsCertificate {
  return { id, certPem: PEM_CERT, keyPem: PEM_KEY, names, notAfter: '2030-01-01T00:00:00Z' };
}

/** Named tables for the golden files; `ports` gives the upstreams' ports (fixed for goldens). */
export function goldenTables(ports: (name: string) => number): Record<string, GatewayTable> {
  const up = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    host: '127.0.0.1',
    port: ports(id),
    ...extra,
  });
  return {
    empty: table([]),
    'app-prod-stag': table([
      {
        id: 'o/shop',
        match: { pathPrefix: '/o/shop/' },
        target: { kind: 'proxy', upstreams: [up('shop-p1'), up('shop-p2')], stripPrefix: true },
        app: { code: 'shop', env: 'prod' },
      },
      {
        id: 't/shop',
        match: { pathPrefix: '/t/shop/' },
        target: { kind: 'proxy', upstreams: [up('shop-s1')], stripPrefix: true },
        app: { code: 'shop', env: 'stag' },
      },
    ]),
    'hosts-wildcard-exact-path': table([
      {
        id: 'host/shop.example.com',
        match: { host: 'shop.example.com' },
        target: { kind: 'proxy', upstreams: [up('shop-p1')], stripPrefix: false },
        app: { code: 'shop', env: 'prod' },
      },
      {
        id: 'wild/apps.example.com',
        match: { host: '*.apps.example.com' },
        target: { kind: 'proxy', upstreams: [up('blog-p1')], stripPrefix: false },
        app: { code: 'blog', env: 'prod' },
      },
      {
        id: 'acme/token1',
        match: { host: 'shop.example.com', path: '/.well-known/acme-challenge/token1' },
        target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'token1.thumb' },
      },
      {
        id: 'o/blog',
        match: { pathPrefix: '/o/blog/' },
        target: { kind: 'proxy', upstreams: [up('blog-p1')], stripPrefix: true },
        app: { code: 'blog', env: 'prod' },
      },
    ]),
    'static-site': table([
      {
        id: 'o/docs',
        match: { pathPrefix: '/o/docs/' },
        target: {
          kind: 'static',
          site: { root: '/srv/releases/docs/prod/v3', index: 'index.html', spa: false },
        },
        app: { code: 'docs', env: 'prod' },
      },
      {
        id: 't/docs',
        match: { pathPrefix: '/t/docs/' },
        target: {
          kind: 'static',
          site: { root: '/srv/releases/docs/stag/v4', index: 'index.html', spa: true },
        },
        app: { code: 'docs', env: 'stag' },
      },
    ]),
    'redirect-respond': table([
      {
        id: 'o/old',
        match: { pathPrefix: '/o/old/' },
        target: { kind: 'redirect', to: 'https://new.example.com/', status: 301, keepPath: true },
      },
      {
        id: 'o/moved',
        match: { pathPrefix: '/o/moved/' },
        target: { kind: 'redirect', to: '/o/shop/', status: 302, keepPath: false },
      },
      {
        id: 'ping',
        match: { path: '/ping' },
        target: { kind: 'respond', status: 200, contentType: 'text/plain; charset=utf-8', body: 'pong\n' },
      },
    ]),
    'platform-catch-all': table([
      {
        id: 'platform',
        match: { pathPrefix: '/' },
        target: { kind: 'platform', host: '127.0.0.1', port: 8080 },
      },
      {
        id: 'o/shop',
        match: { pathPrefix: '/o/shop/' },
        target: { kind: 'proxy', upstreams: [up('shop-p1')], stripPrefix: true },
        app: { code: 'shop', env: 'prod' },
      },
    ]),
    'weights-backup-down': table([
      {
        id: 'o/shop',
        match: { pathPrefix: '/o/shop/' },
        target: {
          kind: 'proxy',
          upstreams: [up('a', { weight: 3 }), up('b'), up('c', { down: true }), up('d', { backup: true })],
          stripPrefix: true,
        },
        app: { code: 'shop', env: 'prod' },
      },
      {
        id: 'o/gone',
        match: { pathPrefix: '/o/gone/' },
        target: { kind: 'proxy', upstreams: [up('e', { down: true })], stripPrefix: true },
        app: { code: 'gone', env: 'prod' },
      },
      {
        id: 'o/none',
        match: { pathPrefix: '/o/none/' },
        target: { kind: 'proxy', upstreams: [], stripPrefix: true },
        app: { code: 'none', env: 'prod' },
      },
      {
        id: 'o/spare',
        match: { pathPrefix: '/o/spare/' },
        target: {
          kind: 'proxy',
          upstreams: [up('f', { down: true }), up('g', { backup: true })],
          stripPrefix: true,
        },
        app: { code: 'spare', env: 'prod' },
      },
    ]),
    'tls-hosts': table(
      [
        {
          id: 'host/shop.example.com',
          match: { host: 'shop.example.com' },
          target: { kind: 'proxy', upstreams: [up('shop-p1')], stripPrefix: false },
          app: { code: 'shop', env: 'prod' },
        },
        {
          id: 'acme/t2',
          match: { host: 'shop.example.com', path: '/.well-known/acme-challenge/t2' },
          target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 't2.thumb' },
        },
        {
          id: 'wild/apps.example.com',
          match: { host: '*.apps.example.com' },
          target: { kind: 'proxy', upstreams: [up('blog-p1')], stripPrefix: false },
          app: { code: 'blog', env: 'prod' },
        },
      ],
      {
        hosts: [
          { host: 'shop.example.com', certificate: 'shop', httpsRedirect: true, hstsMaxAge: 31536000 },
          { host: '*.apps.example.com', certificate: 'apps' },
        ],
        certificates: [
          fakeCertificate('shop', ['shop.example.com']),
          fakeCertificate('apps', ['*.apps.example.com']),
        ],
      },
    ),
  };
}
