// Who the app believes the client is: through a real gateway and a real upstream, forwarding headers
// (X-Forwarded-For, -Proto, -Host, X-Real-IP, Forwarded, X-Request-Id) a client sends are replaced
// unless its peer is a trusted proxy (BERTH_TRUST_PROXY: false, true or a list of addresses and CIDR
// ranges); behind trusted proxies the app gets the chain from the real client on. The platform's
// cookies never reach an app, and an app cannot set them; berthd's own API keeps its cookies.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { setsPlatformCookie, withoutPlatformCookies } from '../../src/gateway/cookie-filter.ts';
import { apiTrustProxy, createProxyTrust } from '../../src/gateway/index.ts';
import { PLATFORM_COOKIE_NAMES } from '../../src/platform-cookies.ts';
import { gatewayWithApp, route, send, startGateway, startUpstream, tableOf } from './support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const FORGED = {
  'x-forwarded-for': '203.0.113.66',
  'x-real-ip': '203.0.113.66',
  forwarded: 'for=203.0.113.66;proto=https;host=evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  'x-request-id': 'chosen-by-the-client',
};

/** A request whose client end is bound to another loopback address. */
function sendFrom(
  localAddress: string,
  port: number,
  p: string,
  headers: Record<string, string>,
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: p, localAddress, agent: false, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('forwarding headers and trusted proxies', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const setUp = (options: Parameters<typeof startGateway>[0] = {}) =>
    gatewayWithApp(cleanup, 'shop', undefined, options);

  it('replaces every forwarding header a client sends when nobody is trusted', async () => {
    const { g } = await setUp();
    const res = await send(g.port, '/o/shop/', { headers: FORGED });
    const seen = res.json().headers;
    expect(seen).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `127.0.0.1:${g.port}`,
    });
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-request-id']).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(seen['x-request-id']);
  });

  it("keeps a trusted proxy chain from the real client on, and skips the client's own claims", async () => {
    const { g } = await setUp({ trustProxy: ['127.0.0.1', '10.0.0.0/8'] });
    // The client claims 203.0.113.66; the outer proxy (10.0.0.7) saw 198.51.100.1 and appended it.
    const res = await send(g.port, '/o/shop/', {
      headers: {
        'x-forwarded-for': '203.0.113.66, 198.51.100.1, 10.0.0.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'shop.example.com',
        'x-request-id': 'from-the-proxy',
        forwarded: 'for=203.0.113.66',
      },
    });
    const seen = res.json().headers;
    expect(seen).toMatchObject({
      'x-forwarded-for': '198.51.100.1, 10.0.0.7, 127.0.0.1',
      'x-real-ip': '198.51.100.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example.com',
      'x-request-id': 'from-the-proxy',
    });
    expect(seen.forwarded).toBeUndefined();
  });

  it('trusts only the listed peers: another loopback address is a client like any other', async () => {
    const { g } = await setUp({ trustProxy: ['127.0.0.2'] });
    const trusted = await sendFrom('127.0.0.2', g.port, '/o/shop/', FORGED);
    expect(trusted.json().headers).toMatchObject({
      'x-real-ip': '203.0.113.66',
      'x-forwarded-proto': 'https',
    });
    const other = await sendFrom('127.0.0.3', g.port, '/o/shop/', FORGED);
    expect(other.json().headers).toMatchObject({
      'x-forwarded-for': '127.0.0.3',
      'x-real-ip': '127.0.0.3',
      'x-forwarded-proto': 'http',
    });
    expect(other.json().headers['x-request-id']).not.toBe('chosen-by-the-client');
  });

  it('with `true` trusts every peer but loopback ones (app processes on this host)', async () => {
    const { g } = await setUp({ trustProxy: true });
    const local = await send(g.port, '/o/shop/', { headers: FORGED });
    expect(local.json().headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' });
    const trust = createProxyTrust(true)!;
    expect(['10.1.2.3', '2001:db8::1', '::ffff:192.0.2.1'].map(trust)).toEqual([true, true, true]);
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(trust)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('matches addresses and CIDR ranges of both families, IPv4-mapped ones included', () => {
    const trust = createProxyTrust(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'])!;
    expect(['192.0.2.200', '::ffff:192.0.2.9', '2001:db8:1::5', '198.51.100.7'].map(trust)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['192.0.3.1', '198.51.100.8', '2001:db9::1', '127.0.0.1', 'not-an-ip'].map(trust)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(createProxyTrust(false)).toBeNull();
    expect(createProxyTrust([])).toBeNull();
    // berthd's API behind gateway workers: the first hop is a worker, then the same list.
    const api = apiTrustProxy(['10.0.0.0/8'], true) as (a: string, hop: number) => boolean;
    expect([api('127.0.0.1', 0), api('10.0.0.1', 1), api('203.0.113.1', 1)]).toEqual([true, true, false]);
    expect(apiTrustProxy(false, false)).toBe(false);
  });

  it('reads BERTH_TRUST_PROXY as false, true or a list, and refuses anything else by name', () => {
    const base = { BERTH_DATA_DIR: '/tmp/berth-config-test' };
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, BERTH_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, BERTH_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ...base, BERTH_TRUST_PROXY: ' 10.0.0.5, 10.1.0.0/16 ,::1 ' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
    ]);
    for (const bad of ['10.0.0.300', '10.0.0.0/33', 'proxy.example.com', '2001:db8::/129']) {
      expect(() => loadConfig({ ...base, BERTH_TRUST_PROXY: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, BERTH_TRUST_PROXY: bad }), bad).toThrow(/BERTH_TRUST_PROXY/);
    }
  });
});

describe('platform cookies', () => {
  it('are removed from a Cookie header exactly, the other cookies kept byte for byte', () => {
    expect(PLATFORM_COOKIE_NAMES).toEqual(['__Host-berth_session', 'berth_session', 'berth_token']);
    expect(withoutPlatformCookies('a=1; b="x y"')).toBe('a=1; b="x y"');
    expect(withoutPlatformCookies('berth_token=abc; theme=dark;lang=en')).toBe('theme=dark;lang=en');
    expect(withoutPlatformCookies('theme=dark; __Host-berth_session=s;  cart=%7B%7D')).toBe(
      'theme=dark;  cart=%7B%7D',
    );
    expect(withoutPlatformCookies('berth_session=1; berth_token=2')).toBe('');
    // Not a platform name (case and prefix differ, or merely similar): kept.
    expect(withoutPlatformCookies('Berth_Token=1; my_berth_token=2; berth_tokens=3')).toBe(
      'Berth_Token=1; my_berth_token=2; berth_tokens=3',
    );
  });

  it('may not be set by an app, whatever the case or prefix', () => {
    for (const value of [
      'berth_token=x; Path=/',
      'BERTH_TOKEN=x',
      '__Host-berth_session=x; Secure; Path=/',
      '__secure-Berth_Session=x',
      '__Host-berth_token=x',
      ' berth_session =x',
      'berth_token; Path=/',
    ]) {
      expect(setsPlatformCookie(value), value).toBe(true);
    }
    for (const value of [
      'session=berth_token',
      'berth_tokens=1',
      'my_berth_session=1',
      'a=1; Path=/berth_token',
    ]) {
      expect(setsPlatformCookie(value), value).toBe(false);
    }
  });

  it('never reach an app through the gateway, in either direction; berthd keeps its own', async () => {
    const app = await startUpstream('app', (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': [
          'berth_token=planted; Path=/',
          'app_pref=1; Path=/',
          '__Host-Berth_Session=x; Path=/; Secure',
        ],
      });
      res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
    });
    const api = await startUpstream('api', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'berth_token=issued; Path=/' });
      res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
    });
    const g = await startGateway();
    try {
      const platform = { host: '127.0.0.1', port: api.port };
      g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [app])], platform }));
      const cookie = 'theme=dark; berth_token=SESSION; __Host-berth_session=S2; cart=1';
      const toApp = await send(g.port, '/o/shop/', { headers: { cookie } });
      expect(toApp.json().cookie).toBe('theme=dark; cart=1');
      expect(toApp.headers['set-cookie']).toEqual(['app_pref=1; Path=/']);
      const only = await send(g.port, '/o/shop/', { headers: { cookie: 'berth_token=SESSION' } });
      expect(only.json().cookie).toBeNull();

      const toApi = await send(g.port, '/api/v1/me', { headers: { cookie } });
      expect(toApi.json().cookie).toBe(cookie);
      expect(toApi.headers['set-cookie']).toEqual(['berth_token=issued; Path=/']);
    } finally {
      await g.close();
      await app.close();
      await api.close();
    }
  });
});
