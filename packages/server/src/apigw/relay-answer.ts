// Writes a built-in component's answer to the API gateway's caller as it comes (call-http.ts), and
// ends both sides when either breaks off. (An app's answer goes through call-exchange.ts.)
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * Writes the destination's answer to the caller as it comes, with back-pressure (`pipe`). When
 * either side breaks off — the app's answer fails, or the caller goes away before it all went out —
 * both are destroyed (the upstream connection is freed, the caller's closed) and `brokeOff` is told.
 * (What `stream.pipeline` does, without the AbortController, the DOMException and the listeners it
 * makes for every call: a measurable part of a gateway call's cost.)
 */
export function relayAnswer(body: Readable, res: ServerResponse, brokeOff: (err: Error) => void): void {
  let over = false;
  const fail = (err: Error) => {
    if (over) return;
    over = true;
    body.destroy();
    res.destroy();
    brokeOff(err);
  };
  body.once('error', fail);
  res.once('close', () => {
    if (!res.writableFinished) fail(new Error('the caller went away before the answer was sent'));
    over = true;
  });
  body.pipe(res);
}
