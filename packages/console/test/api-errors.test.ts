import { BerthApiError, BerthClient } from '@berth/sdk/client';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/api/errors.ts';
import { nextTarget } from '../src/features/login/next-url.ts';
import { ERROR_MESSAGES } from '../src/i18n/error-messages.ts';

/** What the SDK client throws for an answer with this status and body. */
async function thrownFor(status: number, body: string, contentType = 'application/json'): Promise<unknown> {
  const client = new BerthClient({
    baseUrl: 'http://berth.invalid',
    fetch: async () => new Response(body, { status, headers: { 'content-type': contentType } }),
  });
  return client.getApp('shop').then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('describeError', () => {
  it('shows a catalogue code in the visitor language, with the server detail', async () => {
    const err = await thrownFor(
      404,
      JSON.stringify({ error: { code: 'APP_NOT_FOUND', message: 'No app shop' } }),
    );
    const zh = describeError(err, 'zh-CN');
    expect(zh).toMatchObject({
      code: 'APP_NOT_FOUND',
      status: 404,
      message: ERROR_MESSAGES['zh-CN'].APP_NOT_FOUND,
    });
    expect(zh.detail).toBe('No app shop');
    expect(describeError(err, 'en').message).toBe(ERROR_MESSAGES.en.APP_NOT_FOUND);
  });
  it('keeps an unknown code visible with a generic message', () => {
    const err = new BerthApiError(418, 'SOMETHING_NEW', 'A newer berthd said so');
    expect(describeError(err, 'en')).toEqual({
      code: 'SOMETHING_NEW',
      status: 418,
      message: 'Something went wrong',
      detail: 'A newer berthd said so',
    });
  });
  it('maps a proxy page (no catalogue body) to HTTP_ERROR', async () => {
    const err = await thrownFor(502, '<html>nginx</html>', 'text/html');
    expect(describeError(err, 'en')).toMatchObject({ code: 'HTTP_ERROR', status: 502 });
  });
  it('does not repeat the message as its own detail', () => {
    const err = new BerthApiError(400, 'BAD_JSON', ERROR_MESSAGES.en.BAD_JSON);
    expect(describeError(err, 'en').detail).toBeUndefined();
  });
  it('shows errors that are not the API client own', () => {
    expect(describeError(new TypeError('x is undefined'), 'en')).toMatchObject({
      code: 'CONSOLE_ERROR',
      detail: 'x is undefined',
    });
  });
});

describe('nextTarget (where to go after logging in)', () => {
  it('follows console paths and the app-login route', () => {
    expect(nextTarget('/apps/shop/prod?tab=logs')).toEqual({
      kind: 'console',
      path: '/apps/shop/prod?tab=logs',
    });
    expect(nextTarget('/api/v1/auth/app-login?app=shop&env=prod&next=x')).toEqual({
      kind: 'document',
      path: '/api/v1/auth/app-login?app=shop&env=prod&next=x',
    });
  });
  it.each([
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    '/api/v1/apps',
    '/o/shop/',
    '/t/shop/x',
    '/login?next=/login',
    '/apps\n/x',
    ' /apps',
    '',
    null,
  ])('refuses %j and goes home', (next) => {
    expect(nextTarget(next)).toEqual({ kind: 'console', path: '/' });
  });
});
