// GET /api/v1/platform/status: what berthd runs on and with, its job queue and the data directory's
// disk use; for admins, operators and auditors only. The disk use is measured by walking the data
// directory without following links (a file with several links once), in the background at most
// once a minute.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthClient } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permanentFailure } from '../src/jobs/index.ts';
import { silentLogger } from '../src/logger.ts';
import { createDataDirMeter, walkedBytes } from '../src/platform/data-dir-usage.ts';
import { VERSION } from '../src/version.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from './support/harness.ts';

const PW = 'status-password-1';
const MiB = 1024 * 1024;

describe('GET /api/v1/platform/status', () => {
  let t: TestBerthd;
  let admin: string;

  beforeAll(async () => {
    t = await startTestBerthd({
      berthd: {
        jobHandlers: {
          'test.status-fails': async () => {
            throw permanentFailure('failing on purpose');
          },
        },
      },
    });
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const role of ['operator', 'auditor', 'developer']) {
      const res = await t.api('POST', '/api/v1/users', {
        cookie: admin,
        body: { username: `status-${role}`, password: PW, role },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => t?.stop());

  it('tells admins, operators and auditors what berthd runs on, and nobody else', async () => {
    const before = Date.now();
    const res = await t.api('GET', '/api/v1/platform/status', { cookie: admin });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const status = res.body;
    expect(status).toMatchObject({
      version: VERSION,
      node: process.version,
      store: { dialect: 'sqlite' },
      runtime: { driver: 'process' },
      gateway: { driver: 'builtin', workers: 0, running: 0, lastFailure: null },
      jobs: { queued: 0, running: 0, failedLastDay: 0 },
    });
    expect(status.gateway.table).toBeGreaterThan(0);
    expect(status.startedAt).toBeLessThanOrEqual(before);
    expect(status.dataDir.path).toBe(t.dataDir);
    expect(status.dataDir.usedBytes).toBeGreaterThan(0);
    expect(status.dataDir.totalBytes).toBeGreaterThanOrEqual(status.dataDir.freeBytes);
    expect(status.dataDir.freeBytes).toBeGreaterThan(0);
    expect(status.dataDir.measuredAt).toBeGreaterThanOrEqual(before);

    for (const role of ['operator', 'auditor']) {
      const cookie = await t.login(`status-${role}`, PW);
      expect((await t.api('GET', '/api/v1/platform/status', { cookie })).status).toBe(200);
    }
    const developer = await t.login('status-developer', PW);
    const refused = await t.api('GET', '/api/v1/platform/status', { cookie: developer });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const anonymous = await t.api('GET', '/api/v1/platform/status');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('counts the jobs waiting, running and failed in the last day', async () => {
    const { jobs } = t.berthd;
    await jobs.enqueue('test.status-later', {}, { runAt: Date.now() + 3_600_000 });
    await jobs.enqueue('test.status-later', {}, { runAt: Date.now() + 3_600_000 });
    const failing = await jobs.enqueue('test.status-fails', {}, { maxAttempts: 1 });
    await expect
      .poll(async () => (await jobs.get(failing.id)).status, { timeout: 10_000, interval: 50 })
      .toBe('failed');
    const client = new BerthClient({ baseUrl: t.url, sessionToken: admin, sessionCookie: t.cookieName });
    const status = await client.platformStatus();
    expect(status.jobs).toEqual({ queued: 2, running: 0, failedLastDay: 1 });
  });

  it('answers from the last measurement of the data directory while it is less than a minute old', async () => {
    const first = (await t.api('GET', '/api/v1/platform/status', { cookie: admin })).body.dataDir;
    fs.writeFileSync(path.join(t.dataDir, 'grown.bin'), Buffer.alloc(2 * MiB, 1));
    const second = (await t.api('GET', '/api/v1/platform/status', { cookie: admin })).body.dataDir;
    expect(second).toEqual(first);
  });
});

describe('measuring the data directory', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-usage-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('counts files once, links as themselves, and never what a link points at', async () => {
    const dir = path.join(root, 'data');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(dir, 'homes/app/deep/er'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'big.bin'), Buffer.alloc(8 * MiB, 1));
    const empty = await walkedBytes(dir);
    fs.writeFileSync(path.join(dir, 'homes/app/deep/er/a.bin'), Buffer.alloc(MiB, 1));
    fs.linkSync(path.join(dir, 'homes/app/deep/er/a.bin'), path.join(dir, 'homes/app/b.bin'));
    // An app's links to what lies outside: to a directory, to a file, to the file system's root.
    fs.symlinkSync(outside, path.join(dir, 'homes/app/out'));
    fs.symlinkSync(path.join(outside, 'big.bin'), path.join(dir, 'homes/app/big.bin'));
    fs.symlinkSync('/', path.join(dir, 'homes/app/root'));
    const used = await walkedBytes(dir);
    expect(used - empty).toBeGreaterThanOrEqual(MiB);
    expect(used - empty).toBeLessThan(MiB + 64 * 1024);
  });

  it('measures in the background once the last measurement is old, answering with it meanwhile', async () => {
    const dir = path.join(root, 'meter');
    fs.mkdirSync(dir);
    let clock = 1_000_000;
    const meter = createDataDirMeter({ dir, logger: silentLogger(), maxAgeMs: 60_000, now: () => clock });
    const first = await meter.read();
    expect(first.measuredAt).toBe(1_000_000);
    fs.writeFileSync(path.join(dir, 'more.bin'), Buffer.alloc(MiB, 1));
    clock += 59_000;
    expect(await meter.read()).toBe(first);
    clock += 1_000;
    // Old now: this answer is still the last measurement; the next one is taken meanwhile.
    expect(await meter.read()).toBe(first);
    await expect
      .poll(async () => (await meter.read()).usedBytes, { timeout: 5_000, interval: 10 })
      .toBeGreaterThanOrEqual(first.usedBytes + MiB);
    expect((await meter.read()).measuredAt).toBe(1_060_000);
  });
});
