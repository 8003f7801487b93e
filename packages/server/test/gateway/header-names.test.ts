// Response header names turned from undici's bytes into strings (header-names.ts) and filtered
// (forward-headers.ts): a known name comes back in the upstream's spelling with its lower-case form,
// any other name the same way through a conversion, and the hop-by-hop and platform rules hold
// whatever the spelling.
import { describe, expect, it } from 'vitest';
import { responseHeaders } from '../../src/gateway/forward-headers.ts';
import { headerName } from '../../src/gateway/header-names.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('headerName', () => {
  it('keeps the spelling and gives the lower-case form, known or not', () => {
    for (const name of ['Content-Type', 'content-type', 'ETag', 'etag', 'CONTENT-TYPE', 'X-Custom', 'x']) {
      const got = headerName(bytes(name));
      expect([got.name, got.lower]).toEqual([name, name.toLowerCase()]);
    }
  });

  it('does not take a name for a known one of the same length', () => {
    // One byte away from known names of the same length.
    expect(headerName(bytes('Content-Lengtx')).lower).toBe('content-lengtx');
    expect(headerName(bytes('Dat\u00e9')).name).toBe('Dat\u00e9');
  });
});

describe('responseHeaders', () => {
  it('drops hop-by-hop headers in any spelling, keeps the rest as sent, says if a length is set', () => {
    const raw = ['Server', 'x', 'CONNECTION', 'close, X-Secret', 'Keep-Alive', 'timeout=5', 'x-secret', '1']
      .concat(['Content-Length', '3', 'X-Request-Id', 'app-chosen', 'Set-Cookie', 'berth_session=x'])
      .map(bytes);
    const out: string[] = [];
    expect(responseHeaders(raw, 'rid', true, out)).toBe(true);
    expect(out).toEqual(['Server', 'x', 'Content-Length', '3', 'x-request-id', 'rid']);
  });

  it('reports a response without Content-Length', () => {
    const out: string[] = [];
    expect(responseHeaders(['Transfer-Encoding', 'chunked'].map(bytes), 'rid', true, out)).toBe(false);
    expect(out).toEqual(['x-request-id', 'rid']);
  });
});
