// Starts a real berthd (real store, real HTTP on loopback ports: the console and API on one, the
// apps on another) for API tests, with a known admin password, and offers a small fetch-based client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '@berth/sdk';
import { type Berthd, type BerthdOptions, startBerthd } from '../../src/berthd.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { freePort, stopNginx } from '../../src/gateway/nginx/index.ts';
import { sessionCookieName } from '../../src/identity/index.ts';
import { DOCKER_CERTS_DIR, stopBuiltinRegistry } from '../../src/images/registry/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export const ADMIN_PASSWORD = 'admin-test-password-1';

export interface TestBerthd {
  berthd: Berthd;
  /** The console and API (BERTH_PUBLIC_URL), e.g. http://127.0.0.1:40123 */
  url: string;
  /** The apps origin (BERTH_APPS_URL): `/t/{code}/`, `/o/{code}/`; `url` with BERTH_SHARED_ORIGIN. */
  appsUrl: string;
  dataDir: string;
  /** The session cookie's name (`__Host-berth_session` on these loopback URLs). */
  cookieName: string;
  /** Logs in and returns the session cookie's value. */
  login(username: string, password: string): Promise<string>;
  /** Calls the API. `auth` is a session token ({ cookie }) or an API token ({ token }). */
  api(method: string, path: string, options?: ApiOptions): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface ApiOptions {
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  cookie?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  body: any;
}

/** The database URL berthd is given for a test database. */
export function databaseUrl(db: TestDatabase): string {
  return db.config.dialect === 'sqlite' ? `sqlite:${db.config.file}` : db.config.url;
}

/** The settings every test berthd starts with: loopback, port 0, its own data dir and database, the
 *  test admin password, no log output. Tests add what they are about. */
export function berthdTestEnv(db: TestDatabase, dataDir: string): Record<string, string> {
  return {
    BERTH_PORT: '0',
    BERTH_HOST: '127.0.0.1',
    BERTH_DATA_DIR: dataDir,
    BERTH_DATABASE_URL: databaseUrl(db),
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BERTH_LOG_LEVEL: 'silent',
    // Deploys go straight to prod unless a test is about approvals (those set it on).
    BERTH_PROD_APPROVAL: 'off',
  };
}

export async function startTestBerthd(
  options: { dialect?: DialectName; env?: Record<string, string>; berthd?: BerthdOptions } = {},
): Promise<TestBerthd> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
  const db: TestDatabase = await createTestDatabase(options.dialect ?? 'sqlite');
  const env: Record<string, string> = {
    ...berthdTestEnv(db, dataDir),
    BERTH_APPS_PORT: '0',
    // Port 0 in these URLs stands for the ports berthd gets (public-urls.ts).
    BERTH_PUBLIC_URL: 'http://127.0.0.1:0',
    BERTH_APPS_URL: 'http://127.0.0.1:0',
    BERTH_JOB_POLL: '50ms',
    // One process serves everything unless a test asks for gateway workers.
    BERTH_GATEWAY_WORKERS: '0',
    // No heal passes behind a test's back (deploy lists stay what the test made); heal.system.test.ts sets it.
    BERTH_HEAL_INTERVAL: '0',
    ...options.env,
  };
  // Swarm's builtin registry gets a port of its own (test files run side by side).
  if (env['BERTH_RUNTIME'] === 'swarm' && env['BERTH_REGISTRY'] === undefined) {
    env['BERTH_REGISTRY_ADDRESS'] ??= `127.0.0.1:${await freePort('127.0.0.1')}`;
  }
  let config: Config | undefined;
  let berthd: Berthd;
  try {
    config = loadConfig(env, dataDir);
    berthd = await startBerthd(config, { logger: silentLogger(), ...options.berthd });
  } catch (err) {
    // A berthd that did not start (a setting refused) leaves no database, data dir or nginx behind
    // (a failed start leaves its nginx serving, as a stop does).
    if (config !== undefined) await stopNginx(config.gateway.nginx.prefix).catch(() => false);
    await stopBuiltinRegistry(dataDir).catch(() => false);
    await db.drop().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = berthd.url;
  const cookieName = sessionCookieName(config.cookieSecure);

  async function api(method: string, p: string, o: ApiOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.cookie) headers['cookie'] = `${cookieName}=${o.cookie}`;
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) {
      body = o.rawBody;
      headers['content-type'] = o.contentType ?? 'application/json';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const res = await fetch(url + p, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed };
  }

  return {
    berthd,
    url,
    appsUrl: berthd.appsUrl,
    dataDir,
    cookieName,
    api,
    async login(username, password) {
      const res = await api('POST', '/api/v1/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      const token = sessionToken(res.headers, cookieName);
      if (!token) throw new Error(`login set no ${cookieName} cookie`);
      return token;
    },
    async stop() {
      // berthd's close leaves apps running (the next berthd adopts them): a test stops them itself
      // (unless the test closed berthd already).
      const instances = await berthd.runtime.list().catch(() => []);
      for (const instance of instances) await berthd.runtime.stop(instance.id, { graceMs: 2000 });
      await berthd.close();
      // With BERTH_GATEWAY=nginx, berthd's close leaves nginx serving: the data dir goes, so does it.
      await stopNginx(config.gateway.nginx.prefix);
      // With BERTH_RUNTIME=swarm, so does the registry berthd started, and the engine's trust in it.
      await stopBuiltinRegistry(dataDir);
      if (config.runtime.registry.kind === 'builtin') {
        fs.rmSync(path.join(DOCKER_CERTS_DIR, config.runtime.registry.address), {
          recursive: true,
          force: true,
        });
      }
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The session token a login response set (in cookie `name`), if any. */
export function sessionToken(headers: Headers, name: string): string | undefined {
  for (const header of headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq).trim() === name)
      return decodeURIComponent(pair!.slice(eq + 1).trim()) || undefined;
  }
  return undefined;
}

/** Logs in at `url` (a berthd's console) and returns the `Cookie` header its session cookie makes. */
export async function loginCookieHeader(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const [pair] = (res.headers.getSetCookie()[0] ?? '').split(';');
  if (res.status !== 200 || !pair) throw new Error(`login at ${url} failed: ${res.status}`);
  return pair;
}

/**
 * Creates users through the API as the admin whose session is `adminCookie`, logs each one in, and
 * returns their session tokens by username.
 */
export async function createUsers(
  t: TestBerthd,
  adminCookie: string,
  users: ReadonlyArray<readonly [username: string, role: Role]>,
  password: string,
): Promise<Record<string, string>> {
  const cookies: Record<string, string> = {};
  for (const [username, role] of users) {
    const res = await t.api('POST', '/api/v1/users', {
      cookie: adminCookie,
      body: { username, password, role },
    });
    if (res.status !== 201)
      throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    cookies[username] = await t.login(username, password);
  }
  return cookies;
}
