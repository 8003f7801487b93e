// Finds where a chunked HTTP/1.1 body (RFC 9112 7.1) ends in a stream of bytes, without buffering
// it: the gateway relays a non-101 answer to an Upgrade request byte for byte and must stop exactly at
// its end, since the app may keep the connection open for another request.

/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 8 * 1024;

export class ChunkedBodyError extends Error {
  constructor(message: string) {
    super(`malformed chunked body: ${message}`);
    this.name = 'ChunkedBodyError';
  }
}

export class ChunkedEnd {
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  private line = '';
  private left = 0;

  /** Reads the next bytes of the body: returns how many of them belong to it once it has ended
   *  (the rest is not the body's), or -1 while it goes on. Throws ChunkedBodyError. */
  feed(bytes: Buffer): number {
    let i = 0;
    while (i < bytes.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.left, bytes.length - i);
          i += take;
          this.left -= take;
          if (this.left === 0) {
            this.state = 'data-end';
            this.left = 2;
          }
          break;
        }
        case 'data-end': {
          const byte = bytes[i++]!;
          if ((this.left === 2 && byte !== 13 && byte !== 10) || (this.left === 1 && byte !== 10)) {
            throw new ChunkedBodyError('a chunk does not end with CRLF');
          }
          // A bare LF ends the chunk too.
          this.left = byte === 10 ? 0 : this.left - 1;
          if (this.left === 0) this.state = 'size';
          break;
        }
        default: {
          const newline = bytes.indexOf(10, i);
          const end = newline === -1 ? bytes.length : newline;
          this.line += bytes.toString('latin1', i, end);
          if (this.line.length > MAX_LINE) throw new ChunkedBodyError('a line is too long');
          i = end;
          if (newline === -1) break;
          i++;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.state === 'trailer') {
            if (line === '') return i;
            break;
          }
          const size = line.split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,15}$/.test(size)) throw new ChunkedBodyError(`bad chunk size "${size}"`);
          this.left = Number.parseInt(size, 16);
          this.state = this.left === 0 ? 'trailer' : 'data';
        }
      }
    }
    return -1;
  }
}
