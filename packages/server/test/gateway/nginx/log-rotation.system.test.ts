// The nginx driver rotates the logs nginx writes in its prefix, with real nginx: the access log
// never grows far past its limit, only `keep` rotated ones stay, nginx goes on writing to the new
// live file, and the per-app counters count every request across the rotations (each log is read
// up to its rotation, and a renamed one to its end).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDriver } from '../../../src/gateway/driver.ts';
import { startUpstream, type TestUpstream, waitFor } from '../support.ts';
import { nginxDriver, nginxUnavailable } from './nginx-support.ts';
import { shopTable } from './tables.ts';

const unavailable = nginxUnavailable('the nginx log rotation system test');

/** A keep-alive agent: the requests are many, each a line of about 250 bytes. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(unavailable !== null)('nginx driver: log rotation', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let driver: GatewayDriver;
  let port: number;
  let logs: string;
  let upstream: TestUpstream;
  const maxBytes = 16 * 1024;

  beforeAll(async () => {
    upstream = await startUpstream('shop');
    cleanup.push(() => upstream.close());
    const n = await nginxDriver(cleanup, {
      logRotation: { maxBytes, keep: 2 },
      superviseIntervalMs: 50,
    });
    driver = n.driver;
    port = n.port;
    logs = path.join(n.prefix, 'logs');
    await driver.start(shopTable([upstream.spec()]), 1);
  });

  afterAll(async () => {
    agent.destroy();
    for (const fn of cleanup.reverse()) await fn();
  });

  const shopRequests = async () =>
    (await driver.metrics()).routes.find((r) => r.app === 'shop' && r.env === 'prod')?.requests ?? 0;

  it('keeps the access log near its limit and counts every request across rotations', async () => {
    const total = 600;
    for (let sent = 0; sent < total; sent += 20) {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => get(port, `/o/shop/item/${sent + i}?q=${'x'.repeat(40)}`)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      // Gives nginx's one-second log flush and the driver's 50 ms check room to rotate in between.
      if (sent % 100 === 80) await new Promise((resolve) => setTimeout(resolve, 1_200));
    }
    // Every line reaches the log within nginx's flush time; counting holds across the rotations.
    await waitFor(async () => (await shopRequests()) >= total, 20_000);
    expect(await shopRequests()).toBe(total);

    const names = fs.readdirSync(logs).sort();
    expect(names).toContain('access.json.1');
    expect(names).toContain('access.json.2');
    expect(names.filter((n) => n.startsWith('access.json'))).toHaveLength(3);
    // Each file holds what nginx buffered since the last rotation: one 64 KiB buffer at most past
    // the limit, never the whole run's 150 KB.
    for (const name of names.filter((n) => n.startsWith('access.json'))) {
      expect(fs.statSync(path.join(logs, name)).size).toBeLessThan(maxBytes + 64 * 1024);
    }
    const rotated = fs.readFileSync(path.join(logs, 'access.json.1'), 'utf8').trim().split('\n');
    expect(rotated.length).toBeGreaterThan(10);
    for (const line of rotated) expect(JSON.parse(line)).toMatchObject({ app: 'shop', env: 'prod' });
  });

  it('has nginx write to the new live log after a rotation', async () => {
    const live = path.join(logs, 'access.json');
    await waitFor(() => fs.existsSync(live), 5_000);
    const before = await shopRequests();
    // (A worker that had not reopened yet would write to the old file: requests go on until one
    // reaches the new file; every one is counted either way.)
    let sent = 0;
    await waitFor(async () => {
      if (fs.readFileSync(live, 'utf8').includes('/o/shop/after-rotation')) return true;
      expect(await get(port, `/o/shop/after-rotation-${sent++}`)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return false;
    }, 15_000);
    await waitFor(async () => (await shopRequests()) === before + sent, 10_000);
  });
});
