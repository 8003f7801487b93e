// Smaller parts of the process driver: /proc parsing, process groups, ports, the guard wrapper.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import type { InstanceInfo, RuntimeDriver } from '../../src/runtime/index.ts';
import { guardDriver } from '../../src/runtime/index.ts';
import { defaultPath, instanceEnv } from '../../src/runtime/process/instance-env.ts';
import { createPortAllocator } from '../../src/runtime/process/port-allocator.ts';
import {
  isSameProcessAlive,
  parseProcStat,
  processGroupMembers,
  readProcStat,
} from '../../src/runtime/process/proc.ts';
import { stopGroup } from '../../src/runtime/process/process-group.ts';

describe('/proc', () => {
  it('parses stat lines whose command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[2] = '4242'; // pgrp
    fields[19] = '987654'; // starttime
    expect(parseProcStat(`4242 (a) b (c)) ${fields.join(' ')}`)).toEqual({
      pid: 4242,
      state: 'S',
      pgrp: 4242,
      startTime: 987654,
    });
    expect(parseProcStat('nonsense')).toBeUndefined();
  });

  it('tells a live process from a dead one and from one with another start time', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const stat = readProcStat(child.pid!)!;
    expect(stat.pgrp).toBe(child.pid);
    expect(isSameProcessAlive(child.pid!, stat.startTime)).toBe(true);
    expect(isSameProcessAlive(child.pid!, stat.startTime + 1)).toBe(false);
    expect(processGroupMembers(child.pid!)).toEqual([child.pid]);
    expect(await stopGroup(child.pid!, 2000)).toBe('terminated');
    expect(processGroupMembers(child.pid!)).toEqual([]);
    expect(await stopGroup(child.pid!, 2000)).toBe('gone');
  });
});

describe('instance environment', () => {
  const spec = {
    id: 'a-prod-v1-web-1-x',
    app: 'a',
    env: 'prod' as const,
    release: 1,
    processType: 'web',
    index: 1,
    artifactDir: '/srv/a',
    command: ['node', 'server.js'],
    vars: { GREETING: 'hi' } as Record<string, string>,
    pathPrepend: ['bin'],
    listen: true,
  };
  const extra = { port: 40001, home: '/data/a', basePath: '/usr/bin:/bin' };

  it('tells a listening instance its port and to listen on loopback only, unless it says otherwise', () => {
    expect(instanceEnv(spec, extra)).toEqual({
      GREETING: 'hi',
      PORT: '40001',
      HOST: '127.0.0.1',
      HOME: '/data/a',
      PATH: '/srv/a/bin:/usr/bin:/bin',
    });
    expect(instanceEnv({ ...spec, vars: { HOST: '0.0.0.0' } }, extra)['HOST']).toBe('0.0.0.0');
    const worker = instanceEnv({ ...spec, listen: false }, { ...extra, port: undefined });
    expect(worker).not.toHaveProperty('PORT');
    expect(worker).not.toHaveProperty('HOST');
  });

  it("finds berthd's own Node.js first on the default PATH, runnable by an unprivileged user", () => {
    const env = instanceEnv({ ...spec, pathPrepend: [] }, { ...extra, basePath: defaultPath() });
    expect(env['PATH']!.split(':')).toContain('/usr/bin');
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const found = spawnSync('node', ['--version'], { env, cwd: '/', encoding: 'utf8', ...asNobody });
    expect(found.stdout.trim()).toBe(process.version);
    expect(found.stdout).toMatch(/^v24\./);
  });
});

describe('port allocator', () => {
  it('never hands out a reserved port, and sees ports taken by others', async () => {
    const ports = createPortAllocator({ host: '127.0.0.1' });
    const first = await ports.allocate();
    const second = await ports.allocate();
    expect(second).not.toBe(first);
    expect(await ports.isTaken(first)).toBe(false);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(first, '127.0.0.1', r));
    expect(await ports.isTaken(first)).toBe(true);
    server.close();
  });

  it('allocates from a range and fails with RUNTIME_NO_PORT when it is used up', async () => {
    const probe = createPortAllocator({ host: '127.0.0.1' });
    const base = await probe.allocate();
    const ports = createPortAllocator({ host: '127.0.0.1', range: { min: base, max: base } });
    expect(await ports.allocate()).toBe(base);
    const err = await ports.allocate().catch((e: unknown) => e);
    expect(isBerthError(err, 'RUNTIME_NO_PORT')).toBe(true);
    ports.release(base);
    expect(await ports.allocate()).toBe(base);
  });
});

describe('guardDriver', () => {
  function fakeInner(log: string[]): RuntimeDriver {
    const info = (id: string) => ({ id }) as InstanceInfo;
    return {
      name: 'fake',
      capabilities: { supervision: 'driver', artifacts: 'path' },
      async start(spec) {
        log.push(`start ${spec.id}`);
        return info(spec.id);
      },
      async stop(id) {
        log.push(`stop ${id} begin`);
        await new Promise((r) => setTimeout(r, 30));
        log.push(`stop ${id} end`);
      },
      async list() {
        return [];
      },
      logs() {
        return (async function* () {})();
      },
      async runOnce(spec) {
        log.push(`run ${spec.id}`);
        return { code: 0, signal: null };
      },
      async recover() {
        return [];
      },
      async close() {
        log.push('close');
      },
      on() {},
      off() {},
    };
  }

  it('serialises operations per instance, waits for them on close, then refuses calls', async () => {
    const log: string[] = [];
    const driver = guardDriver(fakeInner(log), silentLogger());
    const stops = [driver.stop('i1'), driver.stop('i1')];
    const closing = driver.close();
    await Promise.all([...stops, closing]);
    expect(log).toEqual(['stop i1 begin', 'stop i1 end', 'stop i1 begin', 'stop i1 end', 'close']);
    for (const call of [() => driver.list(), () => driver.recover(), () => driver.stop('i1')]) {
      const err = await call().catch((e: unknown) => e);
      expect(isBerthError(err, 'RUNTIME_CLOSED')).toBe(true);
    }
  });

  it("passes a cluster driver's nodes() through until closed, and has none for a driver without", async () => {
    expect(guardDriver(fakeInner([]), silentLogger()).nodes).toBeUndefined();
    const node = {
      id: 'n1',
      hostname: 'vm-1',
      role: 'manager' as const,
      availability: 'active' as const,
      state: 'ready' as const,
      address: '10.0.0.1',
      labels: { zone: 'a' },
      instances: 3,
    };
    const driver = guardDriver({ ...fakeInner([]), nodes: async () => [node] }, silentLogger());
    expect(await driver.nodes?.()).toEqual([node]);
    await driver.close();
    const err = await driver.nodes?.().catch((e: unknown) => e);
    expect(isBerthError(err, 'RUNTIME_CLOSED')).toBe(true);
  });
});
