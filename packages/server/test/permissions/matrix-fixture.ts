// The world the permission matrix calls routes in: a real berthd with prod approval on, a user per
// caller, and an app (`matrix`) with two stag releases and one prod release of a tiny Node app, a
// finished deploy in each environment, and a secret config var. Destructive calls get fresh things
// of their own (an app, a user, a pending request, a queued job) from the helpers here.
import type { EnvName, Role } from '@berth/sdk';
import { expect } from 'vitest';
import type { DialectName } from '../../src/store/dialect.ts';
import { type EngineFixture, nodeBerthYaml, startEngineFixture, tinyApp } from '../engine/support.ts';
import { ADMIN_PASSWORD } from '../support/harness.ts';
import { type Caller, MATRIX_APPROVAL } from './route-rules.ts';

export const PASSWORD = 'matrix-password-1';
const DAY_MS = 86_400_000;
/** A job kind no worker handles: such a job waits queued until it is cancelled. */
const HELD_JOB_KIND = 'matrix.hold';

/** The users the callers are (the anonymous caller sends no credential). */
export const USERNAMES: Record<Exclude<Caller, 'anonymous'>, string> = {
  admin: 'admin',
  operator: 'op',
  member: 'dev',
  outsider: 'outsider',
  auditor: 'aud',
};
/** A second member, who files the requests others decide. */
export const REQUESTER = 'dev2';
/** A developer whom user-management calls change. */
export const TARGET = 'target';

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** A package upload instead of JSON. */
  pkg?: Buffer;
  headers?: Record<string, string>;
  /** The session to send instead of the caller's usual one (null: none). */
  cookie?: string | null;
  /** An API token to send instead of the caller's session. */
  token?: string;
}

export interface CallResult {
  status: number;
  /** The error code of an error answer. */
  code?: string;
  /** The Location of a redirect. */
  location?: string;
  text: string;
}

export interface MatrixFixture {
  f: EngineFixture;
  /** The app the calls are about. */
  code: string;
  /** Its secret (for the app credentials of POST /api/v1/auth/app-user). */
  secret: string;
  /** A tiny app's package, for uploads. */
  pkg: Buffer;
  /** A finished deploy of each environment of the app, and the job of the stag one. */
  deploys: Record<EnvName, string>;
  jobId: string;
  send(who: Caller | string, call: Call): Promise<CallResult>;
  /** Calls as a named user and fails unless the answer is 2xx or 3xx; returns the JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  ok(who: Caller | string, call: Call): Promise<any>;
  usernameOf(who: Caller): string | undefined;
  unique(prefix: string): string;
  /** A new user with a session. */
  freshUser(role: Role): Promise<{ username: string; cookie: string }>;
  /** A developer no call uses but to delete: the same one until a call deleted it. */
  spareUser(): Promise<string>;
  /** A new app with the member as a member (the outsider stays outside). */
  freshApp(): Promise<string>;
  /** A request filed (by the requester unless told) that waits a day before it may start. */
  heldRequest(env: EnvName, by?: Caller | string): Promise<string>;
  /** A held request the operator approved: waiting for its window, cancellable. */
  approvedRequest(env: EnvName): Promise<string>;
  /** A job of the app (or of no app: null) that waits queued. */
  heldJob(app: string | null): Promise<string>;
  stop(): Promise<void>;
}

export async function startMatrixFixture(dialect: DialectName): Promise<MatrixFixture> {
  const f = await startEngineFixture(dialect, {
    BERTH_PROD_APPROVAL: MATRIX_APPROVAL.prod ? 'on' : 'off',
    // The matrix's deploys and config changes make many releases: v1 must stay to roll back to.
    BERTH_KEEP_RELEASES: '100',
  });
  const code = 'matrix';
  const cookies = new Map<string, string>([['admin', f.cookie]]);
  let serial = 0;
  let spare: string | undefined;

  const cookieOf = (who: string): string | undefined =>
    cookies.get(USERNAMES[who as Exclude<Caller, 'anonymous'>] ?? who);

  async function send(who: Caller | string, call: Call): Promise<CallResult> {
    const cookie = call.cookie === undefined ? cookieOf(who) : (call.cookie ?? undefined);
    const headers: Record<string, string> = { ...call.headers };
    if (call.token) headers['authorization'] = `Bearer ${call.token}`;
    else if (cookie) headers['cookie'] = `${f.t.cookieName}=${cookie}`;
    let body: string | Buffer | undefined;
    if (call.pkg) {
      body = call.pkg;
      headers['content-type'] = 'application/gzip';
    } else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(f.t.url + call.path, { method: call.method, headers, body, redirect: 'manual' });
    const text = await res.text();
    const result: CallResult = { status: res.status, text };
    const location = res.headers.get('location');
    if (location) result.location = location;
    if (res.status >= 400 && (res.headers.get('content-type') ?? '').startsWith('application/json')) {
      result.code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    }
    return result;
  }

  async function ok(who: Caller | string, call: Call) {
    const res = await send(who, call);
    expect(res.status, `${call.method} ${call.path} as ${who}: ${res.text}`).toBeLessThan(400);
    return res.text ? JSON.parse(res.text) : undefined;
  }

  const unique = (prefix: string) => `${prefix}${++serial}`;

  async function createUser(username: string, role: Role): Promise<void> {
    await ok('admin', {
      method: 'POST',
      path: '/api/v1/users',
      body: { username, password: PASSWORD, role },
    });
  }

  async function login(username: string, password = username === 'admin' ? ADMIN_PASSWORD : PASSWORD) {
    return f.t.login(username, password);
  }

  const envPath = (env: EnvName) => `/api/v1/apps/${code}/envs/${env}`;

  async function heldRequest(env: EnvName, by: Caller | string = REQUESTER): Promise<string> {
    // stag takes no promotion: a rollback to v1 there, a promotion of stag's current release to prod.
    const kind = env === 'prod' ? { kind: 'promote' } : { kind: 'rollback', version: 1 };
    const body = { ...kind, notBefore: Date.now() + DAY_MS };
    return (await ok(by, { method: 'POST', path: `${envPath(env)}/requests`, body })).deploy.id;
  }

  for (const [username, role] of [
    ['op', 'operator'],
    ['dev', 'developer'],
    ['outsider', 'developer'],
    ['aud', 'auditor'],
    [REQUESTER, 'developer'],
    [TARGET, 'developer'],
  ] as const) {
    await createUser(username, role);
    if (username !== TARGET) cookies.set(username, await login(username));
  }
  await f.createApp(code);
  for (const username of ['dev', REQUESTER]) {
    await ok('admin', { method: 'POST', path: `/api/v1/apps/${code}/members`, body: { username } });
  }
  for (const env of ['stag', 'prod'] as const) {
    await ok('admin', {
      method: 'PATCH',
      path: `${envPath(env)}/config`,
      body: { set: [{ name: 'MATRIX_SECRET', value: 'hush', secret: true }] },
    });
  }
  const pkg = await tinyApp({
    berthYaml: nodeBerthYaml({ count: 1, healthPath: '/healthz', startTimeout: '20s' }),
  });
  await f.deploy(code, 'stag', pkg);
  const stag = await f.deploy(code, 'stag', pkg);
  // prod only through a request: the requester asks, the operator approves.
  const promotion = await ok(REQUESTER, {
    method: 'POST',
    path: `${envPath('prod')}/requests`,
    body: { kind: 'promote' },
  });
  await ok('operator', { method: 'POST', path: `/api/v1/requests/${promotion.deploy.id}/approve`, body: {} });
  const prod = await f.waitDeploy(promotion.deploy.id);
  expect(prod.status).toBe('succeeded');
  const secret = (await ok('admin', { method: 'GET', path: `/api/v1/apps/${code}/secret` })).secret;

  return {
    f,
    code,
    secret,
    pkg,
    deploys: { stag: stag.id, prod: prod.id },
    jobId: stag.jobId,
    send,
    ok,
    usernameOf: (who) => (who === 'anonymous' ? undefined : USERNAMES[who]),
    unique,
    async freshUser(role) {
      const username = unique(`fresh-${role}-`);
      await createUser(username, role);
      return { username, cookie: await login(username) };
    },
    async spareUser() {
      if (
        spare === undefined ||
        (await send('admin', { method: 'GET', path: `/api/v1/users/${spare}` })).status === 404
      ) {
        spare = unique('spare-');
        await createUser(spare, 'developer');
      }
      return spare;
    },
    async freshApp() {
      const fresh = unique('matrix-app-');
      await f.createApp(fresh);
      await ok('admin', { method: 'POST', path: `/api/v1/apps/${fresh}/members`, body: { username: 'dev' } });
      return fresh;
    },
    heldRequest,
    async approvedRequest(env) {
      const id = await heldRequest(env);
      await ok('operator', { method: 'POST', path: `/api/v1/requests/${id}/approve`, body: {} });
      return id;
    },
    async heldJob(app) {
      return (await f.t.berthd.jobs.enqueue(HELD_JOB_KIND, {}, { appCode: app })).id;
    },
    stop: () => f.stop(),
  };
}
