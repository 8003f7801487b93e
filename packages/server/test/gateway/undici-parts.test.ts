// The gateway loads two of undici's internal files instead of the whole package (undici-parts.ts):
// they must still be the package's own Pool and buildConnector, and a pool made from them must
// proxy a request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { buildConnector, Pool } from '../../src/gateway/undici-parts.ts';

describe('undici parts', () => {
  it('are the package’s own Pool and buildConnector', () => {
    expect(Pool).toBe(undici.Pool);
    expect(buildConnector).toBe(undici.buildConnector);
  });

  it('dispatch a request through a pool made from them', async () => {
    const server = http.createServer((req, res) => res.end(`got ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const pool = new Pool(`http://127.0.0.1:${port}`, { connect: buildConnector({ timeout: 1000 }) });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        pool.dispatch(
          { path: '/hello', method: 'GET', headers: [] },
          {
            onConnect() {},
            onHeaders: () => true,
            onData: (chunk: Buffer) => chunks.push(chunk) > 0,
            onComplete: () => resolve(Buffer.concat(chunks).toString()),
            onError: reject,
          },
        );
      });
      expect(body).toBe('got /hello');
    } finally {
      await pool.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
