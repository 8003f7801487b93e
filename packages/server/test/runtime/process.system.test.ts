// The process driver: the shared contract, then what only processes have (Unix users, state files
// and pid reuse, port moves, rlimits, log rotation, sealed vars).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { isBerthError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import type { InstanceSpec } from '../../src/runtime/index.ts';
import { createProcessDriver } from '../../src/runtime/process/index.ts';
import { readProcStat } from '../../src/runtime/process/proc.ts';
import type { ProcessDriverOptions } from '../../src/runtime/process/process-options.ts';
import {
  CONTRACT_RESTART_POLICY,
  type ContractDriver,
  canConnect,
  collectEvents,
  killProcessGroup,
  readLogs,
  runtimeContract,
  waitFor,
  waitForHttp,
  waitForLog,
} from './contract.ts';
import { driverDataDir, ownedDriver, testAppSpec } from './driver-fixtures.ts';
import { provisionIdentities, type TestIdentities } from './identities.ts';
import { writeTestApp } from './test-apps.ts';

const isRoot = process.getuid?.() === 0;

function makeProcessDriver(extra: Partial<ProcessDriverOptions> = {}) {
  return async (reuse?: { dataDir: string }): Promise<ContractDriver> => {
    const dataDir = driverDataDir('berth-runtime-', reuse);
    const driver = createProcessDriver({
      dataDir,
      logger: silentLogger(),
      restartPolicy: CONTRACT_RESTART_POLICY,
      livenessPollMs: 100,
      logs: { pollMs: 50 },
      ...extra,
    });
    return ownedDriver(driver, dataDir);
  };
}

runtimeContract('process', makeProcessDriver(), { isolated: isRoot, hostUsers: true });

describe('process driver', () => {
  const runId = crypto.randomBytes(3).toString('hex');
  const identities = new Map<string, TestIdentities>();
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const ids of identities.values()) await ids.cleanup();
  });

  let n = 0;
  async function setup(extra: Partial<ProcessDriverOptions> = {}) {
    const made = await makeProcessDriver(extra)();
    cleanups.push(made.cleanup);
    return made;
  }
  /** A spec of app `rtp-…-{name}`, whose artifact and run identity (as root) are made on first use. */
  async function spec(
    dataDir: string,
    name: string,
    mode: string,
    over: Partial<InstanceSpec> = {},
  ): Promise<InstanceSpec> {
    n += 1;
    const app = `rtp-${runId}-${name}`;
    const key = `${dataDir}\0${app}`;
    let ids = identities.get(key);
    if (!ids) {
      ids = await provisionIdentities(dataDir, [app], { hostUsers: true });
      identities.set(key, ids);
    }
    const artifactDir = path.join(dataDir, 'builds', app, 'r1');
    if (!fs.existsSync(artifactDir)) {
      writeTestApp(artifactDir);
      await ids.seal(app, artifactDir);
    }
    return testAppSpec({ app, n, mode, node: process.execPath, artifactDir, user: ids.user(app), over });
  }

  it.runIf(isRoot)(
    'runs an instance as its run identity, in its sealed artifact, with its home',
    async () => {
      const { driver, dataDir } = await setup();
      const s = await spec(dataDir, 'user', 'server');
      const info = await driver.start(s);
      const who = JSON.parse(await waitForHttp(info, '/whoami'));
      expect(who).toMatchObject({
        uid: s.user!.uid,
        gid: s.user!.gid,
        cwd: s.artifactDir,
        home: s.user!.home,
      });
      const home = fs.statSync(who.home);
      expect([home.uid, home.mode & 0o777]).toEqual([s.user!.uid, 0o700]);
      const artifact = fs.statSync(s.artifactDir);
      expect([artifact.uid, artifact.gid, artifact.mode & 0o777]).toEqual([0, s.user!.gid, 0o750]);
      // The artifact is read-only to the app: its files are root's.
      const planted = JSON.parse(
        await waitForHttp(info, `/write-at?path=${encodeURIComponent(path.join(s.artifactDir, 'x.js'))}`),
      );
      expect(planted).toEqual({ ok: false, code: 'EACCES' });
      await driver.stop(s.id, { graceMs: 2000 });
    },
  );

  it('holds a one-off run up while its reader asks to wait, instead of buffering its output', async () => {
    const { driver, dataDir } = await setup();
    const {
      processType: _type,
      index: _index,
      listen: _listen,
      ...base
    } = await spec(dataDir, 'slow', 'idle');
    // 4 MB of output then exit 0, unless the full pipe holds the command up until its time limit.
    const command = ['sh', '-c', 'head -c 4000000 /dev/zero'];
    let received = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = setTimeout(() => release(), 3000);
    const exit = await driver.runOnce(
      { ...base, id: `run-${base.id}`, kind: 'run', command, timeoutMs: 1000 },
      {
        output: (_stream, data) => {
          received += data.length;
          return gate;
        },
        signal: new AbortController().signal,
      },
    );
    clearTimeout(held);
    expect(exit).toMatchObject({ code: null, killed: 'timeout' });
    expect(received).toBeLessThan(4_000_000);
  });

  it.runIf(isRoot)('refuses an instance without a user when berthd is root', async () => {
    const { driver, dataDir } = await setup();
    const { user: _user, ...s } = await spec(dataDir, 'nouser', 'server');
    const err = await driver.start(s).catch((e: unknown) => e);
    expect(isBerthError(err, 'RUNTIME_SPEC_INVALID')).toBe(true);
  });

  it('persists pid and /proc start time, and never adopts a reused pid', async () => {
    const first = await setup();
    const s = await spec(first.dataDir, 'reuse', 'server');
    const info = await first.driver.start(s);
    await waitForHttp(info, '/');
    const stateFile = path.join(first.dataDir, 'runtime', 'instances', `${s.id}.json`);
    const record = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(record).toMatchObject({ pid: info.pid, port: info.address!.port, state: 'running' });
    expect(record.procStartTime).toBe(readProcStat(info.pid!)!.startTime);

    await first.driver.close();
    await killProcessGroup(info);
    // An unrelated process now holds "the instance's" pid (as after pid reuse): a group leader, too.
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    cleanups.push(async () => void (stranger.exitCode === null && stranger.kill('SIGKILL')));
    fs.writeFileSync(stateFile, JSON.stringify({ ...record, pid: stranger.pid }));

    const reopened = await makeProcessDriver()({ dataDir: first.dataDir });
    cleanups.push(reopened.cleanup);
    const recovered = await reopened.driver.recover();
    const again = recovered.find((i) => i.id === s.id)!;
    expect(again).toMatchObject({ state: 'running', restarts: 1 });
    expect(again.pid).not.toBe(stranger.pid);
    expect(stranger.exitCode).toBeNull();
    expect(readProcStat(stranger.pid!)?.state).not.toBe('Z');
    expect(await waitForHttp(again, '/')).toBe(`ok ${again.pid}`);
    await reopened.driver.stop(s.id, { graceMs: 2000 });
    expect(fs.existsSync(stateFile)).toBe(false);
    stranger.kill('SIGKILL');
  });

  it('moves an instance whose port was taken before it bound it, without counting a crash', async () => {
    const { driver, dataDir } = await setup();
    const s = await spec(dataDir, 'port', 'slow-bind', { vars: { DELAY: '1500' } });
    const restarts = collectEvents(driver, 'restart', s.id);
    const info = await driver.start(s);
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(info.address!.port, '127.0.0.1', resolve);
    });
    try {
      const moved = await waitFor(async () => restarts.events[0]);
      expect(moved.address!.port).not.toBe(info.address!.port);
      expect(moved.lastExit?.code).toBe(1);
      expect(await waitForHttp(moved, '/')).toBe(`ok ${moved.pid}`);
      const [listed] = (await driver.list()).filter((i) => i.id === s.id);
      expect(listed).toMatchObject({ state: 'running', address: moved.address });
    } finally {
      squatter.close();
    }
    await driver.stop(s.id, { graceMs: 2000 });
  });

  it.runIf(isRoot)('limits.pids caps the processes of the app user', async () => {
    const { driver, dataDir } = await setup();
    const s = await spec(dataDir, 'pids', 'spawn-many', {
      listen: false,
      vars: { COUNT: '60' },
      limits: { pids: 40 },
    });
    await driver.start(s);
    const line = await waitForLog(driver, s.id, (l) => l.line.startsWith('{'));
    const result = JSON.parse(line.line) as { started: number; firstError: string | null };
    expect(result.started).toBeLessThan(60);
    expect(result.firstError).toBe('EAGAIN');
    await driver.stop(s.id, { graceMs: 2000 });
  });

  it('rotates the log past maxBytes, keeps N files, and reads across them', async () => {
    const { driver, dataDir } = await setup({ logs: { pollMs: 50, maxBytes: 4096, keepFiles: 2 } });
    const s = await spec(dataDir, 'rotate', 'printer', {
      listen: false,
      vars: { LINES: '300', WIDTH: '60' },
    });
    await driver.start(s);
    await waitForLog(driver, s.id, (l) => l.line.startsWith('line 300 '));
    const dir = path.join(dataDir, 'logs', 'instances');
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(`${s.id}.log`))
      .sort();
    expect(files).toEqual([`${s.id}.log`, `${s.id}.log.1`, `${s.id}.log.2`]);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThan(4096 + 200);
    const all = (await readLogs(driver, s.id)).map((l) => Number(l.line.split(' ')[1]));
    expect(all.at(-1)).toBe(300);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all.length).toBeLessThan(300); // the oldest rotated away
    const tail = (await readLogs(driver, s.id, { tailLines: 100 })).map((l) => Number(l.line.split(' ')[1]));
    expect(tail).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    await driver.stop(s.id, { graceMs: 2000 });
  });

  it('seals the vars in state files and restores them on recovery', async () => {
    const secretBox = createSecretBox(crypto.randomBytes(32));
    const first = await setup({ secretBox });
    const s = await spec(first.dataDir, 'sealed', 'server', { vars: { API_KEY: 'hunter2-plaintext' } });
    const info = await first.driver.start(s);
    await waitForHttp(info, '/');
    const raw = fs.readFileSync(path.join(first.dataDir, 'runtime', 'instances', `${s.id}.json`), 'utf8');
    expect(raw).not.toContain('hunter2-plaintext');
    await first.driver.close();
    await killProcessGroup(info);
    await waitFor(async () => ((await canConnect('127.0.0.1', info.address!.port)) ? undefined : true));
    const reopened = await makeProcessDriver({ secretBox })({ dataDir: first.dataDir });
    cleanups.push(reopened.cleanup);
    const [again] = await reopened.driver.recover();
    const env = JSON.parse(await waitForHttp(again!, '/env'));
    expect(env['API_KEY']).toBe('hunter2-plaintext');
    await reopened.driver.stop(s.id, { graceMs: 2000 });
  });

  it('finishes a stop that berthd could not finish before it went down', async () => {
    const first = await setup();
    const s = await spec(first.dataDir, 'halfstop', 'stubborn');
    const info = await first.driver.start(s);
    await waitForHttp(info, '/');
    await first.driver.close();
    const stateFile = path.join(first.dataDir, 'runtime', 'instances', `${s.id}.json`);
    const record = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    fs.writeFileSync(stateFile, JSON.stringify({ ...record, state: 'stopping' }));
    const reopened = await makeProcessDriver({ stopGraceMs: 200 })({ dataDir: first.dataDir });
    cleanups.push(reopened.cleanup);
    await reopened.driver.recover();
    await waitFor(async () => ((await reopened.driver.list()).length === 0 ? true : undefined));
    expect(await canConnect('127.0.0.1', info.address!.port)).toBe(false);
    expect(fs.existsSync(stateFile)).toBe(false);
  });
});
