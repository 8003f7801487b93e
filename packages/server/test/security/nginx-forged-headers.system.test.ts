// A hosted developer's client forging what the nginx driver forwards, with no proxy trusted (the
// default, where the rendered configuration runs no map over the client's headers): forwarding
// headers, a request id, a prefix, the platform's cookies. The app must see the gateway's own values
// on every path nginx takes to it: a stripped prefix on the fixed proxy_pass, the raw-URI `if`
// block (an escaped path), and a route that keeps its prefix; the platform's cookies never arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDriver } from '../../src/gateway/driver.ts';
import { nginxDriver, nginxUnavailable } from '../gateway/nginx/nginx-support.ts';
import { table } from '../gateway/nginx/tables.ts';
import { startUpstream, type TestUpstream } from '../gateway/support.ts';
import { FORGED_HEADERS as FORGED, getWithHeaders } from './forged-headers.ts';

const unavailable = nginxUnavailable('nginx forged headers');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const get = (port: number, urlPath: string) => getWithHeaders(port, urlPath, FORGED);

describe.skipIf(unavailable !== null)('nginx driver: headers forged by the client, no proxy trusted', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let driver: GatewayDriver;
  let port: number;
  let app: TestUpstream;

  beforeAll(async () => {
    app = await startUpstream('app');
    cleanup.push(() => app.close());
    const n = await nginxDriver(cleanup);
    driver = n.driver;
    port = n.port;
    const proxy = (id: string, prefix: string, stripPrefix: boolean) => ({
      id,
      match: { pathPrefix: prefix },
      target: { kind: 'proxy' as const, upstreams: [app.spec()], stripPrefix },
      app: { code: id.split('/')[1]!, env: 'prod' as const },
    });
    await driver.start(table([proxy('o/shop', '/o/shop/', true), proxy('o/keep', '/o/keep/', false)]), 1);
  }, 60_000);

  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const paths: Array<[string, string, string, string | undefined]> = [
    ['a stripped prefix (fixed upstream)', '/o/shop/x?q=1', '/x?q=1', '/o/shop'],
    ['a stripped prefix with an escaped path (raw-URI block)', '/o/shop/a%2Fb', '/a%2Fb', '/o/shop'],
    ['a route that keeps its prefix', '/o/keep/x', '/o/keep/x', undefined],
  ];
  for (const [what, asked, forwarded, prefix] of paths) {
    it(`replaces or drops every forged header on ${what}`, async () => {
      const answer = await get(port, asked);
      expect(answer.status).toBe(200);
      const seen = JSON.parse(answer.body) as { url: string; headers: Record<string, string | undefined> };
      expect(seen.url).toBe(forwarded);
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-prefix']).toBe(prefix);
      expect(seen.headers.forwarded).toBeUndefined();
      expect(seen.headers['x-request-id']).toMatch(UUID);
      expect(answer.requestId).toBe(seen.headers['x-request-id']);
      expect(seen.headers.cookie).toBe('app_pref=1;');
    });
  }
});
