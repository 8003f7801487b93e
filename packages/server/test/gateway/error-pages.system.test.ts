// The gateway's errors in a real berthd, in-process and behind a gateway worker: an app that is
// stopped or has no release yet answers 503 GATEWAY_NO_UPSTREAM (404 GATEWAY_NO_ROUTE only where no
// app exists); a program gets the JSON body, a browser a small page in its language (en, zh-CN) with
// the code and the request id, under a CSP that loads nothing. Every code's page is also checked
// through a plain HTTP server, with a hostile request id.
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_PAGE_CSP, type GatewayErrorCode } from '../../src/gateway/error-page.ts';
import { sendGatewayError } from '../../src/gateway/gateway-errors.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from '../engine/support.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function expectJson(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(JSON.parse(answer.text).error.code).toBe(code);
}

function expectPage(answer: Answer, status: number, code: string, lang: 'en' | 'zh-CN'): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(answer.headers.get('content-language')).toBe(lang);
  expect(answer.headers.get('content-security-policy')).toBe(ERROR_PAGE_CSP);
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.text).toContain(`<html lang="${lang}">`);
  expect(answer.text).toContain(`<code>${code}</code>`);
  const id = answer.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.text).toContain(`<code>${id}</code>`);
  // Nothing is loaded from anywhere, and nothing runs.
  expect(answer.text).not.toMatch(/<script|<link|<img|src=|href=/i);
}

/** The checks both gateway shapes must pass; `stopped` is stopped on stag, `fresh` never deployed. */
function errorPageSuite(name: string, env: Record<string, string>): void {
  describe(name, () => {
    let f: EngineFixture | undefined;
    let apps: string;

    beforeAll(async () => {
      f = await startEngineFixture('sqlite', { BERTH_ACCESS_LOG: 'false', ...env });
      apps = f.t.appsUrl;
      await f.createApp('stopped');
      await f.createApp('fresh');
      await f.deploy('stopped', 'stag', await tinyApp({ text: 'up' }));
      expect((await f.get('/t/stopped/')).text).toBe('up v1');
      const stop = await f.api('POST', '/api/v1/apps/stopped/envs/stag/stop');
      expect((await f.waitDeploy(stop.body.deploy.id)).status).toBe('succeeded');
    }, 120_000);

    afterAll(async () => {
      await f?.stop();
    }, 60_000);

    it('answers 503 GATEWAY_NO_UPSTREAM to a program for a stopped app and for one without a release', async () => {
      for (const p of ['/t/stopped/', '/t/stopped/some/page?x=1', '/o/stopped/', '/t/fresh/', '/o/fresh/']) {
        expectJson(await get(apps + p), 503, 'GATEWAY_NO_UPSTREAM');
        expectJson(await get(apps + p, { accept: 'application/json' }), 503, 'GATEWAY_NO_UPSTREAM');
      }
    });

    it('answers 404 GATEWAY_NO_ROUTE only where no app exists', async () => {
      expectJson(await get(`${apps}/t/nosuch/`), 404, 'GATEWAY_NO_ROUTE');
      expectJson(await get(`${apps}/o/nosuch/`), 404, 'GATEWAY_NO_ROUTE');
      expectJson(await get(`${apps}/elsewhere`), 404, 'GATEWAY_NO_ROUTE');
    });

    it('shows a browser a page in its language with the code and the request id', async () => {
      const zh = await get(`${apps}/t/stopped/`, {
        accept: BROWSER_ACCEPT,
        'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8',
      });
      expectPage(zh, 503, 'GATEWAY_NO_UPSTREAM', 'zh-CN');
      expect(zh.text).toContain('此应用当前未在运行');
      const en = await get(`${apps}/o/fresh/`, {
        accept: BROWSER_ACCEPT,
        'accept-language': 'en-GB,en;q=0.9',
      });
      expectPage(en, 503, 'GATEWAY_NO_UPSTREAM', 'en');
      expect(en.text).toContain('This app is not running right now');
      // A language the page does not have falls back to English.
      expectPage(
        await get(`${apps}/t/fresh/`, { accept: BROWSER_ACCEPT, 'accept-language': 'fr-FR' }),
        503,
        'GATEWAY_NO_UPSTREAM',
        'en',
      );
      const lost = await get(`${apps}/t/nosuch/%3Cscript%3Ealert(1)%3C/script%3E`, {
        accept: BROWSER_ACCEPT,
        'accept-language': 'zh',
      });
      expectPage(lost, 404, 'GATEWAY_NO_ROUTE', 'zh-CN');
      // The request itself (path, host) is never shown back.
      expect(lost.text).not.toContain('nosuch');
      expect(lost.text).not.toContain('alert');
    });

    it('serves the app again once it is started', async () => {
      const start = await f!.api('POST', '/api/v1/apps/stopped/envs/stag/start');
      expect((await f!.waitDeploy(start.body.deploy.id)).status).toBe('succeeded');
      expect(await get(`${apps}/t/stopped/`, { accept: BROWSER_ACCEPT })).toMatchObject({
        status: 200,
        text: 'up v1',
      });
    }, 60_000);

    it('answers 404 again for an app that was deleted', async () => {
      expect((await f!.api('DELETE', '/api/v1/apps/fresh')).status).toBe(204);
      expectJson(await get(`${apps}/t/fresh/`), 404, 'GATEWAY_NO_ROUTE');
    });
  });
}

errorPageSuite('error pages of the in-process gateway', { BERTH_GATEWAY_WORKERS: '0' });
errorPageSuite('error pages of a gateway worker', { BERTH_GATEWAY_WORKERS: '1' });

describe('every gateway error', () => {
  const codes: Array<[GatewayErrorCode, number]> = [
    ['GATEWAY_NO_ROUTE', 404],
    ['GATEWAY_BAD_REQUEST', 400],
    ['GATEWAY_NO_UPSTREAM', 503],
    ['GATEWAY_BAD_UPSTREAM', 502],
    ['GATEWAY_TIMEOUT', 504],
  ];
  let server: http.Server;
  let base: string;
  // The id is the only request data a page shows; one from a proxy is checked upstream, but the
  // page escapes it regardless.
  const hostileId = '"><script>alert(1)</script>&';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const code = decodeURIComponent(req.url!.slice(1)) as GatewayErrorCode;
      sendGatewayError(res, code, hostileId);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is a page for browsers in both languages and JSON for programs', async () => {
    for (const [code, status] of codes) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const page = await get(`${base}/${code}`, { accept: BROWSER_ACCEPT, 'accept-language': lang });
        expect(page.status).toBe(status);
        expect(page.headers.get('content-language')).toBe(lang);
        expect(page.headers.get('content-security-policy')).toBe(ERROR_PAGE_CSP);
        expect(page.text).toContain(`<code>${code}</code>`);
        expect(page.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;');
        expect(page.text).not.toContain('<script');
      }
      for (const accept of ['*/*', 'application/json', 'text/html;q=0.5, application/json']) {
        const answer = await get(`${base}/${code}`, { accept });
        expect(answer.status).toBe(status);
        expect(JSON.parse(answer.text)).toMatchObject({ error: { code } });
      }
    }
  });

  it('has a CSP that allows nothing but its own inline style', () => {
    expect(ERROR_PAGE_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    expect(ERROR_PAGE_CSP).not.toMatch(/unsafe|https?:|\*/);
  });
});
