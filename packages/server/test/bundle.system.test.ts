// The compiled berthd that `npm start` runs (scripts/build.mjs): it runs without a TypeScript
// loader, forks its gateway workers from the bundle, deploys and serves an app end to end, and
// serves the CLI package the build packed beside it; on the machine's system Node.js (20, older
// than Berth supports) it refuses to start and says how.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, tinyApp, tinyFiles } from './engine/support.ts';
import { createGitClient, remoteWithCredentials } from './git/git-client.ts';
import { childProcesses, type Fixture, REPO_ROOT, startNode } from './jobs/processes.ts';
import { ADMIN_PASSWORD, loginCookieHeader } from './support/harness.ts';
import { removeInstallationUsers } from './support/host-users.ts';

describe('the compiled berthd', () => {
  const outdir = fs.mkdtempSync(path.join(REPO_ROOT, 'packages/server/.dist-test-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bundle-'));
  let berthd: Fixture | undefined;
  afterAll(async () => {
    if (berthd && berthd.child.exitCode === null && berthd.child.signalCode === null) {
      berthd.child.kill('SIGKILL');
      await berthd.exited;
    }
    await removeInstallationUsers({ dialect: 'sqlite', file: path.join(dataDir, 'berth.db') });
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const entry = path.join(outdir, 'berthd.mjs');
  let build: SpawnSyncReturns<string>;
  beforeAll(() => {
    build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
  });

  it('builds, starts with two gateway workers and no TypeScript loader, and serves a deployed app', async () => {
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(fs.existsSync(entry)).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'gateway-worker.mjs'))).toBe(true);
    const cliPackage = path.join(outdir, 'berth-cli.tgz');
    expect(fs.statSync(cliPackage).mode & 0o777).toBe(0o644);

    berthd = startNode([entry], {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_PUBLIC_URL: 'http://127.0.0.1:0',
      BERTH_APPS_URL: 'http://127.0.0.1:0',
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BERTH_LOG_LEVEL: 'warn',
      BERTH_GATEWAY_WORKERS: '2',
      BERTH_RUNTIME: 'process',
      BERTH_DRAIN: '200ms',
    });
    const url = (await berthd.line('Berth is running at ', 60_000))
      .slice('Berth is running at '.length)
      .trim();
    // The banner's next line names the apps origin: `  apps:     http://…/t/{app}/, /o/{app}/`.
    const appsUrl = /apps: +(\S+)\/t\/\{app\}\//.exec(await berthd.line('  apps: ', 10_000))![1]!;
    expect(appsUrl).not.toBe(url);

    // Two gateway workers, forked from the bundle; no tsx loader or esbuild service anywhere.
    const pid = berthd.child.pid!;
    const kids = [...childProcesses(pid, 'cmdline').values()];
    expect(kids.filter((c) => c.includes(path.join(outdir, 'gateway-worker.mjs')))).toHaveLength(2);
    for (const cmd of [...kids, fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')]) {
      expect(cmd).not.toMatch(/tsx|esbuild/);
    }
    expect(fs.readFileSync(`/proc/${pid}/maps`, 'utf8')).not.toContain('esbuild');

    // The CLI package the build wrote beside the bundle, found there by default.
    const download = await fetch(`${url}/downloads/berth-cli.tgz`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(fs.readFileSync(cliPackage))).toBe(true);

    const cookie = await loginCookieHeader(url, 'admin', ADMIN_PASSWORD);
    const created = await fetch(`${url}/api/v1/apps`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'bundled', name: 'bundled' }),
    });
    expect(created.status).toBe(201);
    const upload = await fetch(`${url}/api/v1/apps/bundled/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/gzip' },
      body: await tinyApp({ text: 'compiled' }),
    });
    const { deploy } = await json(upload);
    let status = deploy.status as string;
    for (const until = Date.now() + 60_000; !['succeeded', 'failed', 'cancelled'].includes(status); ) {
      if (Date.now() > until) throw new Error(`deploy ${deploy.id} is still ${status}`);
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${url}/api/v1/deploys/${deploy.id}`, { headers: { cookie } });
      status = (await json(res)).deploy.status;
    }
    expect(status).toBe('succeeded');
    const served = await fetch(`${appsUrl}/t/bundled/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('compiled v1');

    // A git push to the app's hosted repository deploys through the bundle's push hooks (the hook
    // program berthd writes runs on the Node.js berthd runs on).
    const tokenRes = await fetch(`${url}/api/v1/me/tokens`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'git' }),
    });
    const token = (await json(tokenRes)).secret as string;
    const client = createGitClient();
    try {
      const work = path.join(client.dir, 'work');
      fs.mkdirSync(work);
      for (const [name, content] of Object.entries(tinyFiles({ text: 'pushed' })))
        fs.writeFileSync(path.join(work, name), content);
      await client.ok(['init', '-q', '-b', 'main'], { cwd: work });
      await client.ok(['add', '-A'], { cwd: work });
      await client.ok(['commit', '-q', '-m', 'pushed'], { cwd: work });
      const push = await client.git(['push', remoteWithCredentials(url, 'bundled', 'admin', token), 'main'], {
        cwd: work,
        timeoutMs: 120_000,
      });
      expect(push.code, push.stderr).toBe(0);
      expect(push.stderr).toContain(`remote: Deployed main to stag: v2 serves ${appsUrl}/t/bundled/`);
      expect(await (await fetch(`${appsUrl}/t/bundled/`)).text()).toBe('pushed v2');
    } finally {
      client.remove();
    }

    // Stop the app, then berthd, cleanly.
    const stop = await fetch(`${url}/api/v1/apps/bundled/envs/stag/stop`, {
      method: 'POST',
      headers: { cookie },
    });
    const stopDeploy = (await json(stop)).deploy;
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      const res = await fetch(`${url}/api/v1/deploys/${stopDeploy.id}`, { headers: { cookie } });
      if ((await json(res)).deploy.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    berthd.child.kill('SIGTERM');
    expect(await berthd.exited).toBe(0);
    // Node's own warnings (node:sqlite was experimental before Node 24) would show here.
    expect(berthd.output()).not.toMatch(/\(node:\d+\) \w*Warning/);
  });

  it('runs on the Node.js from node_modules, and refuses the system Node.js 20 with the README command', () => {
    expect(build.status).toBe(0);
    expect(process.version).toMatch(/^v24\./);
    const systemNode = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' });
    // This kind of machine has Node.js 20 as /usr/bin/node; the refusal is what is under test.
    expect(systemNode.stdout).toMatch(/^v20\./);
    const old = spawnSync('/usr/bin/node', [entry], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, BERTH_DATA_DIR: dataDir, BERTH_PORT: '0' },
      timeout: 30_000,
    });
    expect(old.status).toBe(1);
    expect(old.stdout).toBe('');
    expect(old.stderr).toContain(`berthd: Node.js ${systemNode.stdout.trim()} is too old`);
    expect(old.stderr).toContain('Node.js 22.12 or newer');
    expect(old.stderr).toContain('npm ci && npm start');
  });
});
