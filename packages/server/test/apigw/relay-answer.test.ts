// relayAnswer (relay-answer.ts) on a real HTTP server and client: an answer goes through whole; when
// the app's answer fails halfway the caller's connection is cut (not ended as if complete), and when
// the caller leaves halfway the app's answer is destroyed (its connection freed); either is told.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { relayAnswer } from '../../src/apigw/relay-answer.ts';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose every request is answered by relaying `body`. */
async function serve(body: PassThrough, brokeOff: (err: Error) => void): Promise<string> {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    relayAnswer(body, res, brokeOff);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('relayAnswer', () => {
  it('sends the whole answer and tells nothing', async () => {
    const body = new PassThrough();
    const brokeOff = vi.fn();
    const url = await serve(body, brokeOff);
    const answer = fetch(url).then((r) => r.text());
    body.write('hello ');
    body.end('world');
    expect(await answer).toBe('hello world');
    expect(brokeOff).not.toHaveBeenCalled();
  });

  it("cuts the caller's connection when the app's answer fails halfway", async () => {
    const body = new PassThrough();
    const brokeOff = vi.fn();
    const url = await serve(body, brokeOff);
    // (The head goes out with the first part of the body.)
    body.write('part');
    const res = await fetch(url);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('part');
    body.destroy(new Error('app went away'));
    // The caller sees a broken answer, not a complete one.
    await expect(reader.read()).rejects.toThrow();
    expect(brokeOff).toHaveBeenCalledTimes(1);
    expect(brokeOff.mock.calls[0]![0].message).toBe('app went away');
  });

  it("destroys the app's answer when the caller leaves halfway", async () => {
    const body = new PassThrough();
    const brokeOff = vi.fn();
    const url = await serve(body, brokeOff);
    const controller = new AbortController();
    body.write('part');
    const res = await fetch(url, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await vi.waitFor(() => expect(body.destroyed).toBe(true));
    expect(brokeOff).toHaveBeenCalledTimes(1);
    expect(brokeOff.mock.calls[0]![0].message).toMatch(/caller went away/);
  });
});
