// Issue 4, item 3: a hostile app (test/fixtures/hostile) runs next to a victim app on the docker driver,
// tries every way out of its container (another app's files and container, the Docker socket, the
// host's loopback services, writing to / and /app, a fork bomb, a memory bomb, raising privileges)
// and each attempt must fail; afterwards the victim, the hostile app itself and the host still work.
// The hostile app runs from berth/stack-node:24 with the limits of its berth.yaml (128 MiB, 64 pids),
// the victim is the runtime tests' app (test-apps.ts). Runs only when BERTH_TEST_DOCKER=1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_IMAGES } from '../../src/images/index.ts';
import { loadManifest } from '../../src/manifest/load-manifest.ts';
import type { InstanceInfo, InstanceSpec, RuntimeDriver } from '../../src/runtime/index.ts';
import { type ContractDriver, removeTree, waitFor, waitForHttp } from './contract.ts';
import {
  buildTestImage,
  DOCKER_SKIP_REASON,
  dockerContractHooks,
  dockerEnabled,
  HOSTILE_ATTACKS,
  HOSTILE_FIXTURE,
  instanceContainer,
  makeDockerDriver,
  onlyNetwork,
  removeAppNetworks,
  TEST_IMAGE,
  TEST_NODE,
} from './docker-fixtures.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import { writeTestApp } from './test-apps.ts';

interface Attempt {
  blocked: boolean;
  detail: Record<string, unknown>;
}

/**
 * One GET with a long deadline and no retry (an attack is not repeated), on a connection of its own:
 * fetch would reuse the keep-alive socket of an earlier probe, which the app may close (its
 * keep-alive timeout) just as the attack goes out, and the attack would be lost with it.
 */
function getJson<T>(info: InstanceInfo, urlPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: info.address!.host, port: info.address!.port, path: urlPath, agent: false, timeout: 120_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            expect(res.statusCode, body).toBe(200);
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: no answer in 120 s`)));
    req.on('error', reject);
  });
}

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

if (!dockerEnabled) {
  process.stdout.write(`docker hostile-app test skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('docker: a hostile app', () => {
    it.skip(`cannot get out of its container (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  describe('docker: a hostile app', () => {
    const run = crypto.randomBytes(3).toString('hex');
    const apps = { victim: `rth-${run}-victim`, hostile: `rth-${run}-hostile` };
    const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hostile-images-'));
    const hooks = dockerContractHooks(docker);
    // Stand-ins on the host: a service on loopback only (like the platform's PostgreSQL and Redis),
    // and a public listener (like berthd's public port, the gateway).
    const loopbackService = net.createServer((s) => s.end('platform secret\n'));
    const publicService = http.createServer((_req, res) => res.end('public'));
    let loopbackPort = 0;
    let publicPort = 0;
    let made: ContractDriver;
    let driver: RuntimeDriver;
    let identities: TestIdentities;

    beforeAll(async () => {
      await buildTestImage(docker, imageDir); // berth/stack-node:24, and the victim's test image
      made = await makeDockerDriver(docker, {
        image: (spec) => (spec.app === apps.victim ? TEST_IMAGE : STACK_IMAGES.node),
      })();
      driver = made.driver;
      identities = await provisionIdentities(made.dataDir, Object.values(apps), { hostUsers: false });
      loopbackPort = await listen(loopbackService, '127.0.0.1');
      publicPort = await listen(publicService, '0.0.0.0');
    }, 600_000);
    afterAll(async () => {
      await made?.cleanup();
      await identities?.cleanup();
      await removeAppNetworks(docker, Object.values(apps));
      loopbackService.close();
      publicService.close();
      removeTree(imageDir);
    });

    const spec = (app: string, over: Partial<InstanceSpec>): InstanceSpec => ({
      id: `${app}-prod-v1-web-1`,
      app,
      env: 'prod',
      release: 1,
      processType: 'web',
      index: 1,
      artifactDir: '',
      command: [],
      vars: {},
      listen: true,
      ...(identities.user(app) ? { user: identities.user(app)! } : {}),
      ...over,
    });

    it('is blocked at every escape while the host and the other app keep serving', async () => {
      // The victim, with a secret in its home.
      const victimDir = writeTestApp(path.join(made.dataDir, 'artifacts', apps.victim, 'r1'));
      await identities.seal(apps.victim, victimDir);
      const victim = await driver.start(
        spec(apps.victim, { artifactDir: victimDir, command: [TEST_NODE, 'app.cjs', 'server'] }),
      );
      const secret = JSON.parse(
        await waitForHttp(victim, '/write?name=secret.txt&content=victim-secret'),
      ) as {
        path: string;
      };
      const secretOnHost = await hooks.hostPath!(victim, secret.path);
      expect(fs.readFileSync(secretOnHost, 'utf8')).toBe('victim-secret');

      // The hostile app, as its berth.yaml says.
      const manifest = await loadManifest(HOSTILE_FIXTURE);
      const hostileDir = path.join(made.dataDir, 'artifacts', apps.hostile, 'r1');
      fs.cpSync(HOSTILE_FIXTURE, hostileDir, { recursive: true });
      await identities.seal(apps.hostile, hostileDir);
      const limits = { memoryBytes: manifest.resources.memoryBytes, pids: manifest.resources.pids };
      expect(limits).toEqual({ memoryBytes: 128 * 1024 * 1024, pids: 64 });
      const hostile = await driver.start(
        spec(apps.hostile, {
          artifactDir: hostileDir,
          command: manifest.processes['web']!.command,
          vars: manifest.env,
          limits,
        }),
      );
      expect(await waitForHttp(hostile, '/')).toBe('hostile ok');
      const hostileData = await (await instanceContainer(docker, hostile)).inspect();
      expect(hostileData.HostConfig).toMatchObject({ Memory: limits.memoryBytes, PidsLimit: limits.pids });
      const gateway = onlyNetwork(hostileData).Gateway;
      const victimData = await (await instanceContainer(docker, victim)).inspect();
      const victimIp = onlyNetwork(victimData).IPAddress;

      const query = new URLSearchParams();
      const victimHome = path.dirname(secretOnHost);
      for (const p of [
        secret.path, // as the victim sees it: in the hostile container it is the hostile app's own home
        secretOnHost,
        victimHome,
        path.join(victimDir, 'app.cjs'),
        victimDir,
        path.join(made.dataDir, 'homes'),
        made.dataDir,
      ]) {
        query.append('read', p);
      }
      for (const dir of [victimHome, victimDir, made.dataDir]) query.append('write', dir);
      query.append('peer', `${victimIp}:8080`);
      query.append('published', String(victim.address!.port));
      // Reached only when the victim itself answers (not an egress proxy accepting the connection).
      query.append('peerAnswer', 'ok ');
      query.append('hostPort', String(loopbackPort));
      const report = await getJson<Record<string, Attempt>>(hostile, `/attack?${query}`);

      const summary = Object.entries(report).map(
        ([name, a]) => `${name}=${a.blocked ? 'blocked' : 'NOT BLOCKED'}`,
      );
      process.stdout.write(
        `hostile app attacks: ${summary.join(' ')}; fork bomb ${JSON.stringify(report['forkBomb']?.detail)}; ` +
          `memory bomb ${JSON.stringify(report['memoryBomb']?.detail)}\n`,
      );
      expect(Object.keys(report).sort()).toEqual([...HOSTILE_ATTACKS].sort());
      const notBlocked = Object.entries(report).filter(([, a]) => a.blocked !== true);
      expect(notBlocked).toEqual([]);
      // The limits themselves stopped the bombs (not some accident of the fixture).
      expect(report['forkBomb']!.detail).toMatchObject({ error: 'EAGAIN' });
      expect(report['forkBomb']!.detail['spawned']).toBeLessThan(64);
      expect(report['memoryBomb']!.detail['allocatedMiB']).toBeLessThan(2 * 128);
      expect(report['privileges']!.detail).toMatchObject({
        CapEff: expect.stringMatching(/^0+$/),
        NoNewPrivs: '1',
        chownToRoot: 'EPERM',
        setuidRoot: 'EPERM',
      });
      expect(report['privileges']!.detail['uid']).toBeGreaterThanOrEqual(10_000);
      expect(report['procRootEscape']!.detail['visiblePids']).toBeLessThanOrEqual(2); // itself (and ps)

      // What is reachable by design, recorded (docs/docker.md, "Isolation").
      const observed = await getJson<{ gateway: string }>(hostile, `/observe?berthdPort=${publicPort}`);
      expect(observed.gateway).toBe(gateway);
      process.stdout.write(`hostile app observed: ${JSON.stringify(observed)}\n`);

      // Afterwards: nothing planted, the victim and the hostile app serve, the host is fine.
      for (const dir of [victimHome, victimDir, made.dataDir]) {
        expect(fs.existsSync(path.join(dir, 'hostile-was-here'))).toBe(false);
      }
      expect(fs.readFileSync(secretOnHost, 'utf8')).toBe('victim-secret');
      expect(await waitForHttp(victim, '/')).toMatch(/^ok /);
      expect(await waitForHttp(hostile, '/')).toBe('hostile ok');
      const listed = await driver.list();
      for (const info of [victim, hostile]) {
        // Not restarted: the memory bomb's child was the OOM killer's choice, not the app.
        expect(listed.find((i) => i.id === info.id)).toMatchObject({ state: 'running', restarts: 0 });
      }
      const publicAnswer = await waitFor(async () => (await fetch(`http://127.0.0.1:${publicPort}/`)).text());
      expect(publicAnswer).toBe('public');
      expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
      await Promise.all([victim, hostile].map((i) => driver.stop(i.id, { graceMs: 2000 })));
    }, 300_000);
  });
}
