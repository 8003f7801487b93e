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
import { runProgram } from '../../src/run-program.ts';
import type { InstanceInfo, InstanceSpec, RunSpec, RuntimeDriver } from '../../src/runtime/index.ts';
import { ephemeralPortRange, firewallRules } from '../../src/runtime/swarm/published-ports-firewall.ts';
import { type ContractDriver, removeTree, runtimeContract, waitForHttp } from './contract.ts';
import { buildTestImage, instanceContainer, TEST_NODE } from './docker-fixtures.ts';
import { testAppSpec } from './driver-fixtures.ts';
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
      const apps = { a: `rts-${run}-a`, b: `rts-${run}-b`, c: `rts-${run}-c` };
      const make = makeSwarmDriver(docker);
      let main: ContractDriver;
      let driver: RuntimeDriver;
      let identities: TestIdentities;
      const image: Record<string, string> = {};
      let n = 0;
      const spec = (app: string, mode: string, over: Partial<InstanceSpec> = {}): InstanceSpec => {
        n += 1;
        return testAppSpec({
          app,
          n,
          mode,
          node: TEST_NODE,
          artifactDir: path.join(main.dataDir, 'artifacts', app),
          user: identities.user(app),
          over: { image: image[app]!, ...over },
        });
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

      it("removes the app's overlay network with its last instance; a start right after makes it again", async () => {
        const networksOf = async (app: string) =>
          (await docker.listNetworks({ filters: { label: [`berth.app=${app}`] } })).map((n) => n.Name);
        const first = await driver.start(spec(apps.c, 'server'));
        expect(await networksOf(apps.c)).toHaveLength(1);
        await driver.stop(first.id, { graceMs: 2000 });
        expect(await networksOf(apps.c)).toEqual([]);
        const again = await driver.start(spec(apps.c, 'server'));
        await waitForHttp(again, '/');
        await driver.stop(again.id, { graceMs: 2000 });
        expect(await networksOf(apps.c)).toEqual([]);
      });

      it('a run killed by its time limit before its container existed leaves no container', async () => {
        const runSpec = (n: number): RunSpec => ({
          id: `${apps.c}-run-${n}`,
          app: apps.c,
          env: 'prod',
          release: 1,
          kind: 'release' as const,
          artifactDir: path.join(main.dataDir, 'artifacts', apps.c),
          command: [TEST_NODE, '-e', 'setTimeout(() => {}, 60000)'],
          vars: {},
          image: image[apps.c]!,
          timeoutMs: 1 + n * 40,
          ...(identities.user(apps.c) ? { user: identities.user(apps.c)! } : {}),
        });
        for (const n of [0, 1, 2, 3]) {
          const exit = await driver.runOnce(runSpec(n), {
            signal: new AbortController().signal,
            output() {},
          });
          expect(exit).toMatchObject({ killed: 'timeout' });
        }
        await new Promise((r) => setTimeout(r, 3000));
        const left = await docker.listContainers({ all: true, filters: { label: [`berth.app=${apps.c}`] } });
        expect(left.map((c) => [c.Names, c.State])).toEqual([]);
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
        // From dockerd's default (scripts/docker-setup.sh starts it with --no-new-privileges).
        expect(status.content, 'dockerd must run with --no-new-privileges (scripts/docker-setup.sh)').toMatch(
          /^NoNewPrivs:\s+1$/m,
        );
        await driver.stop(info.id, { graceMs: 2000 });
      });

      it("an app reaches its own app's task but not another app's, by overlay address or published port", async () => {
        // The rules the driver installed at its first use (published-ports-firewall.ts) are there.
        for (const { chain, rule } of firewallRules(ephemeralPortRange(), [])) {
          const check = await runProgram('iptables', ['-w', '10', '-C', chain, ...rule]);
          expect({ chain, rule: rule.join(' '), ...check }).toMatchObject({ code: 0 });
        }
        const probe = await driver.start(spec(apps.a, 'probe', { command: [TEST_NODE, 'probe.cjs'] }));
        const sibling = await driver.start(spec(apps.a, 'server'));
        const stranger = await driver.start(spec(apps.b, 'server'));
        const runOf = async (info: InstanceInfo) =>
          (JSON.parse(await waitForHttp(info, '/run')) as { run: string }).run;
        const [siblingRun, strangerRun] = [await runOf(sibling), await runOf(stranger)];
        const overlay = async (info: InstanceInfo) => {
          const data = await (await instanceContainer(docker, info)).inspect();
          const [name, net] = Object.entries(data.NetworkSettings.Networks).find(([k]) =>
            k.includes('-swarm-'),
          )!;
          expect(name).toMatch(new RegExp(`-swarm-${info.app}$`));
          const network = await docker.getNetwork(net.NetworkID).inspect();
          return {
            ip: net.IPAddress,
            subnet: (network.IPAM!.Config as Array<{ Subnet: string }>)[0]!.Subnet,
          };
        };
        const [own, other] = [await overlay(sibling), await overlay(stranger)];
        // Two networks with subnets of their own: the task has no route to the other one.
        expect(own.subnet).not.toBe(other.subnet);
        /** What answered at host:port: the target's own run token, or something else (a proxy). */
        const ask = async (host: string, port: number) => {
          const answer = JSON.parse(
            await waitForHttp(probe, `/connect?host=${host}&port=${port}&path=/run`),
          ) as { ok: boolean; answer?: string; code?: string };
          return { reached: answer.ok && (answer.answer ?? '').includes(strangerRun), answer };
        };
        const siblingAnswer = JSON.parse(
          await waitForHttp(probe, `/connect?host=${own.ip}&port=8080&path=/run`),
        ) as { answer: string };
        expect(siblingAnswer.answer).toContain(siblingRun);
        // The stranger's published port on every address of the node, and its overlay address.
        const gwbridge = await docker.getNetwork('docker_gwbridge').inspect();
        const nodeGateway = (gwbridge.IPAM!.Config as Array<{ Gateway: string }>)[0]!.Gateway;
        const hostAddresses = Object.values(os.networkInterfaces())
          .flat()
          .filter((a) => a?.family === 'IPv4' && !a.internal)
          .map((a) => a!.address);
        const port = stranger.address!.port;
        const attempts: Record<string, { reached: boolean; answer: unknown }> = {
          [`overlay ${other.ip}:8080`]: await ask(other.ip, 8080),
        };
        for (const host of new Set([nodeGateway, stranger.address!.host, ...hostAddresses]))
          attempts[`published ${host}:${port}`] = await ask(host, port);
        process.stdout.write(`swarm network probe: ${JSON.stringify(attempts)}\n`);
        expect(Object.entries(attempts).filter(([, a]) => a.reached)).toEqual([]);
        // From the host (berthd's gateway), the published port answers at the node's address and at
        // the bridge's gateway. (Not at every address listed above: other test files' bridges come
        // and go meanwhile.)
        for (const host of new Set([stranger.address!.host, nodeGateway])) {
          const answer = await fetch(`http://${host}:${port}/run`).then((r) => r.text());
          expect(answer).toContain(strangerRun);
        }
        await Promise.all([probe, sibling, stranger].map((i) => driver.stop(i.id, { graceMs: 2000 })));
      });
    });
  });
}
