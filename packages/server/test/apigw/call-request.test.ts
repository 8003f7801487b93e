// The pure steps of an API gateway call (call-request.ts): the address, credentials kept from the
// destination, placeholders filled safely, the gateway's envelope.
import { describe, expect, it } from 'vitest';
import {
  type BodyKind,
  bodyFields,
  bodyKind,
  bodyWithoutCredentials,
  readCallBody,
} from '../../src/apigw/call-body.ts';
import {
  droppedHeader,
  fillDestinationPath,
  gatewayEnvelope,
  parseCallAddress,
  queryWithoutCredentials,
} from '../../src/apigw/call-request.ts';

const noBody = new Map<string, string>();

const withoutCredentials = (kind: BodyKind, raw: Buffer) => bodyWithoutCredentials(readCallBody(kind, raw));
const fieldsOf = (kind: BodyKind, raw: Buffer) => bodyFields(readCallBody(kind, raw));

describe('the address of a call', () => {
  it('names a system, or none for compapi, and the component path with its query apart', () => {
    expect(parseCallAddress('/api/c/compapi/v2/sops/get_template_list/?bk_biz_id=2')).toEqual({
      system: null,
      path: '/v2/sops/get_template_list/',
      query: 'bk_biz_id=2',
    });
    expect(parseCallAddress('/api/c/BK_SOPS/v2/sops/x/')).toEqual({
      system: 'BK_SOPS',
      path: '/v2/sops/x/',
      query: '',
    });
  });
  it('is not a call without a path after the system, with an empty segment, or elsewhere', () => {
    for (const url of [
      '/api/c/',
      '/api/c/BK',
      '/api/c/BK/',
      '/api/c//x/',
      '/api/c/BK//x',
      '/api/v1/apps',
      '/o/x/',
    ])
      expect(parseCallAddress(url), url).toBeUndefined();
  });
});

describe('what the destination does not get', () => {
  it("drops credentials, cookies, the platform's tokens and the gateway's own headers", () => {
    for (const name of [
      'cookie',
      'authorization',
      'x-berth-app-secret',
      'x-berth-user-token',
      'x-berth-env',
      'x-bkapi-authorization',
      'x-forwarded-for',
      'x-request-id',
      'host',
      'content-length',
      'transfer-encoding',
    ])
      expect(droppedHeader(name), name).toBe(true);
    for (const name of ['accept', 'content-type', 'user-agent', 'x-custom'])
      expect(droppedHeader(name)).toBe(false);
  });
  it("removes BlueKing's credential fields from the query, keeping the rest as it came", () => {
    expect(queryWithoutCredentials('bk_app_code=a&bk_biz_id=2&bk_app_secret=s&x=%20y&bk_token=t')).toBe(
      'bk_biz_id=2&x=%20y',
    );
    expect(queryWithoutCredentials('bk%5Fapp%5Fsecret=s&a=1')).toBe('a=1');
    expect(queryWithoutCredentials('')).toBe('');
  });
  it('removes them from a JSON object or a form body, and leaves other bodies alone', () => {
    const json = Buffer.from(
      JSON.stringify({ bk_app_code: 'a', bk_app_secret: 's', bk_biz_id: 2, nested: { x: 1 } }),
    );
    expect(JSON.parse(withoutCredentials('json', json)!.toString())).toEqual({
      bk_biz_id: 2,
      nested: { x: 1 },
    });
    const clean = Buffer.from('{"a":1}');
    expect(withoutCredentials('json', clean)).toBe(clean);
    expect(withoutCredentials('form', Buffer.from('bk_app_secret=s&a=1'))!.toString()).toBe('a=1');
    const list = Buffer.from('[{"bk_app_secret":"s"}]');
    expect(withoutCredentials('json', list)).toBe(list);
    const text = Buffer.from('bk_app_secret=s');
    expect(withoutCredentials('other', text)).toBe(text);
  });
});

describe('placeholders of the destination path', () => {
  it('come from the path variables, then the query, then the body, one encoded segment each', () => {
    const body = fieldsOf(
      'json',
      Buffer.from(JSON.stringify({ bk_biz_id: 7, tpl: 'from body', deep: { a: 1 } })),
    );
    expect(
      fillDestinationPath('/apigw/{bk_biz_id}/{tpl}/{id}/', {
        vars: new Map([['id', '42']]),
        query: 'tpl=a%2Fb&id=9',
        body,
      }),
    ).toBe('/apigw/7/a%2Fb/42/');
    expect(bodyKind('application/json; charset=utf-8')).toBe('json');
    expect(bodyKind('application/x-www-form-urlencoded')).toBe('form');
    expect(bodyKind(undefined)).toBe('other');
    expect(fieldsOf('form', Buffer.from('x=1&x=2')).get('x')).toBe('1');
  });
  it('refuse a missing value, and "." or ".." that would move the call elsewhere in the app', () => {
    const fill = (query: string) => () =>
      fillDestinationPath('/a/{x}/', { vars: new Map(), query, body: noBody });
    expect(fill('')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(fill('x=')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(fill('x=..')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(fill('x=%2E%2E')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(fillDestinationPath('/a/{x}/', { vars: new Map(), query: 'x=..%2Fadmin', body: noBody })).toBe(
      '/a/..%2Fadmin/',
    );
  });
});

it("wraps the gateway's own answers in BlueKing's envelope", () => {
  expect(gatewayEnvelope('APIGW_RATE_LIMITED', 'slow down', 'r1')).toEqual({
    result: false,
    code: 'APIGW_RATE_LIMITED',
    message: 'slow down',
    data: null,
    request_id: 'r1',
  });
});
