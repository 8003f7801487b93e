import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { accessLogger } from '../../src/gateway/access-log.ts';

describe('access log', () => {
  it('writes one JSON line per request with app, status, size, time and request id', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = accessLogger(pino({ level: 'info' }, sink));
    log({
      app: 'shop',
      env: 'prod',
      upstream: 'shop-prod-v3-web-1',
      method: 'GET',
      url: '/o/shop/cart?x=1',
      status: 502,
      bytes: 120,
      durationMs: 1.23456,
      requestId: 'req-1',
      error: 'GATEWAY_BAD_UPSTREAM',
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      mod: 'access',
      msg: 'request',
      app: 'shop',
      env: 'prod',
      method: 'GET',
      url: '/o/shop/cart?x=1',
      status: 502,
      bytes: 120,
      ms: 1.23,
      upstream: 'shop-prod-v3-web-1',
      reqId: 'req-1',
      error: 'GATEWAY_BAD_UPSTREAM',
    });
  });
});
