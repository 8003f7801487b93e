// Custom domains and TLS end to end, on a real berthd with a deployed app, for each gateway driver:
// the built-in gateway in berthd's process and in two workers, and nginx (that variant runs once
// berthd accepts BERTH_GATEWAY=nginx; until then each of its tests is skipped with the reason).
// Domains (exact and wildcard) bound to the app's prod and stag serve it at `/` with the path as
// sent; two certificates made by the test are picked by SNI (the peer certificate's fingerprint is
// compared), a name no certificate covers gets no handshake; HTTP is redirected to HTTPS (308) and
// HSTS sent where the domain asks; a newer certificate is served as soon as it is uploaded, and one
// that expires stops being offered (the older one is again); a removed domain is no longer served.
// Expired, mismatched-key and wrong-chain uploads are refused through the API (once).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext, vi } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import {
  type EngineFixture,
  nodeBerthYaml,
  startEngineFixture,
  stopApps,
  tinyApp,
} from '../engine/support.ts';
import { httpGet, httpsGet, peerFingerprint } from '../support/tls-client.ts';
import { days, makeCert, makeChain, type TestCert } from './make-certs.ts';

interface Variant {
  name: string;
  env: Record<string, string>;
  /** The upload refusals through the API run once, in the first variant. */
  refusals?: boolean;
  /** Runs only when berthd accepts this driver (BERTH_GATEWAY); else its tests say why not. */
  optional?: boolean;
}

const VARIANTS: Variant[] = [
  { name: "built-in gateway in berthd's process", env: { BERTH_GATEWAY_WORKERS: '0' }, refusals: true },
  { name: 'built-in gateway in two workers', env: { BERTH_GATEWAY_WORKERS: '2' } },
  { name: 'nginx driver', env: { BERTH_GATEWAY: 'nginx', BERTH_GATEWAY_WORKERS: '0' }, optional: true },
];

const APPS_DOMAIN = 'apps.e2e.test';
const SHOP = 'shop.e2e.test';
const PREVIEW = '*.preview.e2e.test';

// The app echoes what it got, so the test sees the path and headers the gateway forwarded.
const ECHO_SERVER = `
'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    text: process.env.TEXT,
    url: req.url,
    host: req.headers.host,
    proto: req.headers['x-forwarded-proto'] ?? null,
  }));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function echoApp(text: string) {
  return tinyApp({
    berthYaml: nodeBerthYaml({ count: 1, healthPath: '/healthz', startTimeout: '20s', env: { TEXT: text } }),
    extra: { 'server.js': ECHO_SERVER },
  });
}

/** Processes whose command line names `dir` (an nginx berthd started with that data directory). */
function processesNaming(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe.each(VARIANTS)('custom domains and TLS: $name', (variant) => {
  let f: EngineFixture | undefined;
  /** Why this variant did not run (berthd refused the driver). */
  let notRun: string | undefined;
  let httpsPort: number;
  let appsPort: number;
  let certShop: TestCert;
  let certPreview: TestCert;
  const uploaded: Record<string, { id: string; fingerprint: string }> = {};

  beforeAll(async () => {
    try {
      f = await startEngineFixture('sqlite', {
        BERTH_HTTPS_PORT: '0',
        BERTH_APPS_DOMAIN: APPS_DOMAIN,
        ...variant.env,
      });
    } catch (err) {
      if (!variant.optional || !(err instanceof ConfigError) || err.setting !== 'BERTH_GATEWAY') throw err;
      notRun = `berthd refused BERTH_GATEWAY=${variant.env['BERTH_GATEWAY']}: ${err.message}`;
      console.warn(`custom domains and TLS: the ${variant.name} variant did not run: ${notRun}`);
      return;
    }
    httpsPort = f.t.berthd.httpsPort!;
    appsPort = f.t.berthd.appsPort;
    await f.createApp('shop');
    await f.deploy('shop', 'prod', await echoApp('prod'));
    await f.deploy('shop', 'stag', await echoApp('stag'));
    // A chain (leaf, then the intermediate that signed it) for the exact domain, and a self-signed
    // wildcard certificate for the staging previews.
    const chain = await makeChain([SHOP], { notBefore: new Date(Date.now() - days(3)) });
    certShop = { ...chain.leaf, pem: chain.leaf.pem + chain.intermediate.pem };
    certPreview = await makeCert({ names: [PREVIEW] });
  }, 300_000);

  afterAll(async () => {
    if (f === undefined) return;
    const dataDir = f.t.dataDir;
    await stopApps(f.t).catch(() => {});
    await f.t.stop();
    if (variant.env['BERTH_GATEWAY'] === 'nginx') {
      // berthd's close stops the nginx it started: nothing naming its data directory is left.
      const left = processesNaming(dataDir);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      expect(left, 'processes left behind by berthd with the nginx driver').toEqual([]);
    }
  }, 120_000);

  /** Skips the test (with the reason) when the variant did not run. */
  function fixture(ctx: TestContext): EngineFixture {
    if (notRun !== undefined) ctx.skip(notRun);
    return f!;
  }

  async function upload(name: string, cert: TestCert) {
    const res = await f!.api('POST', '/api/v1/certificates', { cert: cert.pem, key: cert.keyPem });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    uploaded[name] = { id: res.body.certificate.id, fingerprint: res.body.certificate.fingerprint };
    return uploaded[name]!;
  }

  it('serves the app environments on custom domains at `/`, with the path as sent', async (ctx) => {
    const f = fixture(ctx);
    const exact = await f.api('POST', '/api/v1/domains', { host: SHOP, app: 'shop', env: 'prod' });
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    const wild = await f.api('POST', '/api/v1/domains', { host: PREVIEW, app: 'shop', env: 'stag' });
    expect(wild.status, JSON.stringify(wild.body)).toBe(201);

    const prod = await httpGet(appsPort, SHOP, '/basket/items?x=1');
    expect(prod.status).toBe(200);
    expect(JSON.parse(prod.body)).toEqual({
      text: 'prod',
      url: '/basket/items?x=1',
      host: SHOP,
      proto: 'http',
    });
    const stag = await httpGet(appsPort, 'pr-7.preview.e2e.test', '/');
    expect(JSON.parse(stag.body)).toMatchObject({ text: 'stag', url: '/' });
    // A wildcard covers one label only.
    const deeper = await httpGet(appsPort, 'a.pr-7.preview.e2e.test', '/');
    expect([deeper.status, JSON.parse(deeper.body).error.code]).toEqual([404, 'GATEWAY_NO_ROUTE']);
    // The per-app hosts under BERTH_APPS_DOMAIN and the path routes serve the same environments.
    expect(JSON.parse((await httpGet(appsPort, `shop.${APPS_DOMAIN}`, '/')).body).text).toBe('prod');
    expect(JSON.parse((await httpGet(appsPort, `shop-stag.${APPS_DOMAIN}`, '/')).body).text).toBe('stag');
    expect(JSON.parse((await httpGet(appsPort, '127.0.0.1', '/t/shop/x')).body)).toMatchObject({
      text: 'stag',
      url: '/x',
    });
    // No certificate covers the domain yet: no HTTPS for it, and no redirect.
    await expect(peerFingerprint(httpsPort, SHOP)).rejects.toThrow();
  });

  it('picks the certificate by SNI; a name no certificate covers gets no handshake', async (ctx) => {
    const f = fixture(ctx);
    const shop = await upload('shop', certShop);
    const preview = await upload('preview', certPreview);
    expect(shop.fingerprint).not.toBe(preview.fingerprint);

    expect(await peerFingerprint(httpsPort, SHOP)).toBe(shop.fingerprint);
    expect(await peerFingerprint(httpsPort, 'pr-7.preview.e2e.test')).toBe(preview.fingerprint);
    expect(await peerFingerprint(httpsPort, 'pr-8.preview.e2e.test')).toBe(preview.fingerprint);
    await expect(peerFingerprint(httpsPort, 'unknown.e2e.test')).rejects.toThrow();
    await expect(peerFingerprint(httpsPort, 'a.pr-7.preview.e2e.test')).rejects.toThrow();
    await expect(peerFingerprint(httpsPort, `shop.${APPS_DOMAIN}`)).rejects.toThrow();

    const secure = await httpsGet(httpsPort, SHOP, '/account?tab=2');
    expect(secure.status).toBe(200);
    expect(JSON.parse(secure.body)).toEqual({
      text: 'prod',
      url: '/account?tab=2',
      host: SHOP,
      proto: 'https',
    });
    const stag = await httpsGet(httpsPort, 'pr-7.preview.e2e.test', '/');
    expect(JSON.parse(stag.body)).toMatchObject({ text: 'stag', proto: 'https' });

    const view = (await f.api('GET', `/api/v1/domains/${SHOP}`)).body.domain;
    expect(view.certificate).toMatchObject({ id: shop.id });
  });

  it('redirects plain HTTP to HTTPS (308) and sends HSTS where the domain asks for it', async (ctx) => {
    const f = fixture(ctx);
    const changed = await f.api('PATCH', `/api/v1/domains/${SHOP}`, { httpsRedirect: true, hstsMaxAge: 600 });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);

    const plain = await httpGet(appsPort, SHOP, '/account?tab=2');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://${SHOP}:${httpsPort}/account?tab=2`);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const secure = await httpsGet(httpsPort, SHOP, '/account');
    expect(secure.status).toBe(200);
    expect(secure.headers['strict-transport-security']).toBe('max-age=600');

    // The wildcard domain asked for neither: served over both, without HSTS.
    const stagPlain = await httpGet(appsPort, 'pr-7.preview.e2e.test', '/');
    expect([stagPlain.status, JSON.parse(stagPlain.body).text]).toEqual([200, 'stag']);
    const stagSecure = await httpsGet(httpsPort, 'pr-7.preview.e2e.test', '/');
    expect(stagSecure.headers['strict-transport-security']).toBeUndefined();
    // A wildcard domain's settings hold for every name it covers.
    const wild = `/api/v1/domains/${encodeURIComponent(PREVIEW)}`;
    expect((await f.api('PATCH', wild, { hstsMaxAge: 300 })).status).toBe(200);
    const withHsts = await httpsGet(httpsPort, 'pr-9.preview.e2e.test', '/');
    expect([withHsts.status, withHsts.headers['strict-transport-security']]).toEqual([200, 'max-age=300']);
    expect(
      (await httpGet(appsPort, 'pr-9.preview.e2e.test', '/')).headers['strict-transport-security'],
    ).toBeUndefined();
  });

  it('serves a newer certificate as soon as it is uploaded, without a restart', async (ctx) => {
    const f = fixture(ctx);
    const renewed = await upload(
      'shop2',
      await makeCert({ names: [SHOP], notBefore: new Date(Date.now() - days(1)) }),
    );
    expect(await peerFingerprint(httpsPort, SHOP)).toBe(renewed.fingerprint);
    expect((await f.api('GET', `/api/v1/domains/${SHOP}`)).body.domain.certificate.id).toBe(renewed.id);
    // The wildcard's certificate is untouched.
    expect(await peerFingerprint(httpsPort, 'pr-7.preview.e2e.test')).toBe(uploaded['preview']!.fingerprint);
  });

  it('stops offering a certificate once it expires: the older valid one is served again', async (ctx) => {
    const f = fixture(ctx);
    // Newer than the last one, and valid for a few seconds only.
    const brief = await makeCert({
      names: [SHOP],
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 12_000),
    });
    const short = await upload('brief', brief);
    expect(await peerFingerprint(httpsPort, SHOP)).toBe(short.fingerprint);
    await vi.waitFor(
      async () => expect(await peerFingerprint(httpsPort, SHOP)).toBe(uploaded['shop2']!.fingerprint),
      { timeout: 60_000, interval: 500 },
    );
    expect((await f.api('GET', `/api/v1/domains/${SHOP}`)).body.domain.certificate.id).toBe(
      uploaded['shop2']!.id,
    );
  }, 90_000);

  it('stops serving a domain once it is removed', async (ctx) => {
    const f = fixture(ctx);
    expect((await f.api('DELETE', `/api/v1/domains/${SHOP}`)).status).toBe(204);
    const plain = await httpGet(appsPort, SHOP, '/account');
    expect([plain.status, JSON.parse(plain.body).error.code]).toEqual([404, 'GATEWAY_NO_ROUTE']);
    // Over HTTPS the app is not reached either. The drivers differ in how: the built-in gateway still
    // offers the certificate by SNI (certificates are offered by their names, apart from domains)
    // and answers 404; nginx has no server for the name any more and refuses the handshake.
    if (variant.env['BERTH_GATEWAY'] === 'nginx') {
      await expect(httpsGet(httpsPort, SHOP, '/account')).rejects.toThrow(/unrecognized name/);
    } else {
      const secure = await httpsGet(httpsPort, SHOP, '/account');
      expect([secure.status, JSON.parse(secure.body).error.code]).toEqual([404, 'GATEWAY_NO_ROUTE']);
      expect(secure.headers['strict-transport-security']).toBeUndefined();
    }

    expect((await f.api('DELETE', `/api/v1/domains/${encodeURIComponent(PREVIEW)}`)).status).toBe(204);
    const stag = await httpGet(appsPort, 'pr-7.preview.e2e.test', '/');
    expect([stag.status, JSON.parse(stag.body).error.code]).toEqual([404, 'GATEWAY_NO_ROUTE']);
    // The app still answers on its own hosts.
    expect(JSON.parse((await httpGet(appsPort, `shop-stag.${APPS_DOMAIN}`, '/')).body).text).toBe('stag');
  });

  it.runIf(variant.refusals === true)(
    'refuses expired, mismatched-key and wrong-chain certificates on upload',
    async (ctx) => {
      const f = fixture(ctx);
      const refused = async (cert: string, key: string) => {
        const res = await f.api('POST', '/api/v1/certificates', { cert, key });
        return [res.status, res.body.error?.code];
      };
      const expired = await makeCert({
        names: ['old.e2e.test'],
        notBefore: new Date(Date.now() - days(30)),
        notAfter: new Date(Date.now() - days(1)),
      });
      expect(await refused(expired.pem, expired.keyPem)).toEqual([400, 'CERT_EXPIRED']);
      const other = await makeCert({ names: ['other.e2e.test'] });
      const mine = await makeCert({ names: ['mine.e2e.test'] });
      expect(await refused(mine.pem, other.keyPem)).toEqual([400, 'CERT_KEY_MISMATCH']);
      // A leaf followed by an intermediate that did not sign it.
      const a = await makeChain(['chain.e2e.test']);
      const b = await makeChain(['elsewhere.e2e.test']);
      expect(await refused(a.leaf.pem + b.intermediate.pem, a.leaf.keyPem)).toEqual([
        400,
        'CERT_CHAIN_INVALID',
      ]);
      // Nothing of them was stored.
      const names = (await f.api('GET', '/api/v1/certificates')).body.items.flatMap(
        (c: { names: string[] }) => c.names,
      );
      expect(names).not.toContain('old.e2e.test');
      expect(names).not.toContain('mine.e2e.test');
      expect(names).not.toContain('chain.e2e.test');
    },
  );
});
