// Lets the gateway relay an upstream's early answer. A server that refuses a request body (413 from
// berthd's or an app's body limit, 401 before an upload) answers before the body is all sent and
// closes; the kernel then resets the connection, and the gateway's next write of body bytes fails
// with EPIPE. undici would fail the request on that write error (the gateway answered 502) although
// the server's response is already waiting to be read. On the gateway's upstream sockets a write
// that fails because the peer is gone is dropped instead (so are later ones): reading goes on, undici
// gets the response and then the reset or end of the connection, and the client gets the answer. A
// peer that sent nothing still fails the request, on the read side.
//
// This hooks `_writeGeneric`, the method every net.Socket write goes through (Node 20 to 24);
// test/gateway/early-answers.test.ts fails if a Node version no longer calls it.
import type net from 'node:net';

type WriteCallback = (err?: Error | null) => void;

interface InternalSocket {
  _writeGeneric?: (writev: boolean, data: unknown, encoding: string, cb: WriteCallback) => void;
}

const PEER_GONE: ReadonlySet<string | undefined> = new Set(['EPIPE', 'ECONNRESET']);

/** Makes writes to a peer that went away no-ops, so that what it sent first can still be read. */
export function keepReadingAfterPeerLeft(socket: net.Socket): void {
  const internal = socket as unknown as InternalSocket;
  const write = internal._writeGeneric;
  if (typeof write !== 'function') return;
  let gone = false;
  // A stream runs one write at a time: one callback slot and one completion function per socket.
  let pending: WriteCallback | null = null;
  const done: WriteCallback = (err) => {
    const cb = pending;
    pending = null;
    if (err && PEER_GONE.has((err as NodeJS.ErrnoException).code)) {
      gone = true;
      cb?.();
    } else cb?.(err);
  };
  internal._writeGeneric = function (this: net.Socket, writev, data, encoding, cb) {
    if (gone) {
      cb();
      return;
    }
    // A write made before the socket connected comes back here with our own callback.
    if (cb !== done) pending = cb;
    write.call(this, writev, data, encoding, done);
  };
}
