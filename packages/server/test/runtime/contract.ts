// The contract every RuntimeDriver passes, run unchanged against each driver (process, docker; swarm
// and kubernetes later). A driver that cannot pass a case skips it by name with a reason:
//   runtimeContract('swarm', makeSwarm, { skip: { adoption: 'services are …' } })
//
// Where drivers differ in *how* a fact is observed (a container sees its artifact at /app, its pids
// are its own, its port inside is not the published one), the case asks a small hook in the options
// (pathInInstance, hostPath, listenPort, processAlive, runIdentity) instead of branching on the
// driver; each hook's default is the process driver's view. The hooks observe, they never relax: a
// case still fails when the driver misbehaves.
//
// `makeDriver()` creates a driver on a fresh data dir; `makeDriver({ dataDir })` creates another one
// on the same data dir (the adoption case). Drivers must be configured with CONTRACT_RESTART_POLICY
// so that crash cases take about a second.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import type {
  InstanceInfo,
  InstanceSpec,
  LogLine,
  RunIO,
  RunSpec,
  RuntimeDriver,
  RuntimeEvent,
} from '../../src/runtime/index.ts';
import type { RestartPolicy } from '../../src/runtime/restart-policy.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import { writeTestApp } from './test-apps.ts';

export interface ContractDriver {
  driver: RuntimeDriver;
  dataDir: string;
  /** Stops every instance the driver knows (unless it is closed), closes it, removes the data dir. */
  cleanup(): Promise<void>;
}

export type MakeDriver = (reuse?: { dataDir: string }) => Promise<ContractDriver>;

export interface ContractOptions {
  /** Case name (see CASES) → why this driver cannot pass it. */
  skip?: Partial<Record<CaseName, string>>;
  /** How the runtime invokes Node inside an instance (default: this process's node binary). */
  node?: string;
  /** Variables the driver adds besides PORT, HOST, PATH and HOME (e.g. HOSTNAME in containers). */
  platformVars?: string[];
  /** The HOST a listening instance is given (default 127.0.0.1, the process driver's). */
  listenHost?: string;
  /** True when apps run isolated from each other (process driver as root, containers). */
  isolated: boolean;
  /** Run identities are Unix users (the process runtime) rather than bare uids (containers). */
  hostUsers: boolean;
  /** Kills an instance behind the driver's back (default: SIGKILL to its process group). */
  killInstance?: (info: InstanceInfo) => Promise<void>;
  /** Where file `rel` of an artifact appears inside an instance (default: in the artifact dir itself;
   *  a container: `/app/<rel>`). */
  pathInInstance?: (artifactDir: string, rel: string) => string;
  /** Where a path an instance sees lies on this host (default: the same path; a container: the
   *  source of the mount it is under). */
  hostPath?: (info: InstanceInfo, instancePath: string) => Promise<string>;
  /** The port a listen instance listens on, its PORT (default: its address's port; a container: the
   *  container port its address is published from). */
  listenPort?: (info: InstanceInfo) => Promise<number>;
  /** Whether process `pid`, as the instance sees it (its own pid namespace), is still alive
   *  (default: the host process exists and is not a zombie; a container: among the container's
   *  processes, and false once the container is gone). */
  processAlive?: (info: InstanceInfo, pid: number) => Promise<boolean>;
  /** Tells one run of an instance from another, as the driver knows it (default: pid and start time;
   *  a container: its id and State.StartedAt). */
  runIdentity?: (info: InstanceInfo) => Promise<string>;
  /** How a missing program shows (default 'start-fails': start rejects with RUNTIME_START_FAILED;
   *  'exits-127': start succeeds and the instance exits with 127, as an init in front of the app
   *  reports it, like `sh -c`). Either way it never runs and the driver says so. */
  missingProgram?: 'start-fails' | 'exits-127';
  /** Drivers whose instances run from an image (capabilities.artifacts = 'image'): makes the image of
   *  an artifact dir (its files at /app), which the suite puts in every spec's `image`. */
  imageFor?: (artifactDir: string) => Promise<string>;
  /** False when HOME is per run (a restarted instance starts with an empty one, Swarm's tmpfs): the
   *  crash case then crashes a serving instance on request instead of with `crash-once`, whose
   *  "crashed already" marker lives in HOME. */
  homeKeptAcrossRestarts?: boolean;
  /** Called after the suite with the app codes it used (e.g. to delete their Unix users). */
  afterAll?: (apps: string[]) => Promise<void>;
}

/** Fast enough for tests: 100 ms → 200 ms → 400 ms, a loop at the 4th crash within a minute. */
export const CONTRACT_RESTART_POLICY: RestartPolicy = {
  backoffBaseMs: 100,
  backoffMaxMs: 400,
  resetAfterMs: 60_000,
  crashLoopCrashes: 4,
  crashLoopWindowMs: 60_000,
};

export const CASES = {
  start: 'start: the instance answers HTTP on the address it was given',
  env: 'env: the spec vars plus PORT, HOST, PATH and HOME, nothing of the runner',
  list: 'list: every instance, filtered by app and env',
  refuse: 'start: refuses a duplicate id and an invalid spec, fails on a missing command',
  stopGraceful: 'stop: SIGTERM first, the app shuts down by itself',
  stopKill: 'stop: SIGKILL after the grace period, children included',
  logs: 'logs: stdout and stderr captured, tail, follow',
  crash: 'crash: restarted after back-off with a restart event',
  crashLoop: 'crash loop: crashloop state and event, no more restarts',
  cleanExit: 'clean exit: state exited, not restarted',
  adoption: 'adoption: after close(), recover() adopts live instances and restarts dead ones',
  isolation: "isolation: an app cannot read another app's files or write its own artifact",
  runOnce: 'runOnce: output as it comes, the exit code, the spec vars; killed on abort and at its time limit',
} as const;
export type CaseName = keyof typeof CASES;

const runId = crypto.randomBytes(3).toString('hex');
const APPS = { a: `rtc-${runId}-a`, b: `rtc-${runId}-b` };

export function runtimeContract(name: string, makeDriver: MakeDriver, opts: ContractOptions): void {
  describe(`RuntimeDriver contract: ${name}`, () => {
    let main: ContractDriver;
    let driver: RuntimeDriver;
    const artifacts: Record<string, string> = {};
    const node = opts.node ?? process.execPath;
    const leakKey = 'BERTH_TEST_RUNNER_LEAK';
    const pathInInstance = opts.pathInInstance ?? ((dir: string, rel: string) => path.join(dir, rel));
    const hostPath = opts.hostPath ?? (async (_info: InstanceInfo, p: string) => p);
    const listenPort = opts.listenPort ?? (async (info: InstanceInfo) => info.address!.port);
    const processAlive = opts.processAlive ?? hostProcessAlive;
    const runIdentity = opts.runIdentity ?? (async (info: InstanceInfo) => `${info.pid}@${info.startedAt}`);
    const killInstance = opts.killInstance ?? killProcessGroup;

    const test = (key: CaseName, fn: () => Promise<void>, timeout = 60_000) => {
      const reason = opts.skip?.[key];
      if (reason) it.skip(`${CASES[key]} (skipped: ${reason})`, fn);
      else it(CASES[key], fn, timeout);
    };
    let counter = 0;
    let identities: TestIdentities | undefined;
    /** The image of each artifact dir (drivers with `imageFor`). */
    const images = new Map<string, string>();
    const imageOf = async (artifactDir: string): Promise<Partial<InstanceSpec>> => {
      if (!opts.imageFor) return {};
      if (!images.has(artifactDir)) images.set(artifactDir, await opts.imageFor(artifactDir));
      return { image: images.get(artifactDir)! };
    };
    const spec = (app: string, mode: string, over: Partial<InstanceSpec> = {}): InstanceSpec => {
      counter += 1;
      const artifactDir = over.artifactDir ?? artifacts[app]!;
      const image = images.get(artifactDir);
      return {
        id: `${app}-prod-v1-web-${counter}-${crypto.randomBytes(2).toString('hex')}`,
        app,
        env: 'prod',
        release: 1,
        processType: 'web',
        index: counter,
        artifactDir: artifacts[app]!,
        command: [node, 'app.cjs', mode],
        vars: { GREETING: 'hello', MARKER: String(counter) },
        listen: true,
        ...(identities?.user(app) ? { user: identities.user(app)! } : {}),
        ...(image ? { image } : {}),
        ...over,
      };
    };

    beforeAll(async () => {
      process.env[leakKey] = 'must-not-reach-apps';
      main = await makeDriver();
      driver = main.driver;
      identities = await provisionIdentities(main.dataDir, Object.values(APPS), {
        hostUsers: opts.hostUsers,
      });
      for (const app of Object.values(APPS)) {
        artifacts[app] = writeTestApp(path.join(main.dataDir, 'artifacts', app, 'r1'));
        await identities.seal(app, artifacts[app]);
        await imageOf(artifacts[app]);
      }
    });
    afterAll(async () => {
      delete process.env[leakKey];
      await main?.cleanup();
      await identities?.cleanup();
      await opts.afterAll?.(Object.values(APPS));
    });

    test('start', async () => {
      const s = spec(APPS.a, 'server');
      const info = await driver.start(s);
      expect(info).toMatchObject({ id: s.id, app: APPS.a, env: 'prod', release: 1, state: 'running' });
      expect(info.address?.host).toMatch(/^(127\.0\.0\.1|::1|localhost)$/);
      expect(info.address?.port).toBeGreaterThan(0);
      const body = await waitForHttp(info, '/');
      expect(body).toMatch(/^ok \d+$/);
      const listed = (await driver.list()).find((i) => i.id === s.id);
      expect(listed).toMatchObject({ state: 'running', address: info.address, restarts: 0 });
      await driver.stop(s.id, { graceMs: 2000 });
    });

    test('env', async () => {
      const web = await driver.start(
        spec(APPS.a, 'server', { vars: { GREETING: 'hello', DB_URL: 'x://y' } }),
      );
      const env = JSON.parse(await waitForHttp(web, '/env')) as Record<string, string>;
      expect(env['GREETING']).toBe('hello');
      expect(env['DB_URL']).toBe('x://y');
      expect(env['PORT']).toBe(String(await listenPort(web)));
      // The info says which PORT the app was given (what a deploy's health report names).
      expect(web.port).toBe(Number(env['PORT']));
      expect(env['HOST']).toBe(opts.listenHost ?? '127.0.0.1');
      expect(env[leakKey]).toBeUndefined();
      const allowed = new Set([
        'GREETING',
        'DB_URL',
        'PORT',
        'HOST',
        'PATH',
        'HOME',
        ...(opts.platformVars ?? []),
      ]);
      expect(Object.keys(env).filter((k) => !allowed.has(k))).toEqual([]);

      // A worker gets no address and no PORT; its PATH starts with the pathPrepend entries.
      const s = spec(APPS.a, 'idle', {
        listen: false,
        processType: 'worker',
        pathPrepend: ['bin', 'venv/bin'],
      });
      const worker = await driver.start(s);
      expect(worker.address).toBeUndefined();
      expect(worker.port).toBeUndefined();
      const line = await waitForLog(driver, s.id, (l) => l.line.startsWith('{'));
      const workerEnv = JSON.parse(line.line) as Record<string, string>;
      expect(workerEnv['PORT']).toBeUndefined();
      expect(workerEnv['HOST']).toBeUndefined();
      expect(workerEnv['GREETING']).toBe('hello');
      expect(workerEnv['PATH']!.split(':').slice(0, 2)).toEqual(
        ['bin', 'venv/bin'].map((d) => pathInInstance(s.artifactDir, d)),
      );
      await Promise.all([driver.stop(web.id, { graceMs: 2000 }), driver.stop(s.id, { graceMs: 2000 })]);
    });

    test('runOnce', async () => {
      const runSpec = (mode: string, over: Partial<RunSpec> = {}): RunSpec => {
        const { processType: _type, index: _index, listen: _listen, ...base } = spec(APPS.a, mode);
        return { ...base, id: `run-${base.id}`, kind: 'run', timeoutMs: 60_000, ...over };
      };
      const capture = (signal = new AbortController().signal) => {
        const out = { stdout: '', stderr: '' };
        const io: RunIO = {
          output: (stream, data) => {
            out[stream] += data;
          },
          signal,
        };
        return { out, io };
      };
      const crash = capture();
      expect(await driver.runOnce(runSpec('crash'), crash.io)).toMatchObject({ code: 1, signal: null });
      expect(crash.out.stderr).toContain('crashing');
      const done = capture();
      expect(await driver.runOnce(runSpec('exit0'), done.io)).toEqual({ code: 0, signal: null });
      expect(done.out.stdout).toBe('done\n');

      // `idle` prints its env, then waits for ever: the output arrives while it runs, and an abort
      // ends it.
      const abort = new AbortController();
      const idle = capture(abort.signal);
      const output = idle.io.output;
      idle.io.output = (stream, data) => {
        output(stream, data);
        if (idle.out.stdout.includes('\n')) abort.abort();
      };
      const idleSpec = runSpec('idle');
      expect(await driver.runOnce(idleSpec, idle.io)).toMatchObject({ code: null, killed: 'aborted' });
      const env = JSON.parse(idle.out.stdout.split('\n')[0]!) as Record<string, string>;
      expect(env['GREETING']).toBe('hello');
      expect(env['PORT']).toBeUndefined();
      expect(env[leakKey]).toBeUndefined();
      expect(env['HOME']).toBeDefined();
      // A run is not an instance.
      expect((await driver.list()).map((i) => i.id)).not.toContain(idleSpec.id);

      const timed = capture();
      expect(await driver.runOnce(runSpec('idle', { timeoutMs: 300 }), timed.io)).toMatchObject({
        code: null,
        killed: 'timeout',
      });
      await expectCode(
        driver.runOnce({ ...runSpec('idle'), command: [] }, capture().io),
        'RUNTIME_SPEC_INVALID',
      );
    });

    test('list', async () => {
      const specs = [
        spec(APPS.a, 'idle', { listen: false }),
        spec(APPS.a, 'idle', { listen: false, env: 'stag' }),
        spec(APPS.b, 'idle', { listen: false }),
      ];
      for (const s of specs) await driver.start(s);
      const ids = (infos: InstanceInfo[]) => infos.map((i) => i.id).sort();
      const mine = new Set(specs.map((s) => s.id));
      const only = (infos: InstanceInfo[]) => ids(infos.filter((i) => mine.has(i.id)));
      expect(only(await driver.list())).toEqual(ids(specs.map((s) => ({ id: s.id }) as InstanceInfo)));
      expect(only(await driver.list({ app: APPS.a }))).toEqual([specs[0]!.id, specs[1]!.id].sort());
      expect(only(await driver.list({ app: APPS.a, env: 'stag' }))).toEqual([specs[1]!.id]);
      expect(only(await driver.list({ env: 'prod' }))).toEqual([specs[0]!.id, specs[2]!.id].sort());
      expect(await driver.list({ app: 'no-such-app' })).toEqual([]);
      await Promise.all(specs.map((s) => driver.stop(s.id, { graceMs: 2000 })));
      expect(only(await driver.list())).toEqual([]);
    });

    test('refuse', async () => {
      const s = spec(APPS.a, 'idle', { listen: false });
      await driver.start(s);
      await expectCode(driver.start(s), 'RUNTIME_INSTANCE_EXISTS');
      await expectCode(driver.start({ ...spec(APPS.a, 'idle'), command: [] }), 'RUNTIME_SPEC_INVALID');
      await expectCode(driver.start({ ...spec(APPS.a, 'idle'), id: '../escape' }), 'RUNTIME_SPEC_INVALID');
      await expectCode(
        driver.start({ ...spec(APPS.a, 'idle'), vars: { 'BAD=NAME': 'x' } }),
        'RUNTIME_SPEC_INVALID',
      );
      const missing = spec(APPS.a, 'idle', { command: ['/nonexistent/berth-test-binary'] });
      if ((opts.missingProgram ?? 'start-fails') === 'start-fails') {
        await expectCode(driver.start(missing), 'RUNTIME_START_FAILED');
        expect((await driver.list()).map((i) => i.id)).not.toContain(missing.id);
      } else {
        const exits = collectEvents(driver, 'exit', missing.id);
        await driver.start(missing);
        const first = await waitFor(async () => exits.events[0]);
        exits.stop();
        expect(first.lastExit?.code).toBe(127);
        await driver.stop(missing.id, { graceMs: 1000 });
      }
      await driver.stop('never-started-instance'); // idempotent
      await driver.stop(s.id, { graceMs: 2000 });
    });

    test('stopGraceful', async () => {
      const s = spec(APPS.a, 'server');
      const info = await driver.start(s);
      await waitForHttp(info, '/');
      const exits = collectEvents(driver, 'exit', s.id);
      await driver.stop(s.id, { graceMs: 5000 });
      expect((await driver.list()).map((i) => i.id)).not.toContain(s.id);
      await expect(fetch(`http://${info.address!.host}:${info.address!.port}/`)).rejects.toThrow();
      const lines = await readLogs(driver, s.id);
      expect(lines.map((l) => l.line)).toContain('SIGTERM received');
      expect(exits.events.at(-1)?.lastExit).toMatchObject({ code: 0, signal: null });
      exits.stop();
    });

    test('stopKill', async () => {
      const s = spec(APPS.a, 'stubborn');
      const info = await driver.start(s);
      // The child listens once its SIGTERM handler is set: from then on only SIGKILL ends it.
      const child = await waitFor(async () => {
        const body = JSON.parse(await waitForHttp(info, '/child')) as { pid: number | null };
        return body.pid ?? undefined;
      });
      expect(await processAlive(info, child)).toBe(true);
      await driver.stop(s.id, { graceMs: 300 });
      expect(await canConnect(info.address!.host, info.address!.port)).toBe(false);
      expect(await processAlive(info, child)).toBe(false);
      const lines = (await readLogs(driver, s.id)).map((l) => l.line);
      expect(lines).toContain('SIGTERM ignored');
    });

    test('logs', async () => {
      const s = spec(APPS.a, 'server');
      const info = await driver.start(s);
      await waitForLog(driver, s.id, (l) => l.line === 'ready on stderr');
      const history = await readLogs(driver, s.id);
      const started = history.find((l) => l.line.startsWith('started '));
      expect(started).toMatchObject({ stream: 'stdout', instance: s.id });
      expect(history.find((l) => l.line === 'ready on stderr')).toMatchObject({ stream: 'stderr' });
      expect(Math.abs(started!.at - Date.now())).toBeLessThan(60_000);

      await waitForHttp(info, '/print?out=tail-1&err=tail-2');
      await waitForLog(driver, s.id, (l) => l.line === 'tail-2');
      const tail = await readLogs(driver, s.id, { tailLines: 2 });
      expect(tail.map((l) => l.line).sort()).toEqual(['tail-1', 'tail-2']);

      const abort = new AbortController();
      const followed: LogLine[] = [];
      const following = (async () => {
        for await (const line of driver.logs(s.id, { follow: true, tailLines: 0, signal: abort.signal })) {
          followed.push(line);
        }
      })();
      // Written right after the call: a follower starts where logs() was called, not where the
      // runtime got round to attaching. stdout and stderr are two pipes, so their relative order is
      // not part of the contract: wait for both.
      await waitForHttp(info, '/print?out=follow-out&err=follow-err');
      const both = ['follow-out', 'follow-err'];
      await waitFor(async () => both.every((b) => followed.some((l) => l.line === b)) || undefined);
      expect(followed.find((l) => l.line === 'follow-out')?.stream).toBe('stdout');
      expect(followed.find((l) => l.line === 'follow-err')?.stream).toBe('stderr');
      expect(followed.map((l) => l.line)).not.toContain('tail-1');
      abort.abort();
      await following;

      // A follower ends by itself when the instance stops (and misses nothing of the stop, however
      // soon after the call it comes).
      const untilStop = readLogs(driver, s.id, { follow: true, tailLines: 0 });
      await driver.stop(s.id, { graceMs: 2000 });
      expect((await untilStop).map((l) => l.line)).toContain('SIGTERM received');

      await expectCode(readLogs(driver, 'no-such-instance'), 'RUNTIME_INSTANCE_NOT_FOUND');
    });

    test('crash', async () => {
      const homeKept = opts.homeKeptAcrossRestarts ?? true;
      const s = spec(APPS.a, homeKept ? 'crash-once' : 'server');
      const exits = collectEvents(driver, 'exit', s.id);
      const restarts = collectEvents(driver, 'restart', s.id);
      const info = await driver.start(s);
      // With HOME per run, nothing tells a run it is the second: the first crashes on request.
      if (!homeKept) await waitForHttp(info, '/exit?code=3');
      const restarted = await waitFor(async () => restarts.events[0]);
      expect(exits.events[0]).toMatchObject({ state: 'backoff', lastExit: { code: 3, signal: null } });
      expect(restarted).toMatchObject({ state: 'running', restarts: 1 });
      expect(await waitForHttp(restarted, '/')).toMatch(/^ok /);
      const lines = (await readLogs(driver, s.id)).map((l) => l.line);
      if (homeKept) expect(lines).toEqual(expect.arrayContaining(['first run crashes', 'second run serves']));
      else {
        expect(lines).toContain('exiting with 3');
        expect(lines.filter((l) => l.startsWith('started '))).toHaveLength(2);
      }
      exits.stop();
      restarts.stop();
      await driver.stop(s.id, { graceMs: 2000 });
    });

    test('crashLoop', async () => {
      const s = spec(APPS.a, 'crash', { listen: false });
      const loops = collectEvents(driver, 'crashloop', s.id);
      const restarts = collectEvents(driver, 'restart', s.id);
      await driver.start(s).catch(() => {}); // it may die before start resolves
      const looped = await waitFor(async () => loops.events[0]);
      const crashes = CONTRACT_RESTART_POLICY.crashLoopCrashes;
      expect(looped).toMatchObject({ state: 'crashloop', restarts: crashes - 1, lastExit: { code: 1 } });
      await sleep(CONTRACT_RESTART_POLICY.backoffMaxMs * 3);
      const [info] = (await driver.list()).filter((i) => i.id === s.id);
      expect(info).toMatchObject({ state: 'crashloop', restarts: crashes - 1 });
      expect(restarts.events).toHaveLength(crashes - 1);
      expect(loops.events).toHaveLength(1);
      const crashing = (await readLogs(driver, s.id)).filter((l) => l.line === 'crashing');
      expect(crashing).toHaveLength(crashes);
      loops.stop();
      restarts.stop();
      await driver.stop(s.id);
      expect((await driver.list()).map((i) => i.id)).not.toContain(s.id);
    });

    test('cleanExit', async () => {
      const s = spec(APPS.a, 'exit0', { listen: false });
      const exits = collectEvents(driver, 'exit', s.id);
      await driver.start(s);
      const exited = await waitFor(async () => exits.events[0]);
      expect(exited).toMatchObject({ state: 'exited', restarts: 0, lastExit: { code: 0, signal: null } });
      await sleep(CONTRACT_RESTART_POLICY.backoffMaxMs * 2);
      expect((await driver.list()).find((i) => i.id === s.id)).toMatchObject({
        state: 'exited',
        restarts: 0,
      });
      exits.stop();
      await driver.stop(s.id);
    });

    test('adoption', async () => {
      const first = await makeDriver();
      let second: ContractDriver | undefined;
      const started: InstanceInfo[] = [];
      /** The app's own token of its current run: the same process answers while it is the same. */
      const runToken = async (info: InstanceInfo) =>
        (JSON.parse(await waitForHttp(info, '/run')) as { run: string }).run;
      try {
        const at = (app: string) => path.join(first.dataDir, 'artifacts', app, 'r1');
        for (const app of Object.values(APPS)) {
          await identities!.seal(app, writeTestApp(at(app)));
          await imageOf(at(app));
        }
        const live = spec(APPS.a, 'server', { artifactDir: at(APPS.a), ...(await imageOf(at(APPS.a))) });
        const dead = spec(APPS.b, 'server', { artifactDir: at(APPS.b), ...(await imageOf(at(APPS.b))) });
        for (const s of [live, dead]) started.push(await first.driver.start(s));
        const [liveRun, deadRun] = [await runToken(started[0]!), await runToken(started[1]!)];
        const [liveId, deadId] = [await runIdentity(started[0]!), await runIdentity(started[1]!)];
        await first.driver.close();
        await expectCode(first.driver.list(), 'RUNTIME_CLOSED');

        // Both keep running without a driver; then one dies while "berthd is down".
        expect(await runToken(started[0]!)).toBe(liveRun);
        await killInstance(started[1]!);
        await waitFor(async () =>
          (await canConnect('127.0.0.1', started[1]!.address!.port)) ? undefined : true,
        );

        second = await makeDriver({ dataDir: first.dataDir });
        const restarts = collectEvents(second.driver, 'restart', dead.id);
        const recovered = await second.driver.recover();
        const adopted = recovered.find((i) => i.id === live.id);
        expect(adopted).toMatchObject({ state: 'running', restarts: 0, address: started[0]!.address });
        expect(await runIdentity(adopted!)).toBe(liveId);
        expect(await runToken(adopted!)).toBe(liveRun);

        const revived = recovered.find((i) => i.id === dead.id);
        expect(revived).toMatchObject({ state: 'running', restarts: 1 });
        expect(await runIdentity(revived!)).not.toBe(deadId);
        expect(await runToken(revived!)).not.toBe(deadRun);
        expect(restarts.events).toHaveLength(1);

        // The adopted instance is supervised: its logs continue, a crash is restarted, stop works.
        await waitForHttp(adopted!, '/print?out=after-adoption');
        await waitForLog(second.driver, live.id, (l) => l.line === 'after-adoption');
        // The log from before the adoption is kept. (Order is exact within a stream only: a
        // container's stderr line can be stamped before the stdout line written just before it.)
        const out = (await readLogs(second.driver, live.id)).filter((l) => l.stream === 'stdout');
        expect(out[0]?.line).toMatch(/^started /);
        const again = collectEvents(second.driver, 'restart', live.id);
        await killInstance(adopted!);
        const restarted = await waitFor(async () => again.events[0]);
        expect(await runIdentity(restarted)).not.toBe(liveId);
        expect(await runToken(restarted)).not.toBe(liveRun);
        await second.driver.stop(live.id, { graceMs: 2000 });
        expect(await canConnect('127.0.0.1', restarted.address!.port)).toBe(false);
      } finally {
        if (second) await second.cleanup();
        else {
          for (const info of started) await killInstance(info).catch(() => {});
          await first.cleanup();
        }
      }
    }, 90_000);

    if (opts.isolated || opts.skip?.isolation) {
      test('isolation', async () => {
        const a = await driver.start(spec(APPS.a, 'server'));
        const b = await driver.start(spec(APPS.b, 'server'));
        const read = async (info: InstanceInfo, p: string) =>
          JSON.parse(await waitForHttp(info, `/read?path=${encodeURIComponent(p)}`)) as unknown;
        // Not mounted at all (ENOENT) is as good as not permitted (EACCES).
        const cannotRead = { ok: false, code: expect.stringMatching(/^(EACCES|ENOENT)$/) };

        const written = JSON.parse(await waitForHttp(a, '/write?name=secret.txt&content=s3cret')) as {
          path: string;
        };
        expect(await read(a, written.path)).toEqual({ ok: true, content: 's3cret' });
        // Where the secret really is: b is asked for a file that exists, by both names.
        const secretOnHost = await hostPath(a, written.path);
        expect(fs.readFileSync(secretOnHost, 'utf8')).toBe('s3cret');
        for (const p of new Set([written.path, secretOnHost])) expect(await read(b, p)).toEqual(cannotRead);
        const artifactOfA = path.join(artifacts[APPS.a]!, 'app.cjs');
        expect(await read(b, artifactOfA)).toEqual(cannotRead);

        const ownArtifact = pathInInstance(artifacts[APPS.b]!, 'planted.js');
        expect(await read(b, pathInInstance(artifacts[APPS.b]!, 'app.cjs'))).toMatchObject({ ok: true });
        const plant = JSON.parse(await waitForHttp(b, `/write-at?path=${encodeURIComponent(ownArtifact)}`));
        expect(plant).toEqual({ ok: false, code: expect.stringMatching(/^(EACCES|EROFS)$/) });
        expect(fs.existsSync(path.join(artifacts[APPS.b]!, 'planted.js'))).toBe(false);
        await Promise.all([driver.stop(a.id, { graceMs: 2000 }), driver.stop(b.id, { graceMs: 2000 })]);
      });
    } else {
      it.skip(`${CASES.isolation} (skipped: apps are not isolated here: berthd is not root)`, () => {});
    }
  });
}

// ---- helpers (exported for driver-specific tests) ----

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting (${String(lastError ?? 'no value')})`);
    await sleep(50);
  }
}

/** Like waitFor, with a name for the timeout's message, a longer default and a slower poll (for
 * what goes through the Docker engine or a berthd: a deploy, a container's restart). */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await sleep(200);
  }
}

/** GETs `path` from the instance, retrying until it answers 200; returns the body. */
export function waitForHttp(info: InstanceInfo, urlPath: string): Promise<string> {
  const { host, port } = info.address ?? {};
  if (!host || !port) throw new Error(`instance ${info.id} has no address`);
  return waitFor(async () => {
    const res = await fetch(`http://${host}:${port}${urlPath}`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return res.text();
  });
}

export async function readLogs(
  driver: RuntimeDriver,
  id: string,
  opts: { tailLines?: number; follow?: boolean } = {},
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of driver.logs(id, opts)) lines.push(line);
  return lines;
}

export function waitForLog(
  driver: RuntimeDriver,
  id: string,
  match: (l: LogLine) => boolean,
): Promise<LogLine> {
  return waitFor(async () => (await readLogs(driver, id)).find(match));
}

export function collectEvents(driver: RuntimeDriver, event: RuntimeEvent, id: string) {
  const events: InstanceInfo[] = [];
  const listener = (info: InstanceInfo) => {
    if (info.id === id) events.push(info);
  };
  driver.on(event, listener);
  return { events, stop: () => driver.off(event, listener) };
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBerthError(err) ? err.code : err).toBe(code);
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Whether host process `pid` exists and is not a zombie (the process driver's view). */
export async function hostProcessAlive(_info: InstanceInfo, pid: number): Promise<boolean> {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function killProcessGroup(info: InstanceInfo): Promise<void> {
  if (info.pid === undefined) return;
  try {
    process.kill(-info.pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Removes a directory tree even when tests made parts of it unreadable. */
export function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
