// A hosted developer against the nginx driver's access log, which berthd reads for the per-app
// traffic counters (`GET /api/v1/apps/{code}/traffic`, `/api/v1/metrics`) and rotates by renaming
// in its own prefix:
// - requests to their own app whose URI, request id and headers carry JSON meant to close the log
//   line's field and start another app's (quotes, backslashes, encoded and raw control bytes, bytes
//   above 0x7f): every line stays one JSON object naming the route that served it, and no request
//   is counted for the rival app or lost;
// - an app user (not root) planting a symlink among the logs, so that root's next rotation would
//   write through it: the logs directory refuses them, and a link placed there anyway (as if the
//   attacker had got in) is moved or removed by the rotation, never written through.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDriver } from '../../src/gateway/driver.ts';
import { rotateLog } from '../../src/gateway/nginx/log-rotation.ts';
import type { GatewayRoute } from '../../src/gateway/route-model.ts';
import { nginxDriver, nginxUnavailable } from '../gateway/nginx/nginx-support.ts';
import { table } from '../gateway/nginx/tables.ts';
import { startUpstream, type TestUpstream, waitFor } from '../gateway/support.ts';
import { rawExchange } from './forged-headers.ts';

const unavailable = nginxUnavailable('the nginx access log attacks');
const NOBODY = 65534;

describe.skipIf(unavailable !== null)('nginx driver: the access log against a hosted developer', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let driver: GatewayDriver;
  let port: number;
  let logs: string;
  let shop: TestUpstream;
  let rival: TestUpstream;

  beforeAll(async () => {
    shop = await startUpstream('shop');
    rival = await startUpstream('rival');
    cleanup.push(
      () => shop.close(),
      () => rival.close(),
    );
    const n = await nginxDriver(cleanup, { superviseIntervalMs: 50 });
    driver = n.driver;
    port = n.port;
    logs = path.join(n.prefix, 'logs');
    const proxy = (code: string, upstream: TestUpstream): GatewayRoute => ({
      id: `o/${code}`,
      match: { pathPrefix: `/o/${code}/` },
      target: { kind: 'proxy', upstreams: [upstream.spec()], stripPrefix: true },
      app: { code, env: 'prod' },
    });
    await driver.start(table([proxy('shop', shop), proxy('rival', rival)]), 1);
  }, 60_000);

  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('counts forged log fields for the app that served them, never for another app', async () => {
    const forged = '","route":"o/rival","app":"rival","env":"prod","status":200,"x":"';
    const targets = [
      `/o/shop/${forged}`,
      `/o/shop/${encodeURIComponent(forged)}`,
      `/o/shop/a\\"}\\n{"app":"rival","env":"prod"}`,
      '/o/shop/%0a%0d{"app":"rival","env":"prod","status":200}',
      `/o/shop/${'\u00ff\u00fe'}?q=${forged}`,
    ];
    const statuses: number[] = [];
    for (const target of targets) {
      const head = Buffer.from(
        `GET ${target} HTTP/1.1\r\nHost: rival.example\r\nX-Request-Id: x"},{"app":"rival\r\n` +
          `User-Agent: ${forged}\r\nConnection: close\r\n\r\n`,
        'latin1',
      );
      // Written whole and left open: nginx takes a half-closed client for one gone (499).
      const received = await rawExchange(port, async (socket) => {
        socket.write(head);
      });
      statuses.push(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0));
    }
    // nginx routes all five to the shop's app. The last one's raw bytes above 0x7f are the app's
    // to refuse (the test app's HTTP parser answers 400); it was served by the shop all the same.
    expect(statuses).toEqual([200, 200, 200, 200, 400]);
    expect(rival.seen.length).toBe(0);

    const metrics = async () => {
      const m = await driver.metrics();
      const of = (app: string) => m.routes.find((r) => r.app === app)?.requests ?? 0;
      return { shop: of('shop'), rival: of('rival'), unrouted: m.unrouted.requests };
    };
    await waitFor(async () => (await metrics()).shop >= targets.length, 10_000);
    expect(await metrics()).toEqual({ shop: targets.length, rival: 0, unrouted: 0 });
    // Every line is one JSON object; none names the rival app.
    const lines = fs.readFileSync(path.join(logs, 'access.json'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(targets.length);
    for (const line of lines) {
      const entry = JSON.parse(line) as { app: string; route: string };
      expect(entry.app).toBe('shop');
      expect(entry.route).toBe('o/shop');
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'refuses an app user a link among the logs, and never rotates through one placed there',
    async () => {
      const victim = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-victim-')), 'secret');
      cleanup.push(() => fs.rmSync(path.dirname(victim), { recursive: true, force: true }));
      fs.writeFileSync(victim, 'root only\n', { mode: 0o600 });
      const live = path.join(logs, 'access.json');

      // The directory is root's and not writable by others: the link cannot be made.
      const made = spawnSync('ln', ['-s', victim, `${live}.2`], { uid: NOBODY, gid: NOBODY });
      expect(made.error).toBeUndefined();
      expect(made.status).not.toBe(0);
      expect(made.stderr.toString()).toContain('Permission denied');
      expect(fs.existsSync(`${live}.2`)).toBe(false);

      // Placed anyway (as root, standing in for an attacker who got there): each rotated name and
      // the live one a link to the victim. The rotation moves and removes links, not their targets.
      const rotated = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rotate-')), 'access.json');
      cleanup.push(() => fs.rmSync(path.dirname(rotated), { recursive: true, force: true }));
      for (const name of [rotated, `${rotated}.1`, `${rotated}.2`]) fs.symlinkSync(victim, name);
      rotateLog(rotated, { maxBytes: 1, keep: 2 });
      rotateLog(rotated, { maxBytes: 1, keep: 2 });
      expect(fs.readFileSync(victim, 'utf8')).toBe('root only\n');
      expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
      expect(fs.existsSync(rotated)).toBe(false);
      for (const name of [`${rotated}.1`, `${rotated}.2`]) {
        if (fs.existsSync(name)) expect(fs.lstatSync(name).isSymbolicLink()).toBe(true);
      }
    },
  );
});
