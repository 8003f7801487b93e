// The small rules of serving the web console: which requests are console pages, and which
// Accept-Encoding headers allow a pre-compressed file.
import { describe, expect, it } from 'vitest';
import { accepts, isConsolePage } from '../src/http/console-routes.ts';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('console pages', () => {
  it('are `/` for anyone and other paths a browser navigates to', () => {
    expect(isConsolePage('GET', '/', {})).toBe(true);
    expect(isConsolePage('HEAD', '/', { accept: 'application/json' })).toBe(true);
    expect(isConsolePage('GET', '/apps/shop/prod', HTML)).toBe(true);
    expect(isConsolePage('GET', '/login', HTML)).toBe(true);
    expect(isConsolePage('GET', '/apps/shop', {})).toBe(false);
    expect(isConsolePage('GET', '/apps/shop', { accept: '*/*' })).toBe(false);
    expect(isConsolePage('GET', '/apps/shop', { accept: 'application/json, text/html;q=0.5' })).toBe(false);
    expect(isConsolePage('POST', '/apps', HTML)).toBe(false);
  });

  it('are never the API, the apps, the downloads, the assets or the health check', () => {
    for (const p of [
      '/api',
      '/api/v1/x',
      '/t/x/',
      '/o',
      '/O/x',
      '/downloads/x',
      '/assets/x.js',
      '/healthz',
      '/%61pi/v1',
      '/%74/x',
    ]) {
      expect([p, isConsolePage('GET', p, HTML)]).toEqual([p, false]);
    }
    expect(isConsolePage('GET', '/%E0%A4%A', HTML)).toBe(false);
  });
});

describe('Accept-Encoding', () => {
  it('allows a coding named or covered by *, with a weight above 0', () => {
    expect(accepts('gzip, deflate, br', 'br')).toBe(true);
    expect(accepts('gzip, deflate, br', 'gzip')).toBe(true);
    expect(accepts('gzip;q=0, br', 'gzip')).toBe(false);
    expect(accepts('br;q=0.5', 'br')).toBe(true);
    expect(accepts('*', 'br')).toBe(true);
    expect(accepts('*;q=0, gzip', 'br')).toBe(false);
    expect(accepts('*, br;q=0', 'br')).toBe(false);
    expect(accepts('x-gzip', 'gzip')).toBe(true);
    expect(accepts('identity', 'gzip')).toBe(false);
    expect(accepts('', 'gzip')).toBe(false);
    expect(accepts(undefined, 'gzip')).toBe(false);
  });
});
