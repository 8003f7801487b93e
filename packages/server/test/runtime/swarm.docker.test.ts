// The Swarm driver on a single-node swarm: the shared contract (instances built into images, see
// swarm-fixtures.ts), then what only Swarm has: the service's isolation settings and update order,
// and an app that tries to reach another app's task (its overlay address, its published port
// through the node). Runs in the docker tier (BERTH_TEST_DOCKER=1); the fixture makes the engine a
// swarm manager when it is in no swarm yet.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceInfo, InstanceSpec, RuntimeDriver } from '../../src/runtime/index.ts';
import { type ContractDriver, removeTree, runtimeContract, waitForHttp } from './contract.ts';
import { buildTestImage, instanceContainer, TEST_NODE } from './docker-fixtures.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import {
  appImages,
  makeSwarmDriver,
  removeOverlayNetworks,
  swarmContractHooks,
  swarmSkipReason,
} from './swarm-fixtures.ts';
import { PROBE_APP, writeTestApp } from './test-apps.ts';

const docker = new Docker();
const skipReason = await swarmSkipReason(docker);

if (skipReason) {
  process.stdout.write(`swarm runtime tests skipped: ${skipReason}\n`);
  describe('RuntimeDriver: swarm', () => {
    it.skip(`contract and swarm tests (skipped: ${skipReason})`, () => {});
  });
} else {
  describe('RuntimeDriver: swarm', () => {
    const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-images-'));
    const images = appImages(docker);
    beforeAll(() => buildTestImage(docker, imageDir), 600_000);
    afterAll(async () => {
      await images.removeAll();
      removeTree(imageDir);
    });

    runtimeContract('swarm', makeSwarmDriver(docker), {
      node: TEST_NODE,
      isolated: true,
      hostUsers: false,
      platformVars: ['HOSTNAME'],
      listenHost: '0.0.0.0',
      missingProgram: 'exits-127',
      homeKeptAcrossRestarts: false,
      imageFor: (dir) => images.imageFor(dir),
      ...swarmContractHooks(docker),
      afterAll: (apps) => removeOverlayNetworks(docker, apps),
    });

    describe('swarm only', () => {
      const run = crypto.randomBytes(3).toString('hex');
      const apps = { a: `rts-${run}-a`, b: `rts-${run}-b` };
      const make = makeSwarmDriver(docker);
      let main: ContractDriver;
      let driver: RuntimeDriver;
      let identities: TestIdentities;
      const image: Record<string, string> = {};
      let n = 0;
      const spec = (app: string, mode: string, over: Partial<InstanceSpec> = {}): InstanceSpec => {
        n += 1;
        const user = identities.user(app);
        return {
          id: `${app}-prod-v1-web-${n}`,
          app,
          env: 'prod',
          release: 1,
          processType: 'web',
          index: n,
          artifactDir: path.join(main.dataDir, 'artifacts', app),
          command: [TEST_NODE, 'app.cjs', mode],
          vars: {},
          listen: true,
          image: image[app]!,
          ...(user ? { user } : {}),
          ...over,
        };
      };
      const serviceOf = async (info: InstanceInfo) => {
        const [service] = (await docker.listServices({
          filters: { label: [`berth.instance=${info.id}`] },
        })) as unknown as Array<{
          Spec: Record<string, unknown> & { TaskTemplate: Record<string, unknown> };
        }>;
        return service!.Spec;
      };

      beforeAll(async () => {
        main = await make();
        driver = main.driver;
        identities = await provisionIdentities(main.dataDir, Object.values(apps), { hostUsers: false });
        for (const app of Object.values(apps)) {
          const dir = writeTestApp(path.join(main.dataDir, 'artifacts', app));
          fs.writeFileSync(path.join(dir, 'probe.cjs'), PROBE_APP);
          await identities.seal(app, dir);
          image[app] = await images.imageFor(dir);
        }
      });
      afterAll(async () => {
        await main?.cleanup();
        await identities?.cleanup();
        await removeOverlayNetworks(docker, Object.values(apps));
      });

      it('refuses a spec without an image', async () => {
        const { image: _image, ...noImage } = spec(apps.a, 'server');
        await expect(driver.start(noImage)).rejects.toMatchObject({ code: 'RUNTIME_SPEC_INVALID' });
      });

      it('isolates: non-root, read-only, no capabilities, init, limits, its app network only, start-first', async () => {
        const info = await driver.start(
          spec(apps.a, 'server', { limits: { memoryBytes: 64 * 1024 * 1024 } }),
        );
        const s = await serviceOf(info);
        const task = s.TaskTemplate as {
          ContainerSpec: Docker.ContainerSpec;
          Resources: { Limits: Record<string, number> };
          Networks: Array<{ Target: string }>;
        };
        const c = task.ContainerSpec;
        expect(c.User).toMatch(/^[1-9]\d*:[1-9]\d*$/);
        expect(c).toMatchObject({ ReadOnly: true, Init: true, CapabilityDrop: ['ALL'], Dir: '/app' });
        expect(c.Mounts?.map((m) => [m.Type, m.Target])).toEqual([
          ['tmpfs', '/tmp'],
          ['tmpfs', '/home/app'],
        ]);
        expect(JSON.stringify(s)).not.toMatch(/docker\.sock/);
        expect(task.Resources.Limits).toEqual({ NanoCPUs: 1e9, MemoryBytes: 64 * 1024 * 1024, Pids: 256 });
        const networks = await Promise.all(task.Networks.map((n) => docker.getNetwork(n.Target).inspect()));
        expect(networks.map((n) => [n.Name, n.Driver, n.Scope])).toEqual([
          [expect.stringMatching(new RegExp(`-swarm-${apps.a}$`)), 'overlay', 'swarm'],
        ]);
        expect(s['UpdateConfig']).toMatchObject({ Order: 'start-first', FailureAction: 'rollback' });
        expect(s['RollbackConfig']).toMatchObject({ Order: 'start-first' });
        // Inside: the uid, a read-only root and app, a writable HOME and /tmp, no capabilities.
        const who = JSON.parse(await waitForHttp(info, '/whoami')) as {
          uid: number;
          cwd: string;
          home: string;
        };
        expect(who.uid).toBeGreaterThan(0);
        expect(who).toMatchObject({ cwd: '/app', home: '/home/app' });
        const writeAt = async (p: string) =>
          JSON.parse(await waitForHttp(info, `/write-at?path=${encodeURIComponent(p)}`)) as { code?: string };
        expect(await writeAt('/planted')).toEqual({ ok: false, code: 'EROFS' });
        expect(await writeAt('/app/planted.js')).toEqual({ ok: false, code: 'EROFS' });
        expect(await writeAt('/tmp/scratch')).toEqual({ ok: true });
        expect(await writeAt('/home/app/scratch')).toEqual({ ok: true });
        const status = JSON.parse(await waitForHttp(info, '/read?path=/proc/self/status')) as {
          content: string;
        };
        expect(status.content).toMatch(/^CapEff:\s+0+$/m);
        expect(status.content).toMatch(/^CapBnd:\s+0+$/m);
        await driver.stop(info.id, { graceMs: 2000 });
      });

      it("an app reaches its own app's task but not another app's, by overlay address or published port", async () => {
        const probe = await driver.start(spec(apps.a, 'probe', { command: [TEST_NODE, 'probe.cjs'] }));
        const sibling = await driver.start(spec(apps.a, 'server'));
        const stranger = await driver.start(spec(apps.b, 'server'));
        await Promise.all([sibling, stranger].map((i) => waitForHttp(i, '/')));
        const overlayIp = async (info: InstanceInfo) => {
          const data = await (await instanceContainer(docker, info)).inspect();
          const [name, net] = Object.entries(data.NetworkSettings.Networks).find(([k]) =>
            k.includes('-swarm-'),
          )!;
          expect(name).toMatch(new RegExp(`-swarm-${info.app}$`));
          return net.IPAddress;
        };
        const gwbridge = await docker.getNetwork('docker_gwbridge').inspect();
        const nodeGateway = (gwbridge.IPAM!.Config as Array<{ Gateway: string }>)[0]!.Gateway;
        const connect = async (host: string, port: number) =>
          JSON.parse(await waitForHttp(probe, `/connect?host=${host}&port=${port}`)) as { ok: boolean };
        expect(await connect(await overlayIp(sibling), 8080)).toEqual({ ok: true });
        const attempts = {
          overlay: await connect(await overlayIp(stranger), 8080),
          publishedViaGateway: await connect(nodeGateway, stranger.address!.port),
          publishedViaNode: await connect(stranger.address!.host, stranger.address!.port),
        };
        process.stdout.write(`swarm network probe: ${JSON.stringify(attempts)}\n`);
        expect(attempts).toEqual({
          overlay: { ok: false, code: expect.any(String) },
          publishedViaGateway: { ok: false, code: expect.any(String) },
          publishedViaNode: { ok: false, code: expect.any(String) },
        });
        await Promise.all([probe, sibling, stranger].map((i) => driver.stop(i.id, { graceMs: 2000 })));
      });
    });
  });
}
