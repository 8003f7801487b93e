// The apps routes on a real HTTP server (loopback) over a real store. Callers authenticate with a
// bearer token that names a fixture user; the identity module's own login is tested by its suite.
import type { AddressInfo } from 'node:net';
import type { Role } from '@berth/sdk';
import { appsRoutes } from '../../src/apps/index.ts';
import { type Api, createHttpApp } from '../../src/http/server.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { silentLogger } from '../../src/logger.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import type { ApiOptions, ApiResponse } from '../support/harness.ts';
import { type AppsFixture, createAppsFixture } from './fixture.ts';

export interface AppsApi {
  f: AppsFixture;
  url: string;
  /** Adds a user and returns the bearer token that authenticates as them. */
  user(username: string, role: Role): string;
  api(method: string, path: string, options?: ApiOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startAppsApi(dialect: DialectName): Promise<AppsApi> {
  const f = await createAppsFixture(dialect);
  const tokens = new Map<string, Actor>();
  let http: Api;
  try {
    http = await createHttpApp({
      logger: silentLogger(),
      version: '0.0.0-test',
      trustProxy: false,
      consoleOrigin: () => 'http://127.0.0.1',
      sessionCookieName: '__Host-berth_session',
      authenticate: async (req) => {
        const header = req.headers.authorization ?? '';
        if (!header) return { actor: null };
        const actor = tokens.get(header.replace(/^Bearer /, ''));
        return actor ? { actor } : { actor: null, error: 'TOKEN_INVALID' };
      },
      routes: [appsRoutes({ apps: f.apps })],
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await f.close();
    throw err;
  }
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;

  async function api(method: string, p: string, o: ApiOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
    const res = await fetch(url + p, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed };
  }

  return {
    f,
    url,
    api,
    user(username, role) {
      const actor = f.user(username, role);
      const token = `test_${username}`;
      tokens.set(token, actor);
      return token;
    },
    async close() {
      await http.close();
      await f.close();
    },
  };
}
