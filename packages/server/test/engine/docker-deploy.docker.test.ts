// Deploys through berthd with BERTH_RUNTIME=docker: the examples serve at /t/ and /o/ from
// containers, no request fails across deploys and rollbacks, a failing health check keeps the old
// release, the release command runs in a one-off container, a container killed from outside is
// replaced and served again, and a restarted berthd adopts the running containers (same container,
// same start time) instead of restarting them.
//
// Needs a running dockerd and the stack images (built on first use, minutes), so it runs only with
// BERTH_TEST_DOCKER=1 (scripts/docker-setup.sh first). App codes start with `dkd` (unique to this
// file); every container, network and image the file creates is removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Berthd, startBerthd } from '../../src/berthd.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { STACK_PATH } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { containerConfig } from '../../src/runtime/docker/container-config.ts';
import { resolveDockerOptions } from '../../src/runtime/docker/docker-options.ts';
import { createStackImages } from '../../src/runtime/docker/index.ts';
import { type InstanceSpec, validateInstanceSpec } from '../../src/runtime/index.ts';
import { waitUntil } from '../runtime/contract.ts';
import {
  DOCKER_SKIP_REASON,
  dockerEnabled,
  HOSTILE_ATTACKS,
  HOSTILE_FIXTURE,
  instanceContainer,
  onlyNetwork,
  removeAppNetworks,
} from '../runtime/docker-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ADMIN_PASSWORD, berthdTestEnv, loginCookieHeader } from '../support/harness.ts';
import { removeInstallationUsers } from '../support/host-users.ts';
import {
  type EngineFixture,
  EXAMPLES,
  json,
  type LoadResult,
  packDir,
  packFiles,
  startEngineFixture,
  steadyLoad,
} from './support.ts';

const DOCKER_ENV = { BERTH_RUNTIME: 'docker', BERTH_STOP_GRACE: '2s' };

describe('BERTH_RUNTIME', () => {
  it('defaults to process, accepts docker and names the setting when invalid', () => {
    const dir = '/tmp/berth-config-check';
    expect(loadConfig({}, dir).runtime.driver).toBe('process');
    const docker = loadConfig({ BERTH_RUNTIME: 'docker' }, dir).runtime;
    expect(docker).toMatchObject({ driver: 'docker', docker: { socket: '/var/run/docker.sock' } });
    expect(
      loadConfig({ BERTH_RUNTIME: 'docker', BERTH_DOCKER_SOCKET: 'unix:///run/d.sock' }, dir).runtime.docker
        .socket,
    ).toBe('/run/d.sock');
    expect(() => loadConfig({ BERTH_RUNTIME: 'kubernetes' }, dir)).toThrow(ConfigError);
    expect(() => loadConfig({ BERTH_RUNTIME: 'kubernetes' }, dir)).toThrow(/^BERTH_RUNTIME: /);
    expect(() => loadConfig({ BERTH_DOCKER_SOCKET: 'tcp://1.2.3.4:2375' }, dir)).toThrow(
      /^BERTH_DOCKER_SOCKET: /,
    );
    expect(() => loadConfig({ BERTH_DEBIAN_MIRROR: 'ftp://x' }, dir)).toThrow(/^BERTH_DEBIAN_MIRROR: /);
  });

  it('fails fast with DOCKER_UNAVAILABLE when the engine cannot be reached', async () => {
    const missing = path.join(os.tmpdir(), `berth-no-docker-${process.pid}.sock`);
    const stacks = createStackImages({
      docker: new Docker({ socketPath: missing }),
      logger: silentLogger(),
      dataDir: os.tmpdir(),
    });
    await expect(stacks.ensure('python')).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dkd-nodocker-'));
    let config: ReturnType<typeof loadConfig> | undefined;
    try {
      config = loadConfig(
        {
          BERTH_PORT: '0',
          BERTH_HOST: '127.0.0.1',
          BERTH_DATA_DIR: dataDir,
          BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
          BERTH_LOG_LEVEL: 'silent',
          BERTH_RUNTIME: 'docker',
          BERTH_DOCKER_SOCKET: missing,
        },
        dataDir,
      );
      await expect(startBerthd(config, { logger: silentLogger() })).rejects.toMatchObject({
        code: 'DOCKER_UNAVAILABLE',
      });
    } finally {
      // The identities it made before it gave up (the gateway's) are host users.
      if (config) await removeInstallationUsers(config.database);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('instance specs with an image', () => {
  const spec: InstanceSpec = {
    id: 'dkdspec-prod-v2-web-1-ab12',
    app: 'dkdspec',
    env: 'prod',
    release: 2,
    processType: 'web',
    index: 1,
    artifactDir: '/var/lib/berth/releases/dkdspec/prod/v2',
    command: ['node', 'server.js'],
    vars: { A: 'b' },
    pathPrepend: ['node_modules/.bin'],
    listen: true,
    user: { name: 'berth-x-10007', uid: 10_007, gid: 10_007, home: '/x/homes/berth-x-10007' },
  };
  const options = resolveDockerOptions({ docker: {} as never, logger: silentLogger(), dataDir: '/x' });
  const extra = { uid: 10_007, gid: 10_007, homeDir: '/x/homes/berth-x-10007' };

  it('runs the spec image, else the driver default, with the artifact at /app', () => {
    expect(containerConfig(spec, options, extra).Image).toBe('berth/stack-node:24');
    const config = containerConfig({ ...spec, image: 'berth/stack-python:3.11' }, options, extra);
    expect(config.Image).toBe('berth/stack-python:3.11');
    expect(config.WorkingDir).toBe('/app');
    expect(config.HostConfig?.Mounts?.map((m) => m.Target)).toEqual(['/app', '/home/app']);
    expect(config.Env).toContain(`PATH=/app/node_modules/.bin:${STACK_PATH}`);
  });

  it('mounts no artifact and keeps the image WORKDIR and PATH when the image carries the app', () => {
    const config = containerConfig(
      { ...spec, image: 'berth/dkdspec:prod-v2', appInImage: true },
      options,
      extra,
    );
    expect(config.Image).toBe('berth/dkdspec:prod-v2');
    expect(config.WorkingDir).toBeUndefined();
    expect(config.HostConfig?.Mounts?.map((m) => m.Target)).toEqual(['/home/app']);
    expect(config.Env?.some((e) => e.startsWith('PATH='))).toBe(false);
    expect(config.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'] });
  });

  it('refuses an image that is not an image reference', () => {
    expect(() => validateInstanceSpec({ ...spec, image: 'berth/x:1' })).not.toThrow();
    for (const image of ['', ' berth/x', 'http://evil/x', 'a b', '-x']) {
      expect(() => validateInstanceSpec({ ...spec, image }), image).toThrow(/image must be/);
    }
  });
});

/** A dependency-free node app for containers (listens on 0.0.0.0): `/` answers `TEXT vN`. */
function containerApp(
  o: {
    text?: string;
    count?: number;
    release?: string;
    startTimeout?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Buffer> {
  const env = { TEXT: o.text ?? 'hello', ...o.env };
  return packFiles({
    'package.json': JSON.stringify({ name: 'dkd-app', version: '1.0.0', private: true }),
    'server.js': CONTAINER_SERVER,
    'release.js': RELEASE_SCRIPT,
    'berth.yaml': [
      'runtime: node',
      'processes:',
      '  web:',
      '    command: node server.js',
      `    count: ${o.count ?? 2}`,
      ...(o.release ? [`release: ${o.release}`] : []),
      'health:',
      '  path: /healthz',
      `  startTimeout: ${o.startTimeout ?? '20s'}`,
      '  interval: 1s',
      'env:',
      ...Object.entries(env).map(([k, v]) => `  ${k}: "${v}"`),
      '',
    ].join('\n'),
  });
}

const CONTAINER_SERVER = `
'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    if (process.env.UNHEALTHY) { res.statusCode = 500; return res.end('sick'); }
    return res.end('ok');
  }
  if (req.url === '/whoami') return res.end(JSON.stringify({ uid: process.getuid(), cwd: process.cwd() }));
  if (req.url === '/berth-api') {
    // berthd's API as the platform tells instances to reach it (BERTH_API_URL).
    return fetch(process.env.BERTH_API_URL + '/healthz', { signal: AbortSignal.timeout(5000) }).then(
      (r) => res.end(process.env.BERTH_API_URL + ' ' + r.status),
      (err) => res.end(process.env.BERTH_API_URL + ' ' + err.message),
    );
  }
  res.end(process.env.TEXT + ' v' + process.env.BERTH_RELEASE);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** The release command: prints where it runs, tries to write to /app, exits with RELEASE_EXIT. */
const RELEASE_SCRIPT = `
'use strict';
const fs = require('node:fs');
let appWritable = true;
try { fs.writeFileSync('/app/written-by-release', 'x'); } catch { appWritable = false; }
console.log('release-command uid=' + process.getuid() + ' cwd=' + process.cwd() + ' home=' + process.env.HOME +
  ' app-writable=' + appWritable + ' release=' + process.env.BERTH_RELEASE);
console.error('release-command stderr line');
process.exit(Number(process.env.RELEASE_EXIT || 0));
`;

/** Removes every container, network and release image of the given apps (whatever a test left). */
async function removeDockerLeftovers(docker: Docker, codes: readonly string[]): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: ['berth.app'] } });
  for (const c of containers) {
    if (codes.includes(c.Labels['berth.app'] ?? '')) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
    }
  }
  await removeAppNetworks(docker, [...codes]);
  for (const code of codes) {
    const images = (await docker.listImages()).filter((image) =>
      (image.RepoTags ?? []).some((tag) => new RegExp(`^berth-[a-z0-9]+/${code}:`).test(tag)),
    );
    for (const image of images) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => {});
    }
  }
}

if (!dockerEnabled) {
  process.stdout.write(`docker deploy tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('deploys on the Docker runtime', () => {
    it.skip(`docker deploys (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const CODES = [
    'dkdnode',
    'dkdpy',
    'dkdstatic',
    'dkddocker',
    'dkdzd',
    'dkdhealth',
    'dkdrel',
    'dkdkill',
    'dkdadopt',
  ];
  const containerOf = async (id: string) => (await instanceContainer(docker, { id })).inspect();

  describe('deploys on the Docker runtime', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      await removeDockerLeftovers(docker, CODES);
      f = await startEngineFixture('sqlite', DOCKER_ENV);
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeDockerLeftovers(docker, CODES);
    }, 120_000);

    it.each([
      ['node-hello', 'dkdnode', /Hello from Berth/, /^berth\/stack-node:24$/],
      ['python-hello', 'dkdpy', /Hello from Berth/, /^berth\/stack-python:3\.11$/],
      ['static-site', 'dkdstatic', /<html/i, undefined],
      [
        'dockerfile-hello',
        'dkddocker',
        /Hello from a Dockerfile/,
        /^berth-[a-z0-9]+\/dkddocker:(stag|prod)-v1$/,
      ],
    ])(
      'deploys %s to stag and prod, instances in containers of its image',
      async (example, code, expected, image) => {
        await f.createApp(code);
        const pkg = await packDir(path.join(EXAMPLES, example));
        // On a fresh host the first deploy of a runtime waits for its stack image to be built
        // (minutes, one build at a time), possibly by another test file.
        await f.deploy(code, 'stag', pkg, 540_000);
        await f.deploy(code, 'prod', pkg);
        for (const prefix of ['t', 'o']) {
          const res = await f.get(`/${prefix}/${code}/`);
          expect(res.status, `/${prefix}/${code}/`).toBe(200);
          expect(res.text).toMatch(expected);
        }
        const instances = await f.t.berthd.runtime.list({ app: code });
        if (!image) {
          expect(instances).toEqual([]);
          return;
        }
        expect(instances.length).toBeGreaterThan(0);
        for (const instance of instances) {
          const data = await containerOf(instance.id);
          expect(data.State.Running).toBe(true);
          expect(data.Config.Image).toMatch(image);
          expect(data.Config.User).toMatch(/^[1-9]\d{4,}:[1-9]\d{4,}$/);
          expect(data.HostConfig.ReadonlyRootfs).toBe(true);
        }
      },
      600_000,
    );

    it('serves every request during 5 deploys and 3 rollbacks', async () => {
      await f.createApp('dkdzd');
      await f.deploy('dkdzd', 'stag', await containerApp({ text: 'r0' }));
      const load = steadyLoad(`${f.t.appsUrl}/t/dkdzd/`, /^r\d+ v\d+$/);
      let result: LoadResult;
      const deployLogs: string[] = [];
      try {
        for (let i = 1; i <= 5; i++) {
          const done = await f.deploy('dkdzd', 'stag', await containerApp({ text: `r${i}` }));
          deployLogs.push(await f.logsOf(done.id));
        }
        for (let i = 0; i < 3; i++) {
          const res = await f.api('POST', '/api/v1/apps/dkdzd/envs/stag/rollback', { version: 3 + i });
          expect(res.status).toBe(202);
          const done = await f.waitDeploy(res.body.deploy.id, 180_000);
          deployLogs.push(await f.logsOf(done.id));
          expect(done.status, deployLogs.at(-1)).toBe('succeeded');
        }
      } finally {
        result = await load.stop();
      }
      const { ok, failures, seen } = result;
      const trouble = deployLogs
        .join('\n')
        .split('\n')
        .filter((l) => /could not|Resuming|failed/i.test(l));
      expect(trouble).toEqual([]);
      expect(failures.slice(0, 5), `${failures.length} failed requests`).toEqual([]);
      expect(ok).toBeGreaterThan(50);
      expect(seen.has('r5 v6')).toBe(true);
      // v9 is the third rollback, to v5's artifact (r4).
      expect((await f.get('/t/dkdzd/')).text).toBe('r4 v9');
      // Only the serving release's containers are left.
      const left = await docker.listContainers({ all: true, filters: { label: ['berth.app=dkdzd'] } });
      expect(left.map((c) => c.Labels['berth.release'])).toEqual(['9', '9']);
    }, 600_000);

    it('keeps the old release serving when the new one fails its health check', async () => {
      await f.createApp('dkdhealth');
      await f.deploy('dkdhealth', 'stag', await containerApp({ text: 'good', count: 1 }));
      const before = await f.t.berthd.runtime.list({ app: 'dkdhealth' });
      const created = await f.upload(
        'dkdhealth',
        'stag',
        await containerApp({ text: 'bad', count: 1, startTimeout: '6s', env: { UNHEALTHY: '1' } }),
      );
      const done = await f.waitDeploy(created.id, 180_000);
      expect(done.status).toBe('failed');
      expect(await f.logsOf(done.id)).toMatch(/did not pass its health check/);
      expect(await f.get('/t/dkdhealth/')).toEqual({ status: 200, text: 'good v1' });
      const after = await f.t.berthd.runtime.list({ app: 'dkdhealth' });
      expect(after.map((i) => i.id)).toEqual(before.map((i) => i.id));
      const left = await docker.listContainers({ all: true, filters: { label: ['berth.app=dkdhealth'] } });
      expect(left.map((c) => c.Labels['berth.release'])).toEqual(['1']);
    }, 300_000);

    it('runs the release command in a one-off container and fails the deploy on its exit code', async () => {
      await f.createApp('dkdrel');
      const first = await f.deploy(
        'dkdrel',
        'stag',
        await containerApp({ count: 1, release: 'node release.js' }),
      );
      const log = await f.logsOf(first.id);
      const line = log.split('\n').find((l) => l.startsWith('release-command uid='));
      expect(line, log).toBeDefined();
      const uid = Number(/uid=(\d+)/.exec(line!)![1]);
      expect(uid).toBeGreaterThanOrEqual(10_000);
      expect(line).toContain('cwd=/app home=/home/app app-writable=false release=1');
      expect(log).toContain('release-command stderr line');
      // The instances run as the same uid.
      const whoami = JSON.parse((await f.get('/t/dkdrel/whoami')).text);
      expect(whoami).toEqual({ uid, cwd: '/app' });
      // The artifact is sealed: root's and read-only, its top open to that uid's group only.
      const artifact = path.join(f.t.dataDir, 'releases', 'dkdrel', 'stag', 'v1');
      const top = fs.statSync(artifact);
      expect([top.uid, top.gid, top.mode & 0o777]).toEqual([0, uid, 0o750]);
      const file = fs.statSync(path.join(artifact, 'server.js'));
      expect([file.uid, file.mode & 0o777]).toEqual([0, 0o644]);

      const failing = await f.upload(
        'dkdrel',
        'stag',
        await containerApp({
          text: 'never',
          count: 1,
          release: 'node release.js',
          env: { RELEASE_EXIT: '3' },
        }),
      );
      const done = await f.waitDeploy(failing.id, 180_000);
      expect(done.status).toBe('failed');
      expect(await f.logsOf(done.id)).toMatch(/the release command exited with code 3/);
      expect(await f.get('/t/dkdrel/')).toEqual({ status: 200, text: 'hello v1' });
      // Task containers are removed.
      const tasks = await docker.listContainers({ all: true, filters: { label: ['berth.task'] } });
      expect(tasks.filter((c) => c.Labels['berth.app'] === 'dkdrel')).toEqual([]);
    }, 300_000);

    it('replaces a container killed or removed from outside and routes to it again', async () => {
      await f.createApp('dkdkill');
      await f.deploy('dkdkill', 'stag', await containerApp({ text: 'phoenix', count: 1 }));
      const [instance] = await f.t.berthd.runtime.list({ app: 'dkdkill' });
      const before = await containerOf(instance!.id);
      await docker.getContainer(before.Id).kill();
      const restarted = await waitUntil('the restart', async () => {
        const [info] = await f.t.berthd.runtime.list({ app: 'dkdkill' });
        return info && info.restarts >= 1 && info.state === 'running' ? info : undefined;
      });
      const after = await containerOf(instance!.id);
      expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
      // The published port may have changed: the gateway follows the new address.
      expect(restarted.address?.port).toBe(Number(after.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort));
      await waitUntil('the app to serve again', async () => {
        const res = await f.get('/t/dkdkill/');
        return res.status === 200 ? res : undefined;
      });
      for (let i = 0; i < 5; i++)
        expect(await f.get('/t/dkdkill/')).toEqual({ status: 200, text: 'phoenix v1' });

      // Removed outright (`docker rm -f`): a new container is made from the spec and served.
      await docker.getContainer(after.Id).remove({ force: true });
      const recreated = await waitUntil('the new container', async () => {
        const [info] = await f.t.berthd.runtime.list({ app: 'dkdkill' });
        if (!info || info.restarts < 2 || info.state !== 'running') return undefined;
        const data = await containerOf(instance!.id).catch(() => undefined);
        return data && data.Id !== after.Id && data.State.Running ? data : undefined;
      });
      expect(recreated.Config.User).toBe(after.Config.User);
      expect(recreated.HostConfig.ReadonlyRootfs).toBe(true);
      await waitUntil('the app to serve from the new container', async () => {
        const res = await f.get('/t/dkdkill/');
        return res.status === 200 ? res : undefined;
      });
      expect(await f.get('/t/dkdkill/')).toEqual({ status: 200, text: 'phoenix v1' });
    }, 300_000);
  });

  describe('berthd listening on every address', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      await removeDockerLeftovers(docker, ['dkdapi']);
      f = await startEngineFixture('sqlite', { ...DOCKER_ENV, BERTH_HOST: '0.0.0.0' });
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeDockerLeftovers(docker, ['dkdapi']);
    }, 120_000);

    it("is reachable from the app's containers at BERTH_API_URL", async () => {
      await f.createApp('dkdapi');
      await f.deploy('dkdapi', 'stag', await containerApp({ count: 1 }));
      const answer = await f.get('/t/dkdapi/berth-api');
      expect(answer).toEqual({ status: 200, text: `http://host.docker.internal:${f.t.berthd.port} 200` });
    }, 600_000);
  });

  describe('a hostile app deployed next to a victim', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      await removeDockerLeftovers(docker, ['dkdvictim', 'dkdhostile']);
      f = await startEngineFixture('sqlite', DOCKER_ENV);
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeDockerLeftovers(docker, ['dkdvictim', 'dkdhostile']);
    }, 120_000);

    it('is blocked at every escape and both apps keep serving through the gateway', async () => {
      await f.createApp('dkdvictim');
      await f.createApp('dkdhostile');
      await f.deploy('dkdvictim', 'stag', await containerApp({ text: 'victim', count: 1 }));
      await f.deploy('dkdhostile', 'stag', await packDir(HOSTILE_FIXTURE));
      expect(await f.get('/t/dkdhostile/')).toEqual({ status: 200, text: 'hostile ok' });
      const [victim] = await f.t.berthd.runtime.list({ app: 'dkdvictim' });
      const [hostile] = await f.t.berthd.runtime.list({ app: 'dkdhostile' });
      const victimData = await containerOf(victim!.id);
      const hostileData = await containerOf(hostile!.id);
      expect(hostileData.HostConfig).toMatchObject({ Memory: 128 * 1024 * 1024, PidsLimit: 64 });

      // The victim's secret in its home, its artifact, and the platform's own files, on the host.
      const dataDir = f.t.dataDir;
      const victimUid = Number(victimData.Config.User.split(':')[0]);
      const victimHome = victimData.Mounts.find((m) => m.Destination === '/home/app')!.Source;
      const secret = path.join(victimHome, 'secret.txt');
      fs.writeFileSync(secret, 'victim-secret', { mode: 0o600 });
      fs.chownSync(secret, victimUid, victimUid);
      const victimArtifact = path.join(dataDir, 'releases', 'dkdvictim', 'stag', 'v1');
      const query = new URLSearchParams();
      for (const p of [
        secret,
        victimHome,
        path.join(victimArtifact, 'server.js'),
        victimArtifact,
        path.join(dataDir, 'secret.key'),
        path.join(dataDir, 'berth.db'),
        dataDir,
      ]) {
        query.append('read', p);
      }
      for (const dir of [victimHome, victimArtifact, dataDir]) query.append('write', dir);
      const victimIp = onlyNetwork(victimData).IPAddress;
      query.append('peer', `${victimIp}:8080`);
      query.append('published', String(victim!.address!.port));
      // Reached only when the victim itself answers (not an egress proxy accepting the connection).
      query.append('peerAnswer', 'victim');

      const res = await fetch(`http://${hostile!.address!.host}:${hostile!.address!.port}/attack?${query}`, {
        signal: AbortSignal.timeout(180_000),
      });
      expect(res.status).toBe(200);
      const report = (await res.json()) as Record<string, { blocked: boolean; detail: unknown }>;
      // Every attack ran (PostgreSQL, MariaDB and Redis on the host's loopback are the default
      // targets of hostServices) and every one was blocked.
      expect(Object.keys(report)).toEqual(expect.arrayContaining(HOSTILE_ATTACKS));
      const unblocked = Object.entries(report).filter(([, a]) => a.blocked !== true);
      if (unblocked.length > 0) {
        // What to look at when this fails: where both apps' containers are now (an instance
        // replaced since the addresses were read has another one).
        const where = async (app: string) =>
          Promise.all(
            (await f.t.berthd.runtime.list({ app })).map(async (i) => {
              const data = await containerOf(i.id).catch(() => null);
              const nets = Object.entries(data?.NetworkSettings.Networks ?? {}).map(
                ([n, v]) => `${n}=${v.IPAddress}`,
              );
              return `${i.id} ${nets.join(',')}`;
            }),
          );
        expect(
          unblocked,
          `peer ${victimIp} (read before the attack); victim now ${await where('dkdvictim')}; hostile now ${await where('dkdhostile')}; hostile then ${Object.keys(hostileData.NetworkSettings.Networks).join(',')}`,
        ).toEqual([]);
      }

      // Nothing planted, the secret intact, both apps serve through the gateway, neither restarted.
      for (const dir of [victimHome, victimArtifact, dataDir]) {
        expect(fs.existsSync(path.join(dir, 'hostile-was-here'))).toBe(false);
      }
      expect(fs.readFileSync(secret, 'utf8')).toBe('victim-secret');
      expect(await f.get('/t/dkdvictim/')).toEqual({ status: 200, text: 'victim v1' });
      expect(await f.get('/t/dkdhostile/')).toEqual({ status: 200, text: 'hostile ok' });
      for (const info of await f.t.berthd.runtime.list()) {
        expect(info, info.id).toMatchObject({ state: 'running', restarts: 0 });
      }
      expect((await f.api('GET', '/api/v1/apps/dkdvictim')).status).toBe(200);
    }, 300_000);
  });

  describe('berthd restart on the Docker runtime', () => {
    let db: TestDatabase | undefined;
    let dataDir: string | undefined;
    let current: Berthd | undefined;
    afterAll(async () => {
      if (current) {
        await Promise.all(
          (await current.runtime.list()).map((i) => current!.runtime.stop(i.id, { graceMs: 1000 })),
        );
        await current.close();
      }
      await removeDockerLeftovers(docker, ['dkdadopt']);
      await db?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }, 120_000);

    it('adopts the running containers without restarting them and serves right away', async () => {
      db = await createTestDatabase('sqlite');
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dkd-adopt-'));
      const config = loadConfig(
        {
          ...berthdTestEnv(db, dataDir),
          BERTH_JOB_POLL: '50ms',
          BERTH_DRAIN: '300ms',
          ...DOCKER_ENV,
        },
        dataDir,
      );
      const a = await startBerthd(config, { logger: silentLogger() });
      current = a;
      const cookie = await loginCookieHeader(a.url, 'admin', ADMIN_PASSWORD);
      await fetch(`${a.url}/api/v1/apps`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'dkdadopt', name: 'dkdadopt' }),
      });
      const upload = await json(
        await fetch(`${a.url}/api/v1/apps/dkdadopt/envs/stag/deploys`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/gzip' },
          body: await containerApp({ text: 'adopted' }),
        }),
      );
      const deploy = await waitUntil(
        'the deploy',
        async () => {
          const d = (
            await json(await fetch(`${a.url}/api/v1/deploys/${upload.deploy.id}`, { headers: { cookie } }))
          ).deploy;
          return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
        },
        180_000,
      );
      expect(deploy.status).toBe('succeeded');
      expect(await (await fetch(`${a.appsUrl}/t/dkdadopt/`)).text()).toBe('adopted v1');
      const instances = await a.runtime.list({ app: 'dkdadopt' });
      expect(instances).toHaveLength(2);
      const before = await Promise.all(instances.map((i) => containerOf(i.id)));

      await a.close();
      current = undefined;
      // The containers keep running without berthd.
      for (const c of before) expect((await docker.getContainer(c.Id).inspect()).State.Running).toBe(true);

      const b = await startBerthd(config, { logger: silentLogger() });
      current = b;
      const adopted = await b.runtime.list({ app: 'dkdadopt' });
      expect(adopted.map((i) => [i.id, i.state, i.restarts]).sort()).toEqual(
        instances.map((i) => [i.id, 'running', 0]).sort(),
      );
      for (const c of before) {
        const now = await docker.getContainer(c.Id).inspect();
        expect(now.State.Running).toBe(true);
        expect(now.State.StartedAt).toBe(c.State.StartedAt);
      }
      // Served by the adopted containers (no deploy ran: the reconciler had nothing to start).
      const res = await waitUntil('the adopted app to serve', async () => {
        const r = await fetch(`${b.appsUrl}/t/dkdadopt/`);
        return r.status === 200 ? r.text() : undefined;
      });
      expect(res).toBe('adopted v1');
      const deploys = await json(
        await fetch(`${b.url}/api/v1/apps/dkdadopt/envs/stag/deploys`, {
          headers: { cookie: await loginCookieHeader(b.url, 'admin', ADMIN_PASSWORD) },
        }),
      );
      expect(deploys.deploys).toHaveLength(1);
    }, 300_000);
  });
}
