// The CLI's fetch (src/http-fetch.ts) against a real HTTP server: what the SDK reads of an answer,
// request bodies and headers as sent, a streamed body, fetch's error shape, and streamed uploads
// left to the global fetch.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../src/http-fetch.ts';
import { closedPort } from './support/cli.ts';

describe('httpFetch', () => {
  let server: http.Server;
  let url: string;
  /** Ends the /lines answer (its second line waits for the test). */
  let releaseSecondLine = () => {};
  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.url === '/lines') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"n":1}\n');
        releaseSecondLine = () => res.end('{"n":2}\n');
        return;
      }
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.writeHead(req.url === '/missing' ? 404 : 201, 'Made', { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          auth: req.headers['authorization'] ?? null,
          length: req.headers['content-length'] ?? null,
          chunked: req.headers['transfer-encoding'] ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the method, headers and body, and answers what the SDK reads', async () => {
    const res = await httpFetch(`${url}/x`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"é":1}',
    });
    expect([res.ok, res.status, res.statusText, res.url]).toEqual([true, 201, 'Made', `${url}/x`]);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-none')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(await res.json()).toEqual({
      method: 'POST',
      auth: 'Bearer t',
      length: String(Buffer.byteLength('{"é":1}')),
      chunked: null,
      body: '{"é":1}',
    });
  });

  it('sends bytes and reports a refusal as not ok', async () => {
    const res = await httpFetch(`${url}/missing`, { method: 'PUT', body: new Uint8Array([104, 105]) });
    expect([res.ok, res.status]).toEqual([false, 404]);
    expect(JSON.parse(await res.text())).toMatchObject({ method: 'PUT', length: '2', body: 'hi' });
  });

  it('streams a body as it arrives', async () => {
    const res = await httpFetch(`${url}/lines`);
    const reader = res.body!.getReader();
    // The first line arrives while the server still holds the second back.
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString('utf8')).toBe('{"n":1}\n');
    releaseSecondLine();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += Buffer.from(chunk.value).toString('utf8');
    expect(text).toBe('{"n":2}\n');
  });

  it('fails like fetch when nothing listens: a TypeError with the socket error as cause', async () => {
    const port = await closedPort();
    const err = await httpFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause: NodeJS.ErrnoException }).cause.code).toBe('ECONNREFUSED');
  });

  it('leaves a streamed upload to the global fetch, which sends it chunked', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const res = await httpFetch(`${url}/up`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(await res.json()).toMatchObject({ body: 'streamed', chunked: 'chunked', length: null });
  });
});
