// The Docker driver: the shared contract (with the hooks that observe a container from outside, see
// docker-fixtures.ts), then what only containers have (the values inside a container, isolation
// settings, network separation, the stack images). Needs a running dockerd and builds the stack
// images on first use (a few minutes), so it runs only when BERTH_TEST_DOCKER=1 (CI:
// scripts/docker-setup.sh first). The hostile-app test is docker-hostile.docker.test.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToCompletion } from '../../src/images/engine.ts';
import { ensureStackImage } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { InstanceInfo, InstanceSpec, LogLine, RuntimeDriver } from '../../src/runtime/index.ts';
import {
  type ContractDriver,
  readLogs,
  removeTree,
  runtimeContract,
  waitForHttp,
  waitForLog,
} from './contract.ts';
import {
  buildTestImage,
  DOCKER_SKIP_REASON,
  dockerContractHooks,
  dockerEnabled,
  instanceContainer,
  makeDockerDriver,
  onlyNetwork,
  removeAppNetworks,
  TEST_NODE,
} from './docker-fixtures.ts';
import { testAppSpec } from './driver-fixtures.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import { PROBE_APP, writeTestApp } from './test-apps.ts';

if (!dockerEnabled) {
  process.stdout.write(`docker runtime tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('RuntimeDriver: docker', () => {
    it.skip(`contract and docker tests (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  describe('RuntimeDriver: docker', () => {
    const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-images-'));
    beforeAll(() => buildTestImage(docker, imageDir), 600_000);
    afterAll(() => removeTree(imageDir));

    runtimeContract('docker', makeDockerDriver(docker), {
      node: TEST_NODE,
      isolated: true,
      hostUsers: false,
      platformVars: ['HOSTNAME'],
      listenHost: '0.0.0.0',
      missingProgram: 'exits-127',
      ...dockerContractHooks(docker),
      afterAll: (apps) => removeAppNetworks(docker, apps),
    });

    describe('stack images', () => {
      it('berth/stack-node:24 runs Node.js 24 and berth/stack-python:3.11 runs Python 3.11', async () => {
        const node = await ensureStackImage({
          docker,
          logger: silentLogger(),
          dataDir: imageDir,
          name: 'node',
        });
        expect(await runToCompletion(docker, node, ['node', '--version'])).toMatchObject({
          code: 0,
          output: expect.stringMatching(/^v24\./),
        });
        const python = await ensureStackImage({
          docker,
          logger: silentLogger(),
          dataDir: imageDir,
          name: 'python',
        });
        expect(python).toBe('berth/stack-python:3.11');
        expect(await runToCompletion(docker, python, ['python3', '--version'])).toMatchObject({
          code: 0,
          output: expect.stringMatching(/^Python 3\.11\./),
        });
        const work = path.join(imageDir, 'images');
        expect(fs.existsSync(work) ? fs.readdirSync(work) : []).toEqual([]); // root filesystems removed
      }, 300_000);
    });

    describe('docker only', () => {
      const run = crypto.randomBytes(3).toString('hex');
      const apps = { a: `rtd-${run}-a`, b: `rtd-${run}-b` };
      const make = makeDockerDriver(docker);
      let main: ContractDriver;
      let driver: RuntimeDriver;
      let n = 0;
      let identities: TestIdentities;
      const artifactOf = (app: string) => path.join(main.dataDir, 'artifacts', app);
      const spec = (app: string, mode: string, over: Partial<InstanceSpec> = {}): InstanceSpec => {
        n += 1;
        return testAppSpec({
          app,
          n,
          mode,
          node: TEST_NODE,
          artifactDir: artifactOf(app),
          user: identities.user(app),
          over,
        });
      };
      const inspect = async (info: InstanceInfo) => (await instanceContainer(docker, info)).inspect();

      beforeAll(async () => {
        main = await make();
        driver = main.driver;
        identities = await provisionIdentities(main.dataDir, Object.values(apps), { hostUsers: false });
        for (const app of Object.values(apps)) {
          writeTestApp(artifactOf(app));
          fs.writeFileSync(path.join(artifactOf(app), 'probe.cjs'), PROBE_APP);
          await identities.seal(app, artifactOf(app));
        }
      });
      afterAll(async () => {
        await main?.cleanup();
        await identities?.cleanup();
        await removeAppNetworks(docker, Object.values(apps));
      });

      it('gives the spec vars plus PORT (container port), HOST, PATH (/app/…) and HOME, nothing else', async () => {
        process.env['BERTH_TEST_RUNNER_LEAK'] = 'must-not-reach-apps';
        try {
          const info = await driver.start(
            spec(apps.a, 'server', { vars: { GREETING: 'hi' }, pathPrepend: ['bin', 'venv/bin'] }),
          );
          const env = JSON.parse(await waitForHttp(info, '/env')) as Record<string, string>;
          expect(env).toMatchObject({ GREETING: 'hi', PORT: '8080', HOST: '0.0.0.0', HOME: '/home/app' });
          expect(env['PATH']!.split(':').slice(0, 2)).toEqual(['/app/bin', '/app/venv/bin']);
          expect(Object.keys(env).sort()).toEqual(['GREETING', 'HOME', 'HOST', 'HOSTNAME', 'PATH', 'PORT']);
          const who = JSON.parse(await waitForHttp(info, '/whoami')) as { uid: number; cwd: string };
          expect(who.uid).toBeGreaterThanOrEqual(10_000);
          expect(who.cwd).toBe('/app');
          await driver.stop(info.id, { graceMs: 2000 });
        } finally {
          delete process.env['BERTH_TEST_RUNNER_LEAK'];
        }
      });

      it('isolates: read-only root and artifact, no capabilities, limits, loopback-only port, no socket', async () => {
        const info = await driver.start(
          spec(apps.a, 'server', { limits: { memoryBytes: 64 * 1024 * 1024 } }),
        );
        const writeAt = async (p: string) =>
          JSON.parse(await waitForHttp(info, `/write-at?path=${encodeURIComponent(p)}`)) as { code?: string };
        expect(await writeAt('/planted')).toEqual({ ok: false, code: 'EROFS' });
        expect(await writeAt('/app/planted.js')).toEqual({ ok: false, code: 'EROFS' });
        expect(await writeAt('/tmp/scratch')).toEqual({ ok: true });
        const status = JSON.parse(await waitForHttp(info, '/read?path=/proc/self/status')) as {
          content: string;
        };
        expect(status.content).toMatch(/^CapEff:\s+0+$/m);
        expect(status.content).toMatch(/^CapBnd:\s+0+$/m);
        expect(status.content).toMatch(/^NoNewPrivs:\s+1$/m);
        const data = await inspect(info);
        expect(data.HostConfig).toMatchObject({
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          Memory: 64 * 1024 * 1024,
          NanoCpus: 1e9,
          PidsLimit: 256,
        });
        expect(data.HostConfig.NetworkMode).toMatch(new RegExp(`^berth-[0-9a-z]+-app-${apps.a}$`));
        expect(data.HostConfig.PortBindings?.['8080/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
        expect(data.Mounts.map((m) => m.Source).join(' ')).not.toMatch(/docker\.sock/);
        expect(data.Config.User).not.toMatch(/^0?(:|$)/);
        await driver.stop(info.id, { graceMs: 2000 });
      });

      it('a follower starts where logs() was called: it misses no line written after the call', async () => {
        // The contract's follow step, made deterministic: a line every 2 ms, so any gap between the
        // call and the start of Docker's follow stream would lose lines (issue 4's flake).
        const info = await driver.start(spec(apps.a, 'ticker', { listen: false }));
        await waitForLog(driver, info.id, (l) => l.line === 'tick 50');
        const follow = async (tailLines: number) => {
          const abort = new AbortController();
          const cut = Date.now();
          const got: LogLine[] = [];
          for await (const l of driver.logs(info.id, { follow: true, tailLines, signal: abort.signal })) {
            got.push(l);
            if (got.length >= 60) abort.abort();
          }
          return { cut, got };
        };
        for (const tailLines of [0, 0, 0, 3, 3]) {
          const { cut, got } = await follow(tailLines);
          const history = got.slice(0, tailLines);
          const fresh = got.slice(tailLines);
          expect(history.every((l) => l.at <= cut)).toBe(true);
          expect(fresh.every((l) => l.at >= cut)).toBe(true);
          // Every stdout line stamped after the call, up to the last one delivered, was delivered.
          const lastTick = Math.max(...fresh.filter((l) => l.stream === 'stdout').map((l) => l.at));
          const all = await readLogs(driver, info.id);
          const expected = all
            .filter((l) => l.stream === 'stdout' && l.at > cut && l.at < lastTick)
            .map((l) => l.line);
          const delivered = new Set(fresh.map((l) => l.line));
          expect(expected.filter((line) => !delivered.has(line))).toEqual([]);
          expect(delivered.size).toBe(fresh.length); // no line twice
        }
        await driver.stop(info.id, { graceMs: 2000 });
      });

      it("reaches its own app's containers but not another app's", async () => {
        const probe = await driver.start(spec(apps.a, 'probe', { command: [TEST_NODE, 'probe.cjs'] }));
        const sibling = await driver.start(spec(apps.a, 'server'));
        const stranger = await driver.start(spec(apps.b, 'server'));
        const ipOf = async (info: InstanceInfo) => onlyNetwork(await inspect(info)).IPAddress;
        const connect = async (info: InstanceInfo) =>
          JSON.parse(await waitForHttp(probe, `/connect?host=${await ipOf(info)}&port=8080`)) as {
            ok: boolean;
          };
        await waitForHttp(sibling, '/');
        await waitForHttp(stranger, '/');
        expect(await connect(sibling)).toEqual({ ok: true });
        expect((await connect(stranger)).ok).toBe(false);
        await Promise.all([probe, sibling, stranger].map((i) => driver.stop(i.id, { graceMs: 2000 })));
      });
    });
  });
}
