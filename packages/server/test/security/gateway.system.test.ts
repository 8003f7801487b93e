// Attacks on the gateway of a real berthd (running as root in CI, apps under their own users), each
// as issue 10 describes it, with the outcome that shows it fails:
//   - a static site's files and directories swapped for links to the secret key and /etc while the
//     gateway serves (item 1); dotfiles and the manifest of a static site (item 16);
//   - a second request smuggled behind an Upgrade that the app answers with 200 (item 9);
//   - forwarding headers and request ids forged by the client (item 19);
//   - the console's session cookie sent to an app, and an app setting it (platform cookies, item 2),
//     also in an informational (103) answer before its final one;
//   - connections that never finish their headers, and one address opening too many (item 18);
//   - behind gateway workers (one origin for apps and the API): a body over berthd's limit (item 13),
//     and endless log streams that used to exhaust the workers' pool to berthd (item 12).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, packFiles, startEngineFixture } from '../engine/support.ts';
import { getBytes, startSwapper, waitFor } from '../gateway/support.ts';
import { FORGED_HEADERS as FORGED, rawExchange } from './forged-headers.ts';

/** An app that echoes what it received, sets cookies (the platform's among them), logs each request,
 *  and has no WebSocket support: Node answers an Upgrade request like any other and keeps the
 *  connection open for the next one. */
const ECHO_APP = `
'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  // An informational answer before the final one, written raw: it plants the platform's cookie and
  // a request id of the app's choosing where no header filter of the final answer would look.
  if (req.url === '/early-hints') {
    res.socket.write('HTTP/1.1 103 Early Hints\\r\\nLink: </evil.js>; rel=preload\\r\\n' +
      'Set-Cookie: berth_token=planted; Path=/\\r\\nX-Request-Id: app-chosen-id\\r\\n\\r\\n');
  }
  console.log('seen ' + req.url + ' xff=' + req.headers['x-forwarded-for'] + ' real=' + req.headers['x-real-ip']);
  res.writeHead(200, {
    'content-type': 'application/json',
    'set-cookie': ['berth_token=planted; Path=/', '__Host-berth_session=planted; Path=/; Secure', 'app_pref=1; Path=/'],
  });
  res.end(JSON.stringify({ url: req.url, headers: req.headers }));
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const ECHO_YAML = [
  'runtime: node',
  'processes:',
  '  web: { command: node server.js, count: 1 }',
  'health: { path: /healthz, startTimeout: 20s }',
  '',
].join('\n');

describe('gateway attacks against berthd (apps on their own origin)', () => {
  let f: EngineFixture;
  let port: number;
  beforeAll(async () => {
    f = await startEngineFixture('sqlite', {
      BERTH_GATEWAY_HEADER_TIMEOUT: '1s',
      BERTH_GATEWAY_CONNECTIONS_PER_ADDRESS: '8',
    });
    port = f.t.berthd.appsPort;
    await f.createApp('sececho');
    await f.deploy('sececho', 'prod', await packFiles({ 'server.js': ECHO_APP, 'berth.yaml': ECHO_YAML }));
    await f.createApp('secsite');
    await f.deploy(
      'secsite',
      'prod',
      await packFiles({
        'index.html': '<p>site</p>',
        'small.txt': 'small-ok',
        'big.bin': 'b'.repeat(300 * 1024),
        'sub/page.txt': 'sub-ok',
        '.env': 'DB_PASSWORD=hunter2',
        '.git/config': '[remote "origin"] url = git@internal:secret.git',
        '.well-known/security.txt': 'Contact: mailto:security@example.com',
        'berth.yaml': 'runtime: static\nenv: { API_KEY: hunter2 }\n',
      }),
    );
  }, 240_000);
  afterAll(async () => f?.stop());

  it('never serves the secret key or /etc while files and directories of a static site are swapped for links', async () => {
    const route = f.t.berthd.engine.tables.current()!.table.routes.find((r) => r.id === 'o/secsite')!;
    const root = route.target.kind === 'static' ? route.target.site.root : '';
    const secretKey = fs.readFileSync(path.join(f.t.dataDir, 'secret.key'));
    expect((await getBytes(`${f.t.appsUrl}/o/secsite/big.bin`)).status).toBe(200);
    // As root here: a process of the app's user can do the same to a tree that user owns.
    const swapper = startSwapper(root, [
      ['small.txt', path.join(f.t.dataDir, 'secret.key')],
      ['big.bin', '/etc/shadow'],
      ['sub', f.t.dataDir],
    ]);
    let served = 0;
    try {
      await waitFor(() => swapper.swaps() > 10, 10_000);
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        for (const p of ['/small.txt', '/big.bin', '/sub/page.txt', '/sub/secret.key', '/sub/berth.db']) {
          const res = await getBytes(`${f.t.appsUrl}/o/secsite${p}`);
          expect(res.body.includes(secretKey), `${p} served the secret key`).toBe(false);
          expect(res.body.toString('latin1'), `${p} served /etc/shadow`).not.toMatch(/^root:/m);
          expect(res.body.includes('SQLite format'), `${p} served the store`).toBe(false);
          if (res.status === 200) served++;
        }
      }
    } finally {
      await swapper.stop();
    }
    expect(served).toBeGreaterThan(10);
    expect(swapper.swaps()).toBeGreaterThan(100);
  }, 60_000);

  it("does not serve a static site's dotfiles or manifest, but serves .well-known", async () => {
    for (const p of ['/.env', '/.git/config', '/berth.yaml', '/%2eenv']) {
      const res = await getBytes(`${f.t.appsUrl}/o/secsite${p}`);
      expect(res.status, p).toBe(404);
      expect(res.body.toString(), p).not.toContain('hunter2');
    }
    const wellKnown = await getBytes(`${f.t.appsUrl}/o/secsite/.well-known/security.txt`);
    expect(wellKnown.body.toString()).toContain('security@example.com');
  });

  it('lets no request smuggled behind an Upgrade reach the app', async () => {
    const upgrade =
      'GET /o/sececho/first HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const smuggled =
      'GET /smuggled HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n\r\n';
    const together = await rawExchange(port, async (socket) => {
      socket.write(upgrade + smuggled);
    });
    const later = await rawExchange(port, async (socket, received) => {
      socket.write(upgrade);
      await waitFor(() => received().includes('\r\n\r\n'));
      socket.write(smuggled);
    });
    for (const received of [together, later]) {
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).not.toContain('6.6.6.6');
      expect(received).not.toContain('/smuggled');
    }
    const logs = await f.api('GET', '/api/v1/apps/sececho/envs/prod/logs');
    const lines = (logs.body.lines as Array<{ line: string }>).map((l) => l.line);
    expect(lines.filter((l) => l.startsWith('seen /first'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('smuggled');
    expect(lines.join('\n')).not.toContain('6.6.6.6');
  });

  it('gives the app the address the gateway saw, never one the client forged', async () => {
    const res = await getBytes(`${f.t.appsUrl}/o/sececho/who`, { headers: FORGED });
    const seen = JSON.parse(res.body.toString()).headers;
    expect(seen).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `127.0.0.1:${port}`,
    });
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-forwarded-prefix']).toBe('/o/sececho');
    expect(seen.cookie).toBe('app_pref=1');
    expect(seen['x-request-id']).not.toBe('forged-request-id');
    expect(res.headers['x-request-id']).toBe(seen['x-request-id']);
  });

  it("keeps the console's session away from apps, and apps from setting it", async () => {
    const session = await f.t.login('admin', 'admin-test-password-1');
    const res = await getBytes(`${f.t.appsUrl}/o/sececho/cookies`, {
      headers: { cookie: `theme=dark; berth_token=${session}; __Host-berth_session=${session}; cart=%7B%7D` },
    });
    const seen = JSON.parse(res.body.toString()).headers;
    expect(seen.cookie).toBe('theme=dark; cart=%7B%7D');
    expect(res.body.toString()).not.toContain(session);
    expect(res.headers['set-cookie']).toEqual(['app_pref=1; Path=/']);
    // The session still works on the API.
    expect((await f.t.api('GET', '/api/v1/me', { cookie: session })).status).toBe(200);
  });

  it('passes on no informational answer of an app, so none can plant a platform cookie or a request id', async () => {
    const informational: http.IncomingHttpHeaders[] = [];
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(`${f.t.appsUrl}/o/sececho/early-hints`, resolve);
      req.on('information', (info: http.InformationEvent) => informational.push(info.headers));
      req.on('error', reject);
    });
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(informational).toEqual([]);
    expect(res.headers['set-cookie']).toEqual(['app_pref=1; Path=/']);
    expect(res.headers['x-request-id']).not.toBe('app-chosen-id');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('closes connections that never finish their headers, and caps the connections of one address', async () => {
    const started = Date.now();
    const slow = await rawExchange(port, async (socket) => {
      socket.write('GET /o/sececho/ HTTP/1.1\r\nHost: x\r\n');
    });
    expect(slow).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(8_000);

    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
        s.on('error', () => {});
        await new Promise((resolve) => s.once('connect', resolve));
        held.push(s);
      }
      const ninth = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      ninth.on('error', () => {});
      const closed = new Promise<void>((resolve) => ninth.once('close', () => resolve()));
      ninth.write('GET /o/sececho/ HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      // Everyone else is still served.
      expect((await getBytes(`${f.t.appsUrl}/o/sececho/`)).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
    }
  });
});

describe('gateway attacks against berthd behind gateway workers, apps and API on one origin (BERTH_SHARED_ORIGIN)', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    // Only with a shared origin does the API sit behind the workers' pool (by default it has a port
    // of its own); the pool must not run dry there either.
    f = await startEngineFixture('sqlite', {
      BERTH_GATEWAY_WORKERS: '1',
      BERTH_LOG_STREAMS_PER_USER: '70',
      BERTH_SHARED_ORIGIN: 'true',
    });
    await f.createApp('secstream');
  }, 240_000);
  afterAll(async () => f?.stop());

  it("answers a body over berthd's limit with berthd's 413, not a 502", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${f.t.url}/api/v1/apps`, {
        method: 'POST',
        headers: { cookie: `${f.t.cookieName}=${f.cookie}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'toolarge', name: 'x'.repeat(3 * 1024 * 1024) }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('keeps answering API calls while more log streams are open than a pool used to hold, and caps them per user', async () => {
    const streams: http.ClientRequest[] = [];
    const open = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.get(
          `${f.t.url}/api/v1/apps/secstream/envs/prod/logs?follow=true`,
          { agent: false, headers: { cookie: `${f.t.cookieName}=${f.cookie}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        streams.push(req);
      });
    try {
      const statuses = await Promise.all(Array.from({ length: 70 }, open));
      expect(statuses).toEqual(Array(70).fill(200));
      // The 71st of the same user is refused with a stable code.
      const refused = await fetch(`${f.t.url}/api/v1/apps/secstream/envs/prod/logs?follow=true`, {
        headers: { cookie: `${f.t.cookieName}=${f.cookie}` },
      });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LOG_STREAMS_LIMIT');
      // Other API calls are not held up by the streams (64 connections per worker used to be all).
      const apps = await fetch(`${f.t.url}/api/v1/apps`, {
        headers: { cookie: `${f.t.cookieName}=${f.cookie}` },
        signal: AbortSignal.timeout(10_000),
      });
      expect(apps.status).toBe(200);
    } finally {
      for (const req of streams) req.destroy();
    }
    // A closed stream frees its place.
    await waitFor(async () => {
      const again = await fetch(`${f.t.url}/api/v1/apps/secstream/envs/prod/logs?follow=true`, {
        headers: { cookie: `${f.t.cookieName}=${f.cookie}` },
      });
      await again.body?.cancel();
      return again.status === 200;
    }, 20_000);
  }, 120_000);
});
