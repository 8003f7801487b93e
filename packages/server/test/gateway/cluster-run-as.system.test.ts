// Gateway workers that do not run as root: with `runAs`, the cluster forks its workers as another
// user (a temporary system user made for this test). berthd keeps the listening socket, so they still
// serve the public port; they load their code (tsx from the sources here) as that user, and they
// proxy apps, serve static files and forward the rest to the API. The compiled worker that
// `npm start` runs loads as that user too, even when built under a strict umask.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayTable } from '../../src/gateway/index.ts';
import { createGatewayCluster } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { REPO_ROOT } from '../jobs/processes.ts';
import { route, send, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

const isRoot = process.getuid?.() === 0;

/** The ids a process runs with, from /proc/<pid>/status: real, effective, saved and fs uids/gids. */
function idsOf(pid: number): { uids: number[]; gids: number[]; groups: number[] } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    (new RegExp(`^${name}:(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((v) => v !== '')
      .map(Number);
  return { uids: field('Uid'), gids: field('Gid'), groups: field('Groups') };
}

if (!isRoot) {
  it.skip('gateway workers run as another user (skipped: only root can create the user and fork as it)', () => {});
}

describe.runIf(isRoot)('gateway workers run as another user (runAs)', () => {
  const user = `berthgw${randomBytes(4).toString('hex')}`;
  let uid = 0;
  let gid = 0;
  let site: string;
  let app: TestUpstream;
  let api: TestUpstream;

  beforeAll(async () => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    uid = Number(execFileSync('id', ['-u', user]).toString().trim());
    gid = Number(execFileSync('id', ['-g', user]).toString().trim());
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-runas-site-'));
    fs.chmodSync(site, 0o755);
    fs.writeFileSync(path.join(site, 'index.html'), 'static as a user');
    app = await startUpstream('runas-app');
    api = await startUpstream('runas-api');
  });
  afterAll(async () => {
    await app?.close();
    await api?.close();
    fs.rmSync(site, { recursive: true, force: true });
    // tsx's cache of the workers' user.
    fs.rmSync(path.join(os.tmpdir(), `tsx-${uid}`), { recursive: true, force: true });
    execFileSync('userdel', [user]);
  });

  it('forks the workers as the user, who load their code and serve apps, static files and the API', async () => {
    expect(uid).toBeGreaterThan(0);
    const table: GatewayTable = tableOf({
      platform: { host: '127.0.0.1', port: api.port },
      routes: [
        route('runasapp', 'prod', [app]),
        {
          app: 'runassite',
          env: 'prod',
          upstreams: [],
          static: { root: site, index: 'index.html', spa: false },
        },
      ],
    });
    const workers = createGatewayCluster({
      logger: silentLogger(),
      workers: 2,
      port: 0,
      host: '127.0.0.1',
      worker: { logLevel: 'silent', accessLog: false, trustProxy: false },
      currentTable: () => ({ table, seq: 1 }),
      runAs: { uid, gid },
    });
    try {
      await workers.start();
      const pids = workers.pids();
      expect(pids).toHaveLength(2);
      for (const pid of pids) {
        expect(idsOf(pid)).toEqual({ uids: [uid, uid, uid, uid], gids: [gid, gid, gid, gid], groups: [] });
      }
      for (let i = 0; i < 4; i++) {
        const toApp = await send(workers.port, '/o/runasapp/x', { agent: false });
        expect(toApp.json()).toMatchObject({ upstream: 'runas-app', url: '/x' });
        const page = await send(workers.port, '/o/runassite/', { agent: false });
        expect(page.body.toString()).toBe('static as a user');
        const toApi = await send(workers.port, '/api/v1/me', { agent: false });
        expect(toApi.json()).toMatchObject({ upstream: 'runas-api' });
      }
    } finally {
      await workers.close();
    }
    await waitFor(() => Object.keys(cluster.workers ?? {}).length === 0, 30_000);
  }, 120_000);

  it('loads the compiled worker (npm start) as the user, even when built under umask 077', async () => {
    const outdir = fs.mkdtempSync(path.join(REPO_ROOT, 'packages/server/.dist-test-'));
    const umask = process.umask(0o077);
    try {
      const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(build.stderr).toBe('');
      expect(build.status).toBe(0);
    } finally {
      process.umask(umask);
    }
    try {
      const worker = fork(path.join(outdir, 'gateway-worker.mjs'), [], {
        uid,
        gid,
        cwd: outdir,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const hello = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
      });
      expect(hello).toEqual({ type: 'berth:gateway:hello' });
      expect(idsOf(worker.pid!).uids).toEqual([uid, uid, uid, uid]);
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.disconnect();
      await exited;
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
