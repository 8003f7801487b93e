// A berthd of its own process (fixtures/berthd.ts) for the kill -9 tests, with the calls they make:
// the API with an admin session, uploads to one app's stag, waiting for deploys and for the app.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { stopNginx } from '../../src/gateway/nginx/index.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { type Fixture, startFixture } from '../jobs/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ADMIN_PASSWORD, berthdTestEnv, loginCookieHeader } from '../support/harness.ts';
import { json } from './support.ts';

const FIXTURE = '../../engine/fixtures/berthd.ts';

export interface Killable {
  p: Fixture;
  url: string;
  /** Where its gateway serves the apps. */
  appsUrl: string;
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  api(method: string, p: string, body?: unknown): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  upload(pkg: Buffer): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  waitFor(id: string, statuses: string[], timeoutMs?: number): Promise<any>;
  get(p: string): Promise<{ status: number; text: string }>;
  /** Waits until the app answers 200 at /t/{app}/ and returns the body. */
  serves(timeoutMs?: number): Promise<string>;
}

/** Starts berthd with `env` (tracked in `running`, for the caller's clean-up); `app` is the app the
 *  upload and serve helpers use. */
export async function startKillable(
  env: Record<string, string>,
  app: string,
  running: Fixture[],
): Promise<Killable> {
  const p = startFixture(FIXTURE, env);
  running.push(p);
  const [url, appsUrl] = (await p.line('ready ', 60_000)).slice('ready '.length).trim().split(' ');
  const cookie = await loginCookieHeader(url!, 'admin', ADMIN_PASSWORD);
  const api: Killable['api'] = async (method, p2, body) => {
    const res = await fetch(url + p2, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return json(res);
  };
  const upload: Killable['upload'] = async (pkg) => {
    const res = await fetch(`${url}/api/v1/apps/${app}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/gzip' },
      body: pkg,
    });
    return (await json(res)).deploy;
  };
  const waitFor: Killable['waitFor'] = async (id, statuses, timeoutMs = 90_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const deploy = (await api('GET', `/api/v1/deploys/${id}`)).deploy;
      if (statuses.includes(deploy.status)) return deploy;
      if (Date.now() > until) throw new Error(`deploy ${id} is ${deploy.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const get: Killable['get'] = async (p2) => {
    const res = await fetch(appsUrl + p2);
    return { status: res.status, text: await res.text() };
  };
  const serves: Killable['serves'] = async (timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await get(`/t/${app}/`).catch((err: Error) => ({
        status: 0,
        text: String(err.cause ?? err),
      }));
      if (res.status === 200) return res.text;
      if (Date.now() > until) {
        throw new Error(
          `the app does not serve: ${res.status} ${res.text}\nberthd said:\n${p.output().slice(-3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { p, url: url!, appsUrl: appsUrl!, api, upload, waitFor, get, serves };
}

/** SIGKILLs every berthd of `running` that has not exited yet (a test's clean-up). */
export function killLeft(running: Fixture[]): void {
  for (const p of running)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

/**
 * A kill -9 test's surroundings: its own database and data dir, and the berthd processes it started,
 * all removed after the describe block. `env(extra)` makes the settings for `startKillable` (long
 * leases, so a deploy taken over within a test was taken over at once, not for an expired lease).
 */
export function killableSurroundings(dialect: DialectName, prefix: string) {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  const running: Fixture[] = [];
  afterAll(async () => {
    killLeft(running);
    // BERTH_GATEWAY=nginx: the killed berthd's nginx goes on serving until stopped.
    if (dataDir) await stopNginx(path.join(dataDir, 'nginx'));
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    running,
    async env(extra: Record<string, string> = {}): Promise<Record<string, string>> {
      db = await createTestDatabase(dialect);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      return {
        ...berthdTestEnv(db, dataDir),
        BERTH_JOB_POLL: '100ms',
        BERTH_JOB_LEASE: '5m',
        BERTH_DRAIN: '200ms',
        ...extra,
      };
    },
  };
}
