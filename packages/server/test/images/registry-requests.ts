// Plain HTTPS requests to a registry, as a client that trusts its CA (or nothing but the system's):
// the status code is all the registry tests read.
import { Agent, request } from 'undici';

/** The status of one request; `ca` null trusts only the system's CAs. */
export async function registryStatus(
  url: string,
  opts: {
    method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
    headers?: Record<string, string>;
    ca: string | null;
  },
): Promise<number> {
  const dispatcher = new Agent({ connect: opts.ca === null ? {} : { ca: opts.ca } });
  try {
    const res = await request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, dispatcher });
    await res.body.dump();
    return res.statusCode;
  } finally {
    await dispatcher.close();
  }
}

/** An Authorization header with HTTP basic credentials. */
export function basicAuth(user: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
