// The SDK client's deploy-loop plumbing over real loopback HTTP, where berthd's routes are not needed:
// raw uploads (bytes, Blob, Node.js stream) and the NDJSON stream of `logs?follow=true`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { BerthApiError, BerthClient } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

describe('BerthClient deploy-loop plumbing', () => {
  let server: http.Server;
  let client: BerthClient;
  const seen: Seen[] = [];
  let releaseStream: () => void = () => {};

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'],
          body: Buffer.concat(chunks),
        });
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname.endsWith('/deploys')) {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ deploy: { id: 'dep_1', status: 'queued' } }));
        } else if (url.pathname.endsWith('/logs') && url.searchParams.get('follow') === 'true') {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          // One line split across writes, two in one write; the stream stays open until released.
          res.write('{"at":1,"instance":"i1","process":"web","stream":"stdout","li');
          setTimeout(() => {
            res.write(
              'ne":"one"}\n{"at":2,"instance":"i1","process":"web","stream":"stderr","line":"two"}\n\n',
            );
            releaseStream = () =>
              res.end('{"at":3,"instance":"i2","process":"web","stream":"stdout","line":"three"}');
          }, 50);
        } else {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'APP_NOT_FOUND', message: 'no such app' } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new BerthClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: 't',
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('uploads bytes, a Blob and a Node.js stream as the raw gzip body', async () => {
    const bytes = new Uint8Array([0x1f, 0x8b, 1, 2, 3]);
    const bodies = [
      bytes,
      new Blob([bytes]),
      Readable.from([Buffer.from([0x1f, 0x8b]), Buffer.from([1, 2, 3])]),
    ];
    for (const body of bodies) {
      seen.length = 0;
      const result = await client.uploadDeploy('hello', 'stag', body, { description: 'first try' });
      expect(result.deploy.id).toBe('dep_1');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        method: 'POST',
        url: '/api/v1/apps/hello/envs/stag/deploys?description=first+try',
        contentType: 'application/gzip',
      });
      expect([...seen[0]!.body]).toEqual([...bytes]);
    }
  });

  it('yields NDJSON log lines as they arrive, until the server ends the stream', async () => {
    const lines: string[] = [];
    const iterator = client.followAppLogs('hello', 'prod', { process: 'web' });
    for await (const line of iterator) {
      lines.push(`${line.stream}:${line.line}`);
      if (lines.length === 2) releaseStream();
    }
    expect(lines).toEqual(['stdout:one', 'stderr:two', 'stdout:three']);
    expect(seen.at(-1)?.url).toBe('/api/v1/apps/hello/envs/prod/logs?process=web&follow=true');
  });

  it('ends a followed stream quietly when aborted, and rejects error statuses', async () => {
    const abort = new AbortController();
    const lines: string[] = [];
    for await (const line of client.followAppLogs('hello', 'stag', {}, { signal: abort.signal })) {
      lines.push(line.line);
      if (lines.length === 2) abort.abort();
    }
    expect(lines).toEqual(['one', 'two']);
    releaseStream();
    // Aborted before the stream opened: no lines, no error either.
    const early = new AbortController();
    early.abort();
    const none: unknown[] = [];
    for await (const line of client.followAppLogs('hello', 'stag', {}, { signal: early.signal }))
      none.push(line);
    expect(none).toEqual([]);

    const err = await client.listReleases('nope', 'stag').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthApiError);
    expect((err as BerthApiError).code).toBe('APP_NOT_FOUND');
  });
});
