// A gateway call's body read once (call-body.ts): the fields of a JSON object or a form, the
// credential fields the caller reads from it, the body forwarded without them; what the handler
// parsed is what every step reads.
import { describe, expect, it } from 'vitest';
import {
  bodyField,
  bodyFields,
  bodyKind,
  bodyWithoutCredentials,
  isCredentialField,
  readCallBody,
} from '../../src/apigw/call-body.ts';
import { type GatewayCall, readCallerCredentials } from '../../src/apigw/caller-credentials.ts';

describe('a call body read once', () => {
  it('keeps a JSON object as parsed, and a form as its fields', () => {
    const json = readCallBody('json', Buffer.from('{"bk_app_code":"shop","n":2,"deep":{"a":1}}'));
    expect(json.json).toEqual({ bk_app_code: 'shop', n: 2, deep: { a: 1 } });
    expect(bodyField(json, 'bk_app_code')).toBe('shop');
    expect(bodyField(json, 'missing')).toBeUndefined();
    // Only the object's own fields: nothing from its prototype.
    expect(bodyField(json, 'toString')).toBeUndefined();
    expect([...bodyFields(json)]).toEqual([
      ['bk_app_code', 'shop'],
      ['n', '2'],
    ]);
    const form = readCallBody('form', Buffer.from('a=1&a=2&bk_token=t'));
    expect(bodyField(form, 'a')).toBe('1');
    expect(bodyField(form, 'b')).toBeUndefined();
    expect(bodyFields(form).get('a')).toBe('1');
  });

  it('looks into nothing else: other types, JSON that is not an object, bad JSON, no body', () => {
    for (const [kind, text] of [
      ['other', 'bk_app_code=shop'],
      ['json', '["bk_app_code"]'],
      ['json', '"bk_app_code"'],
      ['json', '{'],
      ['json', 'null'],
    ] as const) {
      const body = readCallBody(kind, Buffer.from(text));
      expect(bodyField(body, 'bk_app_code'), text).toBeUndefined();
      expect(bodyFields(body).size).toBe(0);
      expect(bodyWithoutCredentials(body)).toBe(body.raw);
    }
    expect(readCallBody('json', null).raw).toBeNull();
    expect(bodyWithoutCredentials(readCallBody('json', null))).toBeNull();
    expect(readCallBody('json', '').raw?.length).toBe(0);
    expect(readCallBody('form', new TextEncoder().encode('a=1')).form?.get('a')).toBe('1');
  });

  it('forwards a body without credentials as it came, one with them rebuilt without them', () => {
    const clean = Buffer.from('{"a":1}');
    expect(bodyWithoutCredentials(readCallBody('json', clean))).toBe(clean);
    const form = readCallBody('form', Buffer.from('x=1&bk_app_secret=s&y=2&bk_username=u'));
    expect(bodyWithoutCredentials(form)!.toString()).toBe('x=1&y=2');
    // The parsed form is not changed: the steps that read it later still see the fields.
    expect(bodyField(form, 'bk_app_secret')).toBe('s');
    const json = readCallBody('json', Buffer.from('{"bk_token":"t","keep":[1]}'));
    expect(JSON.parse(bodyWithoutCredentials(json)!.toString())).toEqual({ keep: [1] });
    expect(bodyField(json, 'bk_token')).toBe('t');
  });

  it('knows the credential fields and the body types', () => {
    expect(['bk_app_code', 'bk_app_secret', 'bk_token', 'bk_username'].every(isCredentialField)).toBe(true);
    expect(isCredentialField('bk_biz_id')).toBe(false);
    expect(bodyKind('application/problem+json')).toBe('json');
    expect(bodyKind('Application/X-WWW-Form-Urlencoded; charset=utf-8')).toBe('form');
    expect(bodyKind('')).toBe('other');
    expect(bodyKind('text/plain')).toBe('other');
  });

  it("is what the caller's credentials are read from when the handler passes it", () => {
    const call: GatewayCall = {
      method: 'POST',
      path: '/api/c/S/x/',
      query: '',
      headers: { 'content-type': 'application/json' },
      body: '{"bk_app_code":"from-raw","bk_app_secret":"raw-secret"}',
    };
    // Read from the call itself when no parsed body is given…
    expect(readCallerCredentials(call)).toEqual({
      app: { code: 'from-raw', source: 'body' },
      secret: 'raw-secret',
    });
    // …and from the parsed body when one is (the raw body is not parsed again).
    const parsed = readCallBody('json', Buffer.from('{"bk_app_code":"parsed","bk_token":"tok"}'));
    expect(readCallerCredentials(call, parsed)).toEqual({
      app: { code: 'parsed', source: 'body' },
      userToken: { token: 'tok', source: 'body' },
    });
  });
});
