// The docker tier's setup: with BERTH_TEST_DOCKER=1, the stack images (berth/stack-base,
// berth/stack-node, berth/stack-python) are built once before any test file runs, when this engine
// lacks them (a fresh machine: debootstrap, minutes). Otherwise the first deploys of several files
// would wait on the same builds within their own time limits. An engine in no swarm becomes a
// single-node one here too (the Swarm tests need a manager), once, before files could race to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ensureStackImage } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';

export default async function setup(): Promise<void> {
  if (process.env['BERTH_TEST_DOCKER'] !== '1') return;
  const docker = new Docker();
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  if (info.Swarm?.LocalNodeState === 'inactive') {
    await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
    process.stdout.write('this Docker engine is now a single-node swarm (advertise 127.0.0.1)\n');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-stacks-'));
  try {
    for (const name of ['node', 'python'] as const) {
      const started = Date.now();
      const ref = await ensureStackImage({ docker, logger: silentLogger(), dataDir, name });
      const seconds = (Date.now() - started) / 1000;
      if (seconds > 1) process.stdout.write(`stack image ${ref} built in ${seconds.toFixed(0)} s\n`);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
