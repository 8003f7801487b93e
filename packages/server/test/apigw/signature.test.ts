// Signed gateway calls: the string to sign (a fixed vector, checked once by hand with
// `printf 'POST\n/api/c/BK_SOPS/get_task_status\na=b&a=x%20y&bk_biz_id=2&task_id=10\n<body digest>\nn0nce-1234\n1700000000' | openssl dgst -sha256 -hmac test-secret`),
// the query's order and encoding, the timestamp window's edges and the nonce's form.
import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  checkNonce,
  checkTimestamp,
  rfc3986,
  SIGNATURE_WINDOW_S,
  signatureMatches,
  signRequest,
  stringToSign,
} from '../../src/apigw/signature.ts';

const CALL = {
  method: 'post',
  path: '/api/c/BK_SOPS/get_task_status',
  query: 'task_id=10&bk_biz_id=2&a=x+y&a=b',
  body: '{"task_id":10}',
  nonce: 'n0nce-1234',
  timestamp: 1700000000,
};
/** openssl dgst -sha256 of the body. */
const BODY_DIGEST = '6380335c99c9e465553baaf8a573577b852a9aecc25c6979eb0c31eab693ef9b';
/** openssl dgst -sha256 -hmac test-secret of the string to sign. */
const SIGNATURE = '3593df86708fa43de658112a3db6a8d2bd1a023739bbb778130f5db7458fec23';

describe('the string to sign', () => {
  it('is method, path, sorted query, body digest, nonce and timestamp, one per line', () => {
    expect(stringToSign(CALL)).toBe(
      [
        'POST',
        '/api/c/BK_SOPS/get_task_status',
        'a=b&a=x%20y&bk_biz_id=2&task_id=10',
        BODY_DIGEST,
        'n0nce-1234',
        '1700000000',
      ].join('\n'),
    );
  });

  it('gives the signature openssl gives', () => {
    expect(signRequest({ ...CALL, secret: 'test-secret' })).toBe(SIGNATURE);
    // The same call with its query as fields, and the body as bytes.
    expect(
      signRequest({
        ...CALL,
        query: { task_id: '10', bk_biz_id: '2', a: ['x y', 'b'] },
        body: Buffer.from(CALL.body),
        secret: 'test-secret',
      }),
    ).toBe(SIGNATURE);
  });

  it('digests an empty body as the empty string', () => {
    const lines = stringToSign({ method: 'GET', path: '/x', nonce: 'abcdefgh', timestamp: '1' }).split('\n');
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('encodes the query as RFC 3986 says and sorts the encoded pairs', () => {
    expect(rfc3986("a b!*'()~._-/")).toBe('a%20b%21%2A%27%28%29~._-%2F');
    // Encoded first, then compared by code unit: `%` sorts before digits and letters.
    expect(canonicalQuery('z=1&%C3%A9=2&A=3&a=%2B&a=+')).toBe('%C3%A9=2&A=3&a=%20&a=%2B&z=1');
    expect(canonicalQuery('')).toBe('');
    expect(canonicalQuery(undefined)).toBe('');
  });

  it('matches only the right signature, in any hex case', () => {
    expect(signatureMatches(CALL, 'test-secret', SIGNATURE)).toBe(true);
    expect(signatureMatches(CALL, 'test-secret', SIGNATURE.toUpperCase())).toBe(true);
    expect(signatureMatches(CALL, 'other-secret', SIGNATURE)).toBe(false);
    expect(signatureMatches({ ...CALL, path: '/api/c/BK_SOPS/other' }, 'test-secret', SIGNATURE)).toBe(false);
    expect(signatureMatches({ ...CALL, body: '{"task_id":11}' }, 'test-secret', SIGNATURE)).toBe(false);
    expect(signatureMatches(CALL, 'test-secret', SIGNATURE.slice(2))).toBe(false);
    expect(signatureMatches(CALL, 'test-secret', 'not hex')).toBe(false);
  });
});

describe('the timestamp window', () => {
  const now = 1_700_000_000_000;
  const at = (seconds: number) => String(now / 1000 + seconds);

  it(`accepts ${SIGNATURE_WINDOW_S} s either side, and not a second more`, () => {
    expect(checkTimestamp(at(0), now)).toBe(now / 1000);
    expect(checkTimestamp(at(-SIGNATURE_WINDOW_S), now)).toBe(now / 1000 - 300);
    expect(checkTimestamp(at(SIGNATURE_WINDOW_S), now)).toBe(now / 1000 + 300);
    expect(() => checkTimestamp(at(-SIGNATURE_WINDOW_S - 1), now)).toThrow(
      expect.objectContaining({ code: 'APIGW_TIMESTAMP_STALE' }),
    );
    expect(() => checkTimestamp(at(SIGNATURE_WINDOW_S + 1), now)).toThrow(
      expect.objectContaining({ code: 'APIGW_TIMESTAMP_STALE' }),
    );
    // 300.5 s after a whole second is past the window too.
    expect(() => checkTimestamp(at(0), now + 300_500)).toThrow(
      expect.objectContaining({ code: 'APIGW_TIMESTAMP_STALE' }),
    );
  });

  it('refuses a missing or non-numeric timestamp as stale', () => {
    for (const bad of [undefined, '', '17e8', '-5', '1700000000.5', ' 1700000000']) {
      expect(() => checkTimestamp(bad, now), String(bad)).toThrow(
        expect.objectContaining({ code: 'APIGW_TIMESTAMP_STALE' }),
      );
    }
  });
});

describe('the nonce', () => {
  it('is 8-128 of A-Z a-z 0-9 _ -', () => {
    expect(checkNonce('abcd_-89')).toBe('abcd_-89');
    expect(checkNonce('x'.repeat(128))).toBe('x'.repeat(128));
    for (const bad of [undefined, 'short', 'x'.repeat(129), 'has space', 'dots.dots', 'ünïcödé1']) {
      expect(() => checkNonce(bad), String(bad)).toThrow(
        expect.objectContaining({ code: 'APIGW_SIGNATURE_INVALID' }),
      );
    }
  });
});
