// The SDK's BerthClient over real HTTP: against berthd (sessions from Set-Cookie, the error
// envelope with details) and against a plain loopback server for the client-side error codes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BAD_RESPONSE, BerthApiError, BerthClient, HTTP_ERROR, NETWORK_ERROR } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { closedPort } from './support/cli.ts';

async function rejection(promise: Promise<unknown>): Promise<BerthApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BerthApiError);
  return err as BerthApiError;
}

describe('BerthClient against berthd', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd();
  });
  afterAll(async () => t?.stop());

  it('exposes the session token from Set-Cookie, usable as the cookie and revoked by logout', async () => {
    const client = new BerthClient({ baseUrl: `${t.url}/` });
    const login = await client.login({ username: 'admin', password: ADMIN_PASSWORD });
    expect(login.user.username).toBe('admin');
    expect(login.expiresAt).toBeGreaterThan(Date.now());
    expect(login.sessionToken).toBeTruthy();
    expect(login.sessionCookie).toBe('__Host-berth_session');

    const session = client.with({ sessionToken: login.sessionToken!, sessionCookie: login.sessionCookie! });
    expect(await session.me()).toMatchObject({ user: { username: 'admin' }, via: 'session' });
    const created = await session.createMyToken({ name: 'sdk-test' });
    const withToken = client.with({ token: created.secret });
    expect((await withToken.me()).via).toBe('token');

    await session.logout();
    const err = await rejection(session.me());
    expect(err).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
    expect((await withToken.me()).user.username).toBe('admin');
  });

  it('turns the error envelope into BerthApiError with status, code, message and details', async () => {
    const client = new BerthClient({ baseUrl: t.url });
    const wrong = await rejection(client.login({ username: 'admin', password: 'wrong-password-x' }));
    expect(wrong).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(wrong.message).toBeTruthy();

    const login = await client.login({ username: 'admin', password: ADMIN_PASSWORD });
    const admin = client.with({ sessionToken: login.sessionToken! });
    const invalid = await rejection(admin.createApp({ code: 'Not A Code', name: 'x' }));
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(Array.isArray(invalid.details)).toBe(true);
    expect(await rejection(admin.getApp('nosuchapp'))).toMatchObject({ status: 404, code: 'APP_NOT_FOUND' });
    expect(await rejection(client.me())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await client.health()).status).toBe('ok');
  });
});

describe('BerthClient client-side errors', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/api/v1/me') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"apps": [');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('HTTP_ERROR for an error status without the envelope, BAD_RESPONSE for broken JSON', async () => {
    const client = new BerthClient({ baseUrl: url, token: 'berth_x' });
    expect(await rejection(client.me())).toMatchObject({ status: 502, code: HTTP_ERROR });
    expect(await rejection(client.listApps())).toMatchObject({ status: 200, code: BAD_RESPONSE });
  });

  it('NETWORK_ERROR with the URL when nothing answers', async () => {
    const port = await closedPort();
    const err = await rejection(new BerthClient({ baseUrl: `http://127.0.0.1:${port}` }).listApps());
    expect(err).toMatchObject({ status: 0, code: NETWORK_ERROR });
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/v1/apps`);
  });
});
