import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  route,
  send,
  sleep,
  startGateway,
  startUpstream,
  type TestGateway,
  tableOf,
  waitFor,
} from './support.ts';

const MB = 1024 * 1024;
const TOTAL = 50 * MB;
const CHUNK = 64 * 1024;

/** Deterministic pseudo-random chunk `i` (so both ends can hash the same 50 MB). */
function chunk(i: number): Buffer {
  const buf = Buffer.alloc(CHUNK);
  let x = (i + 1) * 2654435761;
  for (let j = 0; j < CHUNK; j += 4) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    buf.writeUInt32LE(x, j);
  }
  return buf;
}

function expectedHash(): string {
  const hash = createHash('sha256');
  for (let i = 0; i < TOTAL / CHUNK; i++) hash.update(chunk(i));
  return hash.digest('hex');
}

/** Waits until `read()` stops changing for `quietMs`, then returns its value. */
async function settled(read: () => number, quietMs = 500): Promise<number> {
  let last = read();
  for (;;) {
    await sleep(quietMs);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

describe('gateway streaming', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const hash = expectedHash();

  async function gatewayTo(
    handler: Parameters<typeof startUpstream>[1],
    options: Parameters<typeof startGateway>[0] = {},
  ): Promise<TestGateway> {
    const u = await startUpstream('a', handler);
    cleanup.push(() => u.close());
    const g = await startGateway(options);
    cleanup.push(() => g.close());
    g.gateway.applyTable(tableOf({ routes: [route('big', 'prod', [u])] }));
    return g;
  }

  it('streams a 50 MB response to a slow reader without buffering it', async () => {
    let written = 0;
    const g = await gatewayTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
      let i = 0;
      const pump = () => {
        while (i < TOTAL / CHUNK) {
          const data = chunk(i++);
          written += data.length;
          if (!res.write(data)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });

    const received = createHash('sha256');
    let length = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: g.port, path: '/o/big/file', agent: false }, resolve)
        .on('error', reject);
    });
    res.pause();
    // The reader does not read: the upstream must be held back by the gateway, not buffered there.
    const heldAt = await settled(() => written);
    expect(heldAt).toBeLessThan(TOTAL / 3);

    res.on('data', (c: Buffer) => {
      received.update(c);
      length += c.length;
    });
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
    expect(length).toBe(TOTAL);
    expect(received.digest('hex')).toBe(hash);
  });

  it('streams a 50 MB upload to a slow app without buffering it', async () => {
    let appReading = false;
    let startReading: () => void = () => {};
    const g = await gatewayTo((req, res) => {
      req.pause();
      startReading = () => {
        appReading = true;
        const h = createHash('sha256');
        let n = 0;
        req.on('data', (c: Buffer) => {
          h.update(c);
          n += c.length;
        });
        req.on('end', () => res.end(JSON.stringify({ length: n, hash: h.digest('hex') })));
        req.resume();
      };
    });

    let sent = 0;
    const response = new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: g.port,
          path: '/o/big/upload',
          method: 'PUT',
          agent: false,
          headers: { 'content-length': String(TOTAL) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      let i = 0;
      const pump = () => {
        while (i < TOTAL / CHUNK) {
          const data = chunk(i++);
          sent += data.length;
          if (!req.write(data)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });

    await waitFor(() => sent > 0);
    const heldAt = await settled(() => sent);
    expect(appReading).toBe(false);
    expect(heldAt).toBeLessThan(TOTAL / 3);
    startReading();
    expect(JSON.parse(await response)).toEqual({ length: TOTAL, hash });
  });

  it('aborts the upstream request when the client goes away, freeing the pooled connection', async () => {
    let upstreamClosed = 0;
    const g = await gatewayTo(
      (req, res) => {
        if (req.url === '/ok') {
          res.end('ok');
          return;
        }
        // An endless stream, as from a live feed.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('tick\n'), 10);
        res.on('close', () => {
          clearInterval(timer);
          upstreamClosed++;
        });
      },
      { pool: { connections: 1 } },
    );

    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: g.port, path: '/o/big/feed', agent: false }, resolve)
        .on('error', reject);
    });
    await new Promise((resolve) => res.once('data', resolve));
    res.destroy();
    await waitFor(() => upstreamClosed === 1);
    // The pool has a single connection: it must have been given back for this to answer.
    const ok = await send(g.port, '/o/big/ok');
    expect(ok.body.toString()).toBe('ok');
    expect(g.gateway.upstreams.get('a')?.inFlight).toBe(0);
  });

  it('aborts a request still waiting for the app when the client goes away', async () => {
    let upstreamClosed = 0;
    const g = await gatewayTo((_req, res) => {
      res.on('close', () => upstreamClosed++);
    });
    const req = http.get({ host: '127.0.0.1', port: g.port, path: '/o/big/wait', agent: false });
    req.on('error', () => {});
    await waitFor(() => g.gateway.upstreams.get('a')!.inFlight === 1);
    req.destroy();
    await waitFor(() => upstreamClosed === 1);
    await waitFor(() => g.gateway.upstreams.get('a')!.inFlight === 0);
    expect(g.gateway.metrics.routes.get('big/prod')?.status4xx).toBe(1); // counted as 499
  });
});
