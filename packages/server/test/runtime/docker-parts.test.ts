// The Docker driver's pure parts, without a Docker engine: the container settings (isolation
// defaults), the environment, the log stream demultiplexer and the log archive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { containerConfig, containerEnv, specLabel } from '../../src/runtime/docker/container-config.ts';
import { resolveDockerOptions } from '../../src/runtime/docker/docker-options.ts';
import {
  archivePath,
  readLogArchive,
  toLogLine,
  writeLogArchive,
} from '../../src/runtime/docker/log-archive.ts';
import { createLogFrameParser, type DockerLogLine, sinceParam } from '../../src/runtime/docker/log-frames.ts';
import { inTimeOrder } from '../../src/runtime/docker/log-order.ts';
import type { InstanceSpec } from '../../src/runtime/index.ts';

const spec: InstanceSpec = {
  id: 'shop-prod-v3-web-1-ab12',
  app: 'shop',
  env: 'prod',
  release: 3,
  processType: 'web',
  index: 1,
  artifactDir: '/var/lib/berth/builds/shop/r3',
  command: ['node', 'server.js'],
  vars: { API_KEY: 'k' },
  pathPrepend: ['node_modules/.bin'],
  listen: true,
};
const options = resolveDockerOptions({
  docker: {} as never,
  logger: silentLogger(),
  dataDir: '/var/lib/berth',
  installation: 'k3x9q2',
});

describe('containerConfig', () => {
  it('isolates by default and publishes the port on loopback only', () => {
    const config = containerConfig(spec, options, {
      uid: 10_001,
      gid: 10_001,
      homeDir: '/var/lib/berth/homes/berth-x-10001',
    });
    expect(config).toMatchObject({
      name: 'berth-k3x9q2-shop-prod-v3-web-1-ab12',
      Image: 'berth/stack-node:24',
      Cmd: ['node', 'server.js'],
      User: '10001:10001',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {
        'berth.instance': spec.id,
        'berth.app': 'shop',
        'berth.env': 'prod',
        'berth.release': '3',
        'berth.process': 'web',
        'berth.index': '1',
        'berth.owner': 'k3x9q2',
      },
    });
    expect(config.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 512 * 1024 * 1024,
      NanoCpus: 1e9,
      PidsLimit: 256,
      NetworkMode: 'berth-k3x9q2-app-shop',
      // BERTH_API_URL's host inside the container: the host's bridge address.
      ExtraHosts: ['host.docker.internal:host-gateway'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      RestartPolicy: { Name: 'no' },
    });
    expect(config.HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: spec.artifactDir, Target: '/app', ReadOnly: true },
      { Type: 'bind', Source: '/var/lib/berth/homes/berth-x-10001', Target: '/home/app', ReadOnly: false },
    ]);
    expect(JSON.stringify(config)).not.toContain('docker.sock');
    expect(config.HostConfig?.Privileged).toBeUndefined();
  });

  it('applies spec limits over the defaults; a worker publishes nothing', () => {
    const worker = { ...spec, listen: false, limits: { memoryBytes: 1e8, cpu: 0.5, pids: 32 } };
    const config = containerConfig(worker, options, { uid: 10_000, gid: 10_000, homeDir: '/h' });
    expect(config.HostConfig).toMatchObject({ Memory: 1e8, MemorySwap: 1e8, NanoCpus: 5e8, PidsLimit: 32 });
    expect(config.HostConfig?.PortBindings).toBeUndefined();
    expect(config.ExposedPorts).toBeUndefined();
    expect(config.Env).not.toContainEqual(expect.stringMatching(/^PORT=/));
  });

  it('keeps the vars out of the spec label', () => {
    const label = JSON.parse(specLabel(spec));
    expect(label).toMatchObject({ id: spec.id, release: 3, command: spec.command });
    expect(label.vars).toBeUndefined();
  });

  it('sets PORT, HOST, HOME and PATH with pathPrepend inside /app', () => {
    expect(containerEnv(spec, 8080)).toEqual({
      API_KEY: 'k',
      PORT: '8080',
      HOST: '0.0.0.0',
      HOME: '/home/app',
      PATH: '/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    });
    // The app's own HOST wins; a worker (no port) gets neither.
    expect(containerEnv({ ...spec, vars: { HOST: '::' } }, 8080)['HOST']).toBe('::');
    expect(containerEnv(spec, undefined)).not.toHaveProperty('HOST');
  });
});

describe('log frames', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it('splits frames cut anywhere into lines of the right stream, with nanosecond times', () => {
    const raw = Buffer.concat([
      frame(1, '2026-11-23T16:00:00.123456789Z hello\n'),
      frame(2, '2026-11-23T16:00:01Z oops\n2026-11-23T16:00:01.5Z par'),
      frame(2, 'tial\n'),
    ]);
    const parser = createLogFrameParser();
    const lines = [
      ...parser.push(raw.subarray(0, 5)),
      ...parser.push(raw.subarray(5, 50)),
      ...parser.push(raw.subarray(50)),
    ];
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ['stdout', 'hello'],
      ['stderr', 'oops'],
      ['stderr', 'partial'],
    ]);
    const base = BigInt(Date.parse('2026-11-23T16:00:00Z')) * 1_000_000n;
    expect(lines[0]!.ns).toBe(base + 123_456_789n);
    expect(lines[2]!.ns).toBe(base + 1_500_000_000n);
    expect(parser.end()).toEqual([]);
    expect(sinceParam(lines[0]!.ns)).toBe(`${base / 1_000_000_000n}.123456789`);
  });

  it('returns an unterminated last line at the end', () => {
    const parser = createLogFrameParser();
    expect(parser.push(frame(1, 'no time, no newline'))).toEqual([]);
    expect(parser.end()).toEqual([{ stream: 'stdout', ns: 0n, line: 'no time, no newline' }]);
  });
});

describe('inTimeOrder', () => {
  it('lets a line out in timestamp order when an earlier one arrives within the window', async () => {
    const line = (stream: 'stdout' | 'stderr', ns: bigint, text: string): DockerLogLine => ({
      stream,
      ns,
      line: text,
    });
    async function* source() {
      yield line('stderr', 20n, 'err written second');
      await sleep(5);
      yield line('stdout', 10n, 'out written first');
      await sleep(200); // past the window: these two are out before the next one arrives
      yield line('stdout', 5n, 'late straggler');
    }
    const seen: string[] = [];
    for await (const l of inTimeOrder(source(), 50)) seen.push(l.line);
    expect(seen).toEqual(['out written first', 'err written second', 'late straggler']);
  });
});

describe('log archive', () => {
  it('keeps nanosecond timestamps, and reads archives written before it kept them', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-archive-'));
    try {
      const lines: DockerLogLine[] = [
        { stream: 'stdout', ns: 1_795_000_000_123_456_789n, line: 'first' },
        { stream: 'stderr', ns: 1_795_000_000_123_456_790n, line: 'same ms, 1 ns later' },
      ];
      writeLogArchive(dataDir, 'web-1', lines);
      expect(readLogArchive(dataDir, 'web-1')).toEqual(lines);
      expect(fs.statSync(archivePath(dataDir, 'web-1')).mode & 0o777).toBe(0o600);
      const old = { at: 1_795_000_000_123, stream: 'stdout', line: 'old', instance: 'web-2' };
      fs.writeFileSync(archivePath(dataDir, 'web-2'), `${JSON.stringify(old)}\n`);
      expect(readLogArchive(dataDir, 'web-2')).toEqual([
        { stream: 'stdout', ns: 1_795_000_000_123_000_000n, line: 'old' },
      ]);
      expect(readLogArchive(dataDir, 'never')).toBeUndefined();
      expect(toLogLine(lines[0]!, 'web-1')).toEqual({
        at: 1_795_000_000_123,
        stream: 'stdout',
        line: 'first',
        instance: 'web-1',
      });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
