// The `fetch` the CLI gives the SDK's client: plain requests (no body, or a JSON/bytes body) go out
// through node:http(s); anything else (a streamed upload) goes to the global fetch.
//
// Why not the global fetch for everything: Node.js loads undici, its fetch, on the first call, and
// that costs a short-lived command like `berth whoami` about 100 ms of CPU, half of the 200 ms it
// may take (`npm run bench -- cli`). The answer handed back is the part of `Response` the SDK
// reads: ok, status, statusText, url, headers.get/getSetCookie, text(), json() and body (a web
// stream, for followed logs and deploys). Errors look like fetch's: a TypeError whose cause is the
// socket's error.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { BerthClient, type BerthClientOptions } from '@berth/sdk';

type Fetch = typeof fetch;

/** An API client for a command: the SDK's, on this fetch. */
export function cliClient(options: Omit<BerthClientOptions, 'fetch'>): BerthClient {
  return new BerthClient({ ...options, fetch: httpFetch });
}

export const httpFetch: Fetch = (input, init = {}) => {
  const body = init.body;
  const plain = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (!plain || typeof input !== 'string') return globalThis.fetch(input, init);
  return request(input, init, body ?? undefined);
};

function request(url: string, init: RequestInit, body: string | Uint8Array | undefined): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: init.method ?? 'GET',
      headers,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    req.on('error', (err) =>
      reject(init.signal?.aborted ? err : new TypeError('fetch failed', { cause: err })),
    );
    req.on('response', (res) => resolve(answer(url, res)));
    req.end(body);
  });
}

function answer(url: string, res: http.IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  let stream: ReadableStream<Uint8Array> | undefined;
  const text = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const headers = {
    get: (name: string) => {
      const value = res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    getSetCookie: () => res.headers['set-cookie'] ?? [],
  };
  const response = {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    url,
    headers,
    text,
    json: async () => JSON.parse(await text()),
    get body() {
      stream ??= Readable.toWeb(res) as ReadableStream<Uint8Array>;
      return stream;
    },
  };
  return response as unknown as Response;
}
