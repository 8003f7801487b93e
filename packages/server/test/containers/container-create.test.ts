// Every kind of Berth container on Docker — an instance, a one-off run, a build step — is created
// with options from containers/container-create.ts: the isolation is the same for all three, only
// what the kinds need differs. The run and the build step are created by their real code paths
// against a Docker client that records the options and refuses to create anything.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containerExecutor } from '../../src/build/container/container-exec.ts';
import { CONTAINER_ISOLATION, containerCreateOptions } from '../../src/containers/container-create.ts';
import { silentLogger } from '../../src/logger.ts';
import { containerConfig } from '../../src/runtime/docker/container-config.ts';
import { resolveDockerOptions } from '../../src/runtime/docker/docker-options.ts';
import { createTaskRunner } from '../../src/runtime/docker/run-task.ts';
import type { InstanceSpec, RunSpec } from '../../src/runtime/index.ts';

/** A Docker client whose createContainer records its options and fails. */
function recordingDocker(): { docker: Docker; created: Docker.ContainerCreateOptions[] } {
  const created: Docker.ContainerCreateOptions[] = [];
  const docker = {
    createContainer: async (opts: Docker.ContainerCreateOptions) => {
      created.push(opts);
      throw new Error('not creating anything in a unit test');
    },
  } as unknown as Docker;
  return { docker, created };
}

const user = { name: 'berth-shop-prod', uid: 10_001, gid: 10_001, home: '/var/lib/berth/homes/shop' };
const instance: InstanceSpec = {
  id: 'shop-prod-v3-web-1-ab12',
  app: 'shop',
  env: 'prod',
  release: 3,
  processType: 'web',
  index: 1,
  artifactDir: '/var/lib/berth/releases/shop/prod/v3',
  command: ['node', 'server.js'],
  vars: {},
  listen: true,
  user,
};

/** The create options of each kind, made by the code that makes them for real. */
async function createOptionsOfEveryKind() {
  const { docker, created } = recordingDocker();
  const options = resolveDockerOptions({
    docker,
    logger: silentLogger(),
    dataDir: '/var/lib/berth',
    installation: 'k3x9q2',
  });
  const instanceOptions = containerConfig(instance, options, {
    uid: 10_001,
    gid: 10_001,
    homeDir: user.home,
  });

  const runOnce = createTaskRunner(options, {
    networks: { ensure: async () => {}, removeIfUnused: async () => {} },
    logger: silentLogger(),
  });
  const run: RunSpec = {
    id: 'shop-prod-v3-release-1',
    kind: 'release',
    timeoutMs: 60_000,
    app: 'shop',
    env: 'prod',
    release: 3,
    artifactDir: instance.artifactDir,
    command: ['node', 'migrate.js'],
    vars: {},
    user,
  };
  await expect(runOnce(run, { output: () => {}, signal: new AbortController().signal })).rejects.toThrow();

  const step = containerExecutor({
    docker,
    image: 'berth/stack-node:24',
    uid: 20_001,
    gid: 20_001,
    owner: 'k3x9q2',
  });
  const dir = '/var/lib/berth/releases/shop/prod/v3';
  await expect(
    step({
      argv: ['npm', 'ci'],
      cwd: dir,
      env: { HOME: dir },
      log: () => {},
      signal: new AbortController().signal,
      dirs: { outDir: dir, appDir: dir, cacheDir: undefined },
    }),
  ).rejects.toThrow();

  expect(created).toHaveLength(2);
  return { instance: instanceOptions, run: created[0]!, step: created[1]! };
}

/** What every Berth container must have, whatever its kind. */
function isolation(options: Docker.ContainerCreateOptions) {
  const host = options.HostConfig ?? {};
  return {
    user: /^[1-9]\d*:[1-9]\d*$/.test(options.User ?? ''),
    Init: host.Init,
    ReadonlyRootfs: host.ReadonlyRootfs,
    CapDrop: host.CapDrop,
    SecurityOpt: host.SecurityOpt,
    tmpOptions: host.Tmpfs?.['/tmp']?.replace(/,size=\d+m$/, ''),
    noSwap: host.Memory !== undefined && host.MemorySwap === host.Memory,
    pidsLimited: typeof host.PidsLimit === 'number' && host.PidsLimit > 0,
    RestartPolicy: host.RestartPolicy,
    Privileged: host.Privileged,
    CapAdd: host.CapAdd,
    Devices: host.Devices,
    Binds: host.Binds,
    dockerSocket: JSON.stringify(options).includes('docker.sock'),
  };
}

describe('Berth containers on Docker', () => {
  it('get the same isolation, from one place, whatever their kind', async () => {
    const kinds = await createOptionsOfEveryKind();
    const expected = {
      user: true,
      Init: true,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      tmpOptions: 'rw,nosuid,nodev',
      noSwap: true,
      pidsLimited: true,
      RestartPolicy: { Name: 'no' },
      Privileged: undefined,
      CapAdd: undefined,
      Devices: undefined,
      Binds: undefined,
      dockerSocket: false,
    };
    for (const [kind, options] of Object.entries(kinds)) expect(isolation(options), kind).toEqual(expected);
    // The constants the options come from are the expected ones.
    expect(CONTAINER_ISOLATION).toMatchObject({
      init: expected.Init,
      readOnlyRoot: expected.ReadonlyRootfs,
      capDrop: expected.CapDrop,
      securityOpt: expected.SecurityOpt,
      tmpOptions: expected.tmpOptions,
    });
  });

  it('differ where their kinds do: mounts, network, port, limits, output', async () => {
    const { instance: inst, run, step } = await createOptionsOfEveryKind();
    // Instances and runs: the release read-only at /app, the home writable, the app's network,
    // the driver's limits, Docker's rotated log; only a listening instance publishes its port.
    for (const options of [inst, run]) {
      expect(options.HostConfig?.Mounts?.map((m) => [m.Target, m.ReadOnly])).toEqual([
        ['/app', true],
        ['/home/app', false],
      ]);
      expect(options.HostConfig).toMatchObject({
        NetworkMode: 'berth-k3x9q2-app-shop',
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
        Memory: 512 * 1024 ** 2,
        NanoCpus: 1e9,
        PidsLimit: 256,
        LogConfig: { Type: 'json-file' },
      });
      expect(options.AttachStdout).toBeUndefined();
    }
    expect(inst.HostConfig?.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(run.HostConfig?.PortBindings).toBeUndefined();
    expect(run.Labels).toMatchObject({ 'berth.task': 'release', 'berth.owner': 'k3x9q2' });
    expect(run.Labels?.['berth.instance']).toBeUndefined();
    // A build step: the build directory writable at /app, the default bridge (the registry), a
    // larger /tmp, 1 GiB and 512 pids, no CPU cap, no port, the output attached and not logged.
    expect(step).toMatchObject({ User: '20001:20001', WorkingDir: '/app', AttachStdout: true });
    expect(step.HostConfig?.Mounts?.map((m) => [m.Target, m.ReadOnly])).toEqual([['/app', false]]);
    expect(step.HostConfig).toMatchObject({
      NetworkMode: 'bridge',
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m' },
      Memory: 1024 ** 3,
      PidsLimit: 512,
      LogConfig: { Type: 'none' },
    });
    expect(step.HostConfig?.NanoCpus).toBeUndefined();
    expect(step.HostConfig?.PortBindings).toBeUndefined();
    expect(step.HostConfig?.ExtraHosts).toBeUndefined();
    expect(step.Labels).toMatchObject({ 'berth.build-step': '', 'berth.owner': 'k3x9q2' });
  });

  it('are made from their inputs: memory in whole bytes, nothing that is not given', () => {
    const options = containerCreateOptions({
      name: 'x',
      image: 'i',
      cmd: ['true'],
      env: { A: 'b' },
      user: { uid: 1000, gid: 1000 },
      labels: {},
      mounts: [],
      tmpMiB: 8,
      network: 'none',
      limits: { memoryBytes: 1e8 + 0.5, pids: 10 },
      output: 'attach',
    });
    expect(options).toMatchObject({ Env: ['A=b'], User: '1000:1000', Cmd: ['true'] });
    expect(options.WorkingDir).toBeUndefined();
    expect(options.StopTimeout).toBeUndefined();
    expect(options.HostConfig).toMatchObject({
      Memory: 1e8,
      MemorySwap: 1e8,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=8m' },
      Init: true,
    });
  });
});
