// Helpers of the engine suites: a real berthd (harness), packages made with the `tar` package from
// the examples or from files written on the fly, and waiting for deploys.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { expect } from 'vitest';
import type { BerthdOptions } from '../../src/berthd.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

export const EXAMPLES = path.join(import.meta.dirname, '../../../../examples');

export interface EngineFixture {
  t: TestBerthd;
  cookie: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  createApp(code: string): Promise<void>;
  /** Uploads a package; resolves with the created deploy (202). */
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  upload(code: string, env: string, pkg: Buffer, description?: string): Promise<any>;
  /** Waits until the deploy has finished and returns it. */
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  waitDeploy(id: string, timeoutMs?: number): Promise<any>;
  /** Uploads and waits (`timeoutMs`, default 2 minutes); fails the test unless the deploy succeeded. */
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  deploy(code: string, env: string, pkg: Buffer, timeoutMs?: number): Promise<any>;
  /** GET from the apps origin (the gateway), e.g. `/t/hello/`. */
  get(p: string): Promise<{ status: number; text: string }>;
  logsOf(id: string): Promise<string>;
  stop(): Promise<void>;
}

export const TEST_ENV: Record<string, string> = {
  BERTH_DRAIN: '300ms',
  BERTH_JOB_WORKERS: '4',
};

export async function startEngineFixture(
  dialect: DialectName = 'sqlite',
  env: Record<string, string> = {},
  berthd?: BerthdOptions,
): Promise<EngineFixture> {
  const t = await startTestBerthd({ dialect, env: { ...TEST_ENV, ...env }, ...(berthd ? { berthd } : {}) });
  const cookie = await t.login('admin', ADMIN_PASSWORD);
  const fixture: EngineFixture = {
    t,
    cookie,
    async api(method, p, body) {
      const res = await t.api(method, p, { cookie, ...(body === undefined ? {} : { body }) });
      return { status: res.status, body: res.body };
    },
    async createApp(code) {
      const res = await fixture.api('POST', '/api/v1/apps', { code, name: code });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    },
    async upload(code, env, pkg, description) {
      const q = description ? `?description=${encodeURIComponent(description)}` : '';
      const res = await fetch(`${t.url}/api/v1/apps/${code}/envs/${env}/deploys${q}`, {
        method: 'POST',
        headers: { cookie: `${t.cookieName}=${cookie}`, 'content-type': 'application/gzip' },
        body: pkg,
      });
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).toBe(202);
      return body.deploy;
    },
    async waitDeploy(id, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const res = await fixture.api('GET', `/api/v1/deploys/${id}`);
        const deploy = res.body.deploy;
        if (['succeeded', 'failed', 'cancelled'].includes(deploy.status)) return deploy;
        if (Date.now() > until) throw new Error(`deploy ${id} still ${deploy.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async deploy(code, env, pkg, timeoutMs) {
      const created = await fixture.upload(code, env, pkg);
      const done = await fixture.waitDeploy(created.id, timeoutMs);
      if (done.status !== 'succeeded') {
        throw new Error(
          `deploy ${done.status}: ${JSON.stringify(done.error)}\n${await fixture.logsOf(done.id)}`,
        );
      }
      return done;
    },
    async get(p) {
      const res = await fetch(t.appsUrl + p);
      return { status: res.status, text: await res.text() };
    },
    async logsOf(id) {
      const res = await fixture.api('GET', `/api/v1/deploys/${id}/logs?limit=5000`);
      return (res.body.lines as Array<{ line: string }>).map((l) => l.line).join('\n');
    },
    async stop() {
      await stopApps(t);
      await t.stop();
    },
  };
  return fixture;
}

/** Stops every instance (berthd's close leaves apps running on purpose). */
export async function stopApps(t: TestBerthd): Promise<void> {
  const all = await t.berthd.runtime.list();
  await Promise.all(all.map((i) => t.berthd.runtime.stop(i.id, { graceMs: 1000 })));
}

/** A .tar.gz of a directory. */
export async function packDir(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, cwd: dir, portable: true }, fs.readdirSync(dir));
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A .tar.gz of the given files (path -> content). */
export async function packFiles(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pkg-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
    }
    return await packDir(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A berth.yaml for one `web` process, `node server.js`, with a health check. */
export function nodeBerthYaml(options: {
  count: number;
  healthPath: string;
  startTimeout?: string;
  env?: Record<string, string>;
}): string {
  const lines = [
    'runtime: node',
    'processes:',
    '  web:',
    '    command: node server.js',
    `    count: ${options.count}`,
    'health:',
    `  path: ${options.healthPath}`,
  ];
  if (options.startTimeout) lines.push(`  startTimeout: ${options.startTimeout}`);
  if (options.env) lines.push('env:', ...Object.entries(options.env).map(([k, v]) => `  ${k}: ${v}`));
  return [...lines, ''].join('\n');
}

/** A tiny Node app without dependencies: `/` answers `${VERSION_TEXT} ${BERTH_RELEASE}`. */
export function tinyApp(
  options: { text?: string; berthYaml?: string | null; extra?: Record<string, string | Buffer> } = {},
) {
  return packFiles(tinyFiles(options));
}

/** The files of `tinyApp`; `berthYaml: null` leaves berth.yaml out. */
export function tinyFiles(
  options: { text?: string; berthYaml?: string | null; extra?: Record<string, string | Buffer> } = {},
): Record<string, string | Buffer> {
  const yaml =
    options.berthYaml === undefined
      ? nodeBerthYaml({
          count: 2,
          healthPath: '/healthz',
          startTimeout: '20s',
          env: { TEXT: options.text ?? 'hello' },
        })
      : options.berthYaml;
  return {
    'package.json': JSON.stringify({ name: 'tiny', version: '1.0.0', private: true }),
    'server.js': TINY_SERVER,
    ...(yaml === null ? {} : { 'berth.yaml': yaml }),
    ...options.extra,
  };
}

const TINY_SERVER = `
'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    if (process.env.UNHEALTHY) { res.statusCode = 500; return res.end('sick'); }
    return res.end('ok');
  }
  if (req.url.startsWith('/env/')) return res.end(String(process.env[req.url.slice(5)] ?? ''));
  console.log('request ' + req.url);
  res.end(process.env.TEXT + ' v' + process.env.BERTH_RELEASE);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A response's JSON body, for tests that inspect it freely. */
// biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
export async function json(res: Response): Promise<any> {
  return res.json();
}

export interface LoadResult {
  /** Answers that were 200 with a body matching the pattern. */
  ok: number;
  /** Everything else: status and body, or the error. */
  failures: string[];
  /** The distinct good bodies seen. */
  seen: Set<string>;
  /** Requests sent once more because their reused keep-alive connection closed before any answer
   *  (what HTTP clients do, RFC 9112 9.3.1; nginx's old workers close idle connections at a reload). */
  resent: number;
}

/** A GET failed before any answer; `reused`: it went out on a reused keep-alive connection. */
class NoAnswerError extends Error {
  constructor(
    message: string,
    readonly reused: boolean,
  ) {
    super(message);
  }
}

function getOnce(url: string, agent: http.Agent | false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.get(url, { agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(answered ? err : new NoAnswerError(err.message, req.reusedSocket)));
  });
}

/**
 * Keep-alive clients requesting `url` in a loop until `stop()`: every answer must be 200 with a
 * body matching `good`. Used to prove deploys and rollbacks drop no request. Like real HTTP clients,
 * a GET that failed on a reused keep-alive connection before any answer is sent once more on a new
 * connection (counted in `resent`); any other failure is one.
 */
export function steadyLoad(url: string, good: RegExp, clients = 4): { stop(): Promise<LoadResult> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients, keepAliveMsecs: 30_000 });
  const result: LoadResult = { ok: 0, failures: [], seen: new Set(), resent: 0 };
  let running = true;
  const get = async () => {
    try {
      return await getOnce(url, agent);
    } catch (err) {
      if (!(err instanceof NoAnswerError) || !err.reused) throw err;
      result.resent++;
      return getOnce(url, false);
    }
  };
  const client = async () => {
    while (running) {
      try {
        const res = await get();
        if (res.status === 200 && good.test(res.text)) {
          result.ok++;
          result.seen.add(res.text);
        } else result.failures.push(`${res.status} ${res.text.slice(0, 100)}`);
      } catch (err) {
        result.failures.push((err as Error).message);
      }
    }
  };
  const loops = Array.from({ length: clients }, client);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return result;
    },
  };
}
