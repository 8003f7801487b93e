// One POST of a notification over HTTP: a time limit, redirects not followed (a redirect is a
// failure: the receiver's URL is what an admin configured, nothing else), and at most 64 KiB of the
// answer read. 2xx is success; 408, 429 and 5xx may pass (retried); any other answer is a refusal.
import { networkFailure, SendError } from './send-error.ts';

export interface PostOptions {
  timeoutMs: number;
  signal: AbortSignal;
}

export interface PostAnswer {
  status: number;
  text: string;
}

const MAX_ANSWER = 64 * 1024;

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostAnswer> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Berth-Notify/1',
        ...headers,
      },
      body,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    if (signal.aborted) throw new SendError(`no answer within ${Math.round(options.timeoutMs / 1000)} s`);
    throw networkFailure(err, 'the request');
  }
  const text = await readSome(res).catch(() => '');
  if (res.status >= 200 && res.status < 300) return { status: res.status, text };
  if (res.status >= 300 && res.status < 400)
    throw new SendError(`the receiver answered ${res.status} (a redirect; redirects are not followed)`, true);
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new SendError(`the receiver answered ${res.status}`, !retryable);
}

async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER).toString('utf8');
}
