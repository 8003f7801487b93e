// Several berthd replicas on one swarm: two (or three) Swarm drivers with data dirs of their own and
// the same installation, on the same engine, stand in for replicas sharing a store. What one starts
// the other adopts on `sync()` (with its address) and can stop, also without having synced; the one
// that started it then forgets it silently. A one-off job of a live replica survives another's
// `recover()`; one of a gone replica, past its deadline or without the labels does not. An app's
// overlay network stays while another replica's instance uses it. Docker tier (BERTH_TEST_DOCKER=1).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { DEADLINE_LABEL, REPLICA_LABEL } from '../../src/runtime/docker/job-owner.ts';
import type { InstanceInfo, InstanceSpec, RunExit, RuntimeDriver } from '../../src/runtime/index.ts';
import { createSwarmDriver } from '../../src/runtime/swarm/index.ts';
import { CONTRACT_RESTART_POLICY, removeTree, waitForHttp } from './contract.ts';
import { buildTestImage, TEST_NODE } from './docker-fixtures.ts';
import { testAppSpec } from './driver-fixtures.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import { appImages, removeOverlayNetworks, swarmSkipReason } from './swarm-fixtures.ts';
import { writeTestApp } from './test-apps.ts';

const docker = new Docker();
const skipReason = await swarmSkipReason(docker);

/** Starts and stops take a while on a busy engine (other test files share it). */
const TEST_TIMEOUT_MS = 180_000;

type ServiceSummary = { ID: string; Spec: { Labels?: Record<string, string> } };

if (skipReason) {
  process.stdout.write(`swarm replica tests skipped: ${skipReason}\n`);
  describe('Swarm driver: several replicas', () => {
    it.skip(`replica tests (skipped: ${skipReason})`, () => {});
  });
} else {
  describe('Swarm driver: several replicas', () => {
    const run = crypto.randomBytes(3).toString('hex');
    const installation = `rpl${run}`;
    const app = `rpl-${run}`;
    const host = os.hostname().slice(0, 80);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-replicas-'));
    const images = appImages(docker);
    const drivers: RuntimeDriver[] = [];
    let image = '';
    let identities: TestIdentities;
    let n = 0;

    /** What B logged (debug and up), for the network it keeps. */
    const logOfB: string[] = [];
    const replica = (
      name: string,
      replicaId = `${host}/${process.pid}/${name}`,
      logger = silentLogger(),
    ): RuntimeDriver => {
      const driver = createSwarmDriver({
        docker,
        dataDir: fs.mkdtempSync(path.join(root, `${name}-`)),
        installation,
        replica: replicaId,
        logger,
        restartPolicy: CONTRACT_RESTART_POLICY,
        stopGraceMs: 2000,
      });
      drivers.push(driver);
      return driver;
    };
    const spec = (): InstanceSpec => {
      n += 1;
      return testAppSpec({
        app,
        n,
        mode: 'server',
        node: TEST_NODE,
        artifactDir: path.join(root, 'artifact'),
        user: identities.user(app),
        over: { image },
      });
    };
    const services = async (...labels: string[]) =>
      (await docker.listServices({
        filters: { label: [`berth.owner=${installation}`, ...labels] },
      })) as ServiceSummary[];
    const networks = async () =>
      (await docker.listNetworks({ filters: { label: [`berth.app=${app}`] } })).map((net) => net.Name);
    const exits = (driver: RuntimeDriver) => {
      const seen: InstanceInfo[] = [];
      driver.on('exit', (info) => seen.push(info));
      return seen;
    };

    let a: RuntimeDriver;
    let b: RuntimeDriver;
    let exitsOfA: InstanceInfo[];

    beforeAll(async () => {
      await buildTestImage(docker, path.join(root, 'test-image'));
      identities = await provisionIdentities(root, [app], { hostUsers: false });
      const artifact = writeTestApp(path.join(root, 'artifact'));
      await identities.seal(app, artifact);
      image = await images.imageFor(artifact);
      a = replica('a');
      b = replica(
        'b',
        undefined,
        createLogger(
          'debug',
          new Writable({
            write(chunk, _encoding, done) {
              logOfB.push(String(chunk));
              done();
            },
          }),
        ),
      );
      exitsOfA = exits(a);
    }, 600_000);
    afterAll(async () => {
      for (const driver of drivers) {
        await driver.sync?.().catch(() => {});
        for (const info of await driver.list().catch(() => [])) await driver.stop(info.id).catch(() => {});
        await driver.close();
      }
      for (const s of await services()) {
        await docker
          .getService(s.ID)
          .remove()
          .catch(() => {});
      }
      await removeOverlayNetworks(docker, [app]);
      await images.removeAll();
      await identities?.cleanup();
      removeTree(root);
    }, 180_000);

    it(
      "a replica's recover() removes the one-off jobs of gone replicas, past their deadline or unlabelled, and keeps a live replica's",
      async () => {
        // Pids are below pid_max: this host has no process with that one.
        const deadPid = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
        const future = String(Date.now() + 3_600_000);
        const job = async (name: string, labels: Record<string, string>) => {
          const made = await docker.createService({
            Name: `berth-${installation}-${name}`,
            Labels: { 'berth.owner': installation, 'berth.app': app, 'berth.task': 'release', ...labels },
            TaskTemplate: {
              ContainerSpec: { Image: image, Command: [TEST_NODE, '-e', 'setTimeout(() => {}, 600000)'] },
              RestartPolicy: { Condition: 'none' },
            },
            Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
          } as Docker.CreateServiceOptions);
          return made.id;
        };
        const live = await job('live', {
          [REPLICA_LABEL]: `${host}/${process.pid}/live`,
          [DEADLINE_LABEL]: future,
        });
        const gone = await job('gone', {
          [REPLICA_LABEL]: `${host}/${deadPid}/gone`,
          [DEADLINE_LABEL]: future,
        });
        const late = await job('late', {
          [REPLICA_LABEL]: `${host}/${process.pid}/late`,
          [DEADLINE_LABEL]: String(Date.now() - 1000),
        });
        const old = await job('old', {});

        // And a run in progress on replica A, as berthd makes it: labelled with A's replica.
        const abort = new AbortController();
        const running: Promise<RunExit> = a.runOnce(
          {
            id: `${app}-release-1`,
            kind: 'release',
            app,
            env: 'prod',
            release: 1,
            artifactDir: path.join(root, 'artifact'),
            command: [TEST_NODE, '-e', 'setTimeout(() => {}, 600000)'],
            vars: {},
            image,
            user: identities.user(app),
            timeoutMs: 300_000,
          },
          { output: () => {}, signal: abort.signal },
        );
        running.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
        let runOfA: ServiceSummary | undefined;
        const until = Date.now() + 60_000;
        while (!runOfA && Date.now() < until) {
          runOfA = (await services('berth.task=release')).find(
            (s) => s.Spec.Labels?.[REPLICA_LABEL] === `${host}/${process.pid}/a`,
          );
          if (!runOfA) await new Promise((r) => setTimeout(r, 200));
        }
        expect(runOfA, 'the run of replica A is a labelled job').toBeDefined();
        expect(Number(runOfA!.Spec.Labels![DEADLINE_LABEL])).toBeGreaterThan(Date.now() + 200_000);

        const c = replica('c');
        await c.recover();
        const left = new Set((await services('berth.task')).map((s) => s.ID));
        expect([live, gone, late, old, runOfA!.ID].map((id) => left.has(id))).toEqual([
          true,
          false,
          false,
          false,
          true,
        ]);

        abort.abort();
        expect(await running).toMatchObject({ killed: 'aborted' });
        await docker.getService(live).remove();
        await c.close();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'B adopts what A started on sync, with its address; B stops it, A forgets it without an exit',
      async () => {
        const started = await a.start(spec());
        expect(started.state).toBe('running');
        expect(await b.list()).toEqual([]);
        await b.sync!();
        const seen = (await b.list()).find((i) => i.id === started.id);
        expect(seen).toMatchObject({ id: started.id, state: 'running', address: started.address, app });
        await waitForHttp(seen!, '/');

        await b.stop(started.id, { graceMs: 1000 });
        expect(await services(`berth.instance=${started.id}`)).toEqual([]);
        expect((await b.list()).map((i) => i.id)).not.toContain(started.id);

        await a.sync!();
        expect((await a.list()).map((i) => i.id)).not.toContain(started.id);
        expect(exitsOfA.filter((i) => i.id === started.id)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'B stops an instance of A it never synced, while A reads its tasks; stopping an id nobody has resolves',
      async () => {
        const started = await a.start(spec());
        expect((await b.list()).map((i) => i.id)).not.toContain(started.id);
        // A reads the swarm over and over while B scales the service to 0, stops its task and
        // removes it: A sees the task end, and must take it for B's stop, not for an exit.
        let stopping = true;
        const reading = (async () => {
          while (stopping) await a.sync!();
        })();
        try {
          await b.stop(started.id, { graceMs: 1000 });
        } finally {
          stopping = false;
          await reading;
        }
        expect(await services(`berth.instance=${started.id}`)).toEqual([]);
        await b.stop(`${app}-prod-v1-web-999`);
        await a.sync!();
        expect((await a.list()).map((i) => i.id)).not.toContain(started.id);
        expect(exitsOfA.filter((i) => i.id === started.id)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "B leaves the app's overlay network alone while A's instance uses it",
      async () => {
        const ofA = await a.start(spec());
        const ofB = await b.start(spec());
        logOfB.length = 0;
        await b.stop(ofB.id, { graceMs: 1000 });
        // Kept because A's service uses it: B did not try to remove it (Swarm would refuse, for as
        // long as B tried).
        expect(logOfB.some((line) => line.includes('app network kept: a service of the app uses it'))).toBe(
          true,
        );
        expect(await networks()).toHaveLength(1);
        await waitForHttp(ofA, '/');
        expect((await a.list()).find((i) => i.id === ofA.id)?.state).toBe('running');

        await a.stop(ofA.id, { graceMs: 1000 });
        expect(await networks()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
