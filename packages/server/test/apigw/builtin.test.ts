// The built-in system's pure parts: the body and query a handler gets (credentials taken out, JSON
// parsed, anything else refused), the envelope of its answers, the checks of a notification's body
// and of a batch of user names, an environment's status, and the system's own declaration.
import { describe, expect, it } from 'vitest';
import { envStatus } from '../../src/apigw/builtin-apps.ts';
import { answerBuiltin, builtinBody, builtinEnvelope, builtinQuery } from '../../src/apigw/builtin-call.ts';
import { parseAppMessage } from '../../src/apigw/builtin-notifications.ts';
import { builtinComponents, builtinDeclaration } from '../../src/apigw/builtin-system.ts';
import { parseUsernames } from '../../src/apigw/builtin-users.ts';
import { readCallBody } from '../../src/apigw/call-body.ts';
import { BerthError } from '../../src/errors.ts';

const invalid = (field: string) => ({ code: 'VALIDATION_FAILED', details: { field } });

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

describe('the built-in system', () => {
  it('is declared in code, every component without a destination', () => {
    const { system, components } = builtinDeclaration();
    expect(system).toMatchObject({ name: 'berth', builtIn: true });
    expect(system.owner).toBeUndefined();
    for (const c of components) {
      expect(c).toMatchObject({ system: 'berth', builtIn: true });
      expect(c.dest).toBeUndefined();
      expect(c.permLevel).not.toBe('unlimited');
    }
    expect(builtinComponents().map((c) => c.name)).toEqual([
      'get_user',
      'list_users',
      'get_app',
      'send_notification',
    ]);
  });

  it('gives a handler the JSON or form body and the query without credentials', () => {
    const json = Buffer.from(JSON.stringify({ title: 't', bk_app_secret: 's', bk_app_code: 'a' }));
    expect(builtinBody(readCallBody('json', json))).toEqual({ title: 't' });
    expect(builtinBody(readCallBody('form', Buffer.from('a=1&bk_token=x')))).toEqual({ a: '1' });
    expect(builtinBody(readCallBody('json', null))).toBeUndefined();
    // A JSON list or value has no fields to take out: it goes as it is.
    expect(builtinBody(readCallBody('json', Buffer.from('[1,{"bk_token":"t"}]')))).toEqual([
      1,
      { bk_token: 't' },
    ]);
    expect(builtinBody(readCallBody('other', Buffer.alloc(0)))).toBeUndefined();
    expect(() => builtinBody(readCallBody('json', Buffer.from('{nope')))).toThrow(
      expect.objectContaining(invalid('body')),
    );
    expect(() => builtinBody(readCallBody('other', Buffer.from('x')))).toThrow(
      expect.objectContaining(invalid('body')),
    );
    const q = builtinQuery('usernames=a%2Cb&bk_app_secret=s&bk_username=u');
    expect([...q.entries()]).toEqual([['usernames', 'a,b']]);
  });

  it("answers in BlueKing's envelope, a refusal with its catalogue code and status", async () => {
    expect(builtinEnvelope({ data: { a: 1 } }, 'r1')).toEqual({
      result: true,
      code: 0,
      message: '',
      data: { a: 1 },
      request_id: 'r1',
    });
    const ok = await answerBuiltin(
      async (call) => ({ app: call.app }),
      () => input(),
      'r2',
      1000,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'r2',
    });
    expect(JSON.parse(await text(ok.body))).toEqual({
      result: true,
      code: 0,
      message: '',
      data: { app: 'shop' },
      request_id: 'r2',
    });
    const refused = await answerBuiltin(
      async () => {
        throw new BerthError('USER_NOT_FOUND', 'No user x');
      },
      () => input(),
      'r3',
      1000,
    );
    expect(refused.status).toBe(404);
    expect(JSON.parse(await text(refused.body))).toEqual({
      result: false,
      code: 'USER_NOT_FOUND',
      message: 'No user x',
      data: null,
      request_id: 'r3',
    });
    // A bad input is the handler's refusal too; a bug is not swallowed.
    const bad = await answerBuiltin(
      async () => 1,
      () => {
        throw new BerthError('VALIDATION_FAILED', 'bad');
      },
      'r4',
      1000,
    );
    expect(bad.status).toBe(400);
    await expect(
      answerBuiltin(
        async () => {
          throw new TypeError('bug');
        },
        () => input(),
        'r5',
        1000,
      ),
    ).rejects.toThrow('bug');
  });

  it('answers APIGW_DEST_TIMEOUT when the handler takes longer than the timeout', async () => {
    const slow = await answerBuiltin(
      () => new Promise(() => {}),
      () => input(),
      'r6',
      20,
    );
    expect(slow.status).toBe(504);
    expect(JSON.parse(await text(slow.body))).toMatchObject({ result: false, code: 'APIGW_DEST_TIMEOUT' });
  });

  it('checks a notification: types, sizes and fields', () => {
    expect(parseAppMessage({ title: 'Hi', content: 'Body' })).toEqual({
      title: 'Hi',
      content: 'Body',
      level: 'info',
      env: 'prod',
    });
    expect(
      parseAppMessage({ title: 'Hi', content: 'B', level: 'error', env: 'stag', url: 'https://x.example/a' }),
    ).toEqual({ title: 'Hi', content: 'B', level: 'error', env: 'stag', url: 'https://x.example/a' });
    const bad: Array<[unknown, string]> = [
      [undefined, 'body'],
      ['text', 'body'],
      [[1], 'body'],
      [{ content: 'c' }, 'title'],
      [{ title: '  ', content: 'c' }, 'title'],
      [{ title: 1, content: 'c' }, 'title'],
      [{ title: 'x'.repeat(201), content: 'c' }, 'title'],
      [{ title: 't' }, 'content'],
      [{ title: 't', content: 'x'.repeat(4001) }, 'content'],
      [{ title: 't', content: 'c', level: 'panic' }, 'level'],
      [{ title: 't', content: 'c', env: 'dev' }, 'env'],
      [{ title: 't', content: 'c', url: 'javascript:alert(1)' }, 'url'],
      [{ title: 't', content: 'c', app: 'other' }, 'app'],
    ];
    for (const [body, field] of bad) {
      expect(() => parseAppMessage(body), JSON.stringify(body)).toThrow(
        expect.objectContaining(invalid(field)),
      );
    }
  });

  it('reads a batch of user names: once each, at most 100', () => {
    expect(parseUsernames('a, b,,a ,c')).toEqual(['a', 'b', 'c']);
    expect(() => parseUsernames(null)).toThrow(expect.objectContaining(invalid('usernames')));
    expect(() => parseUsernames(' , ')).toThrow(expect.objectContaining(invalid('usernames')));
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`).join(',');
    expect(() => parseUsernames(many)).toThrow(expect.objectContaining(invalid('usernames')));
  });

  it("tells an environment's status from its release and instances", () => {
    expect(envStatus(undefined, false)).toBe('not-deployed');
    expect(envStatus(3, true)).toBe('running');
    expect(envStatus(3, false)).toBe('unavailable');
  });
});

function input() {
  return { app: 'shop', user: undefined, params: {}, query: new URLSearchParams(), body: undefined };
}
