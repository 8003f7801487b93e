// Real loopback pieces for the gateway tests: upstream HTTP servers that report what they saw, a
// gateway on its own http.Server, and a small HTTP client that can set any header (Host included).
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildGatewayTable, type EnvServing } from '../../src/engine/gateway-table.ts';
import {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type GatewayTable,
} from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestUpstream {
  name: string;
  port: number;
  server: http.Server;
  seen: SeenRequest[];
  spec(id?: string): { id: string; host: string; port: number };
  close(): Promise<void>;
}

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, name: string) => void;

/** Answers every request with JSON `{ upstream, method, url, headers }` unless given a handler. */
export async function startUpstream(name: string, handler?: UpstreamHandler): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (handler) {
      handler(req, res, name);
      return;
    }
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    server,
    seen,
    spec: (id = name) => ({ id, host: '127.0.0.1', port }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface TestGateway {
  gateway: Gateway;
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const gateway = createGateway({ logger: silentLogger(), ...options });
  const server = http.createServer(gateway.handleRequest);
  server.on('upgrade', gateway.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    gateway,
    server,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gateway.close();
    },
  };
}

/** An upstream `name` serving app `app` in prod behind a fresh gateway; `cleanup` gets what closes
 *  both (run it in reverse order). */
export async function gatewayWithApp(
  cleanup: Array<() => Promise<void> | void>,
  app: string,
  handler?: UpstreamHandler,
  options: Partial<GatewayOptions> = {},
): Promise<{ g: TestGateway; a: TestUpstream }> {
  const a = await startUpstream(app, handler);
  const g = await startGateway(options);
  cleanup.push(
    () => a.close(),
    () => g.close(),
  );
  g.gateway.applyTable(tableOf({ routes: [route(app, 'prod', [a])] }));
  return { g, a };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  json(): any;
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function send(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: http.Agent | false;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? keepAliveAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString()),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function route(app: string, env: 'prod' | 'stag', upstreams: TestUpstream[]): EnvServing {
  return { app, env, upstreams: upstreams.map((u) => u.spec()) };
}

/** The gateway table the control plane makes for these app environments (`/o/`, `/t/` and, with
 *  a base domain, per-app hosts): the engine's own pure builder. */
export function tableOf(input: {
  baseDomain?: string;
  routes: EnvServing[];
  /** berthd's API (BERTH_SHARED_ORIGIN): a catch-all platform route. */
  platform?: { host: string; port: number };
  /** berthd's API, for the API gateway's route (`/api/c/`, policy `apigw`). */
  apigw?: { host: string; port: number };
}): GatewayTable {
  return buildGatewayTable({
    envs: input.routes,
    appsDomain: input.baseDomain,
    platform: input.platform,
    apigw: input.apigw,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** A GET on its own connection (or `agent`'s), with the whole body as bytes. */
export function getBytes(
  url: string,
  options: { agent?: http.Agent | false; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: options.agent ?? false, headers: options.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Another process that swaps, in a loop, entries of `root` (files or directories) for symbolic links
 * to other paths and back, as a process of an app's user could in a tree it owns; `swaps()` counts
 * the swaps made so far.
 */
export function startSwapper(
  root: string,
  targets: Array<[name: string, linkTarget: string]>,
): { swaps(): number; stop(): Promise<void> } {
  const script = `
    const fs = require('node:fs');
    const path = require('node:path');
    const [root, json] = process.argv.slice(1);
    const targets = JSON.parse(json);
    let swaps = 0;
    let running = true;
    process.on('SIGTERM', () => { running = false; });
    (function loop() {
      for (let i = 0; i < 20 && running; i++) {
        for (const [name, target] of targets) {
          const real = path.join(root, name);
          fs.renameSync(real, real + '.held');
          fs.symlinkSync(target, real);
          fs.unlinkSync(real);
          fs.renameSync(real + '.held', real);
          swaps++;
        }
      }
      process.stdout.write(swaps + '\\n');
      if (running) setImmediate(loop); else process.exit(0);
    })();
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', script, root, JSON.stringify(targets)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let count = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    const last = chunk.toString().trim().split('\n').at(-1);
    if (last) count = Number(last);
  });
  return {
    swaps: () => count,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
