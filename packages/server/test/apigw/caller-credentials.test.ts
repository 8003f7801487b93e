// What a gateway call claims, from each source: Berth's headers, BlueKing's X-Bkapi-Authorization,
// bk_* fields of the query string and of JSON and form bodies (never a cookie); which source wins
// when several speak. What the forwarded request keeps is call-request.test.ts's.
import { describe, expect, it } from 'vitest';
import { type GatewayCall, readCallerCredentials } from '../../src/apigw/caller-credentials.ts';

function call(parts: Partial<GatewayCall>): GatewayCall {
  return { method: 'GET', path: '/api/c/SYS/x', query: '', headers: {}, body: '', ...parts };
}

describe('readCallerCredentials', () => {
  it("reads Berth's headers", () => {
    const claims = readCallerCredentials(
      call({
        headers: {
          'x-berth-app-code': 'shop',
          'x-berth-app-secret': 's3cret',
          'x-berth-signature': 'ab'.repeat(32),
          'x-berth-timestamp': '1700000000',
          'x-berth-nonce': 'nonce-123',
          'x-berth-user-token': 'session-token',
          'x-berth-username': 'alice',
        },
      }),
    );
    expect(claims).toEqual({
      app: { code: 'shop', source: 'header' },
      secret: 's3cret',
      signature: { value: 'ab'.repeat(32), timestamp: '1700000000', nonce: 'nonce-123' },
      userToken: { token: 'session-token', source: 'header' },
      username: { name: 'alice', source: 'header' },
    });
  });

  it("reads BlueKing's X-Bkapi-Authorization", () => {
    const claims = readCallerCredentials(
      call({
        headers: {
          'x-bkapi-authorization': JSON.stringify({
            bk_app_code: 'shop',
            bk_app_secret: 's3cret',
            bk_token: 'bk-session',
            bk_username: 'bob',
          }),
        },
      }),
    );
    expect(claims).toEqual({
      app: { code: 'shop', source: 'bk-authorization' },
      secret: 's3cret',
      userToken: { token: 'bk-session', source: 'bk-authorization' },
      username: { name: 'bob', source: 'bk-authorization' },
    });
    // Not JSON, or not an object: it says nothing.
    expect(readCallerCredentials(call({ headers: { 'x-bkapi-authorization': 'bk_app_code=x' } }))).toEqual(
      {},
    );
    expect(readCallerCredentials(call({ headers: { 'x-bkapi-authorization': '["shop"]' } }))).toEqual({});
  });

  it('reads bk_* fields of the query string', () => {
    const claims = readCallerCredentials(
      call({ query: 'bk_app_code=shop&bk_app_secret=a%2Bb&bk_username=carol&task=1' }),
    );
    expect(claims).toEqual({
      app: { code: 'shop', source: 'query' },
      secret: 'a+b',
      username: { name: 'carol', source: 'query' },
    });
  });

  it('reads bk_* fields of a JSON body and of a form body, not of other bodies', () => {
    const json = readCallerCredentials(
      call({
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: Buffer.from(JSON.stringify({ bk_app_code: 'shop', bk_app_secret: 's', bk_token: 't', n: 1 })),
      }),
    );
    expect(json).toEqual({
      app: { code: 'shop', source: 'body' },
      secret: 's',
      userToken: { token: 't', source: 'body' },
    });
    const form = readCallerCredentials(
      call({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'bk_app_code=shop&bk_app_secret=s&bk_username=dave',
      }),
    );
    expect(form).toEqual({
      app: { code: 'shop', source: 'body' },
      secret: 's',
      username: { name: 'dave', source: 'body' },
    });
    const text = readCallerCredentials(
      call({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'bk_app_code=shop' }),
    );
    expect(text).toEqual({});
    // A JSON field that is not a string is no credential; a body that is not JSON says nothing.
    expect(
      readCallerCredentials(
        call({ headers: { 'content-type': 'application/json' }, body: '{"bk_app_code": 5}' }),
      ),
    ).toEqual({});
    expect(
      readCallerCredentials(call({ headers: { 'content-type': 'application/json' }, body: '{' })),
    ).toEqual({});
  });

  it("never reads bk_token from a cookie (a browser sends cookies on any page's behalf)", () => {
    const claims = readCallerCredentials(call({ headers: { cookie: 'lang=en; bk_token=from-cookie; x=1' } }));
    expect(claims).toEqual({});
  });

  it("lets Berth's header win, then the authorization header, the query, the body", () => {
    const all = call({
      method: 'POST',
      query: 'bk_app_code=from-query&bk_token=query-token',
      headers: {
        'x-bkapi-authorization': JSON.stringify({ bk_app_code: 'from-auth' }),
        'content-type': 'application/json',
        cookie: 'bk_token=cookie-token',
      },
      body: JSON.stringify({ bk_app_code: 'from-body', bk_app_secret: 'body-secret' }),
    });
    const claims = readCallerCredentials(all);
    expect(claims.app).toEqual({ code: 'from-auth', source: 'bk-authorization' });
    expect(claims.secret).toBe('body-secret');
    expect(claims.userToken).toEqual({ token: 'query-token', source: 'query' });
    const withHeader = readCallerCredentials({
      ...all,
      headers: { ...all.headers, 'x-berth-app-code': 'from-header' },
    });
    expect(withHeader.app).toEqual({ code: 'from-header', source: 'header' });
  });

  it('leaves the signature out without X-Berth-Signature', () => {
    const claims = readCallerCredentials(
      call({ headers: { 'x-berth-timestamp': '1', 'x-berth-nonce': 'abcdefgh' } }),
    );
    expect(claims.signature).toBeUndefined();
  });
});
